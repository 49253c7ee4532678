"""The README's example kind, registered only here, opens in the window and every tab explores it: the GUI knows
the LatentModel contract, nothing about a particular kind."""
import pytest

from explorer.training.run import RunSpec, TrainingRun
from tests.gui.conftest import settle, show_tab
from tests.readme_kind import KIND, readme_kind


@pytest.fixture
def linear_kind():
    with readme_kind():  # registered before the window is built, as an installed kind is
        yield


def test_a_new_kind_is_explored_with_no_gui_change(linear_kind, window, tmp_path, qtbot):
    window.training.ensure_form()
    assert window.training.form.fields["model"].widget.findText(KIND) >= 0
    out = tmp_path / "linear.safetensors"
    TrainingRun(RunSpec.create(model=KIND, dataset="digits", latent_dim=3, epochs=1, batch_size=64,
                               device="cpu", out=str(out))).execute()
    assert window.open_checkpoint(str(out))
    settle(qtbot, window)
    assert window.inspector.recon_view.count == 1 and len(window.inspector.bars.mean) == 3
    window.session.select(3)
    window.interpolation.use_selection_as_a()
    window.session.select(11)
    window.interpolation.use_selection_as_b()
    for panel in (window.traversal, window.manifold, window.samples, window.interpolation):
        show_tab(qtbot, window, panel)
        assert panel.view.count > 0, panel
