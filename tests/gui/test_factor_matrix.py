"""Data with ground-truth factors in the window: the dimension × factor matrix beside the traversal (a click on a
cell traverses that dimension), hidden for data without factors."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.analysis import disentanglement
from explorer.analysis.factor_matrix import MEASURES
from explorer.data import factors
from explorer.training.run import RunSpec, TrainingRun
from tests.analysis.test_disentanglement import SMALL
from tests.factor_toy import TOY_FACTORS, toy_factor_dataset
from tests.gui.conftest import settle, show_tab


def train_on_toy_factors(out, epochs=15):
    """A VAE on ``dsprites-32`` served by the toy factor dataset (8x8 blocks: brightness, x, y)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factors, "load_dsprites", toy_factor_dataset)
        patch.setitem(disentanglement.BUDGETS, "app", SMALL)
        spec = RunSpec.create(model="vae", dataset="dsprites-32", latent_dim=4, hidden=[64], epochs=epochs,
                              batch_size=16, device="cpu", out=str(out))
        TrainingRun(spec).execute()
    return str(out)


@pytest.fixture(scope="module")
def factor_path(tmp_path_factory):
    return train_on_toy_factors(tmp_path_factory.mktemp("factors") / "toy-vae.safetensors")


@pytest.fixture
def factor_window(window, factor_path, qtbot):
    assert window.open_checkpoint(factor_path)
    settle(qtbot, window, timeout=60_000)
    return window


def test_the_matrix_shows_each_dimension_against_each_factor(factor_window, qtbot):
    panel = factor_window.traversal
    show_tab(qtbot, factor_window, panel)
    qtbot.waitUntil(lambda: panel.matrix is not None, timeout=20_000)
    assert panel.factors_box.isVisible()
    view = panel.matrix_view
    assert view.values.shape == (4, len(TOY_FACTORS.names))
    assert ((view.values >= 0) & (view.values <= 1)).all()
    labels = [label for _, label in view.getAxis("left")._tickLevels[0]]
    best = panel.matrix.best_factor("mi")
    assert labels[0].startswith(f"z0  {TOY_FACTORS.names[best[0]]} ")
    assert panel.matrix_note.text() == f"on {len(toy_factor_dataset().test)} preview items"
    panel.measure.setCurrentIndex(list(MEASURES).index("importance"))
    assert np.allclose(view.values, panel.matrix.values["importance"])
    assert np.allclose(view.values.sum(axis=0), 1.0)  # each factor's importances share 1


def test_a_click_on_a_cell_traverses_its_dimension(factor_window, qtbot):
    panel = factor_window.traversal
    show_tab(qtbot, factor_window, panel)
    qtbot.waitUntil(lambda: panel.matrix is not None, timeout=20_000)
    target = 2 if factor_window.session.dim != 2 else 1
    with qtbot.waitSignal(factor_window.session.dim_selected):
        qtbot.mouseClick(panel.matrix_view.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.matrix_view.cell_centre(target, 1))
    assert factor_window.session.dim == target
    settle(qtbot, factor_window)
    assert panel.matrix_view.outline.isVisible()
    assert panel.matrix_view.outline.rect().center().y() == pytest.approx(target)


def test_no_matrix_without_factors(vae_window, qtbot):
    show_tab(qtbot, vae_window, vae_window.traversal)
    assert not vae_window.traversal.factors_box.isVisible() and vae_window.traversal.matrix is None


def test_the_model_panel_shows_the_disentanglement_metrics_and_mi_against_log_n(factor_window):
    form = factor_window.model_panel.metrics
    rows = {form.itemAt(row, form.ItemRole.LabelRole).widget().text():
            form.itemAt(row, form.ItemRole.FieldRole).widget().text() for row in range(form.rowCount())}
    for title in ("MIG", "SAP", "DCI disentanglement", "DCI completeness", "DCI informativeness", "FactorVAE score",
                  "β-VAE score"):
        assert 0.0 <= float(rows[title]) <= 1.0, title
    assert rows["mutual information (nats)"].endswith(f"of log {len(toy_factor_dataset().test)})")
