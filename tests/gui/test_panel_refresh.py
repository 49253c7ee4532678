"""When panels decode: only while visible (a hidden tab catches up when shown), row by row for long results, and
a later epoch of the same run keeps what the user picked."""
import numpy as np

from explorer.gui.panels import map_panel
from explorer.gui.panels.traversal_panel import decode_traversal
from explorer.io.checkpoint import load_checkpoint
from tests.gui.conftest import settle, show_tab


class RecordingState:
    """A TaskState stand-in that keeps every partial result."""

    def __init__(self):
        self.partials = []

    def check(self):
        pass

    def set_partial_result(self, value, force=False):
        self.partials.append(value)


def test_a_hidden_tab_decodes_nothing_until_it_is_shown(vae_window, qtbot, monkeypatch):
    explorer = vae_window.session.explorer
    attribute_calls = []
    real_attribute = explorer.attribute
    monkeypatch.setattr(explorer, "attribute", lambda *a, **k: attribute_calls.append(a) or real_attribute(*a, **k))
    assert vae_window.tabs.currentWidget() is vae_window.traversal
    vae_window.session.select(5)
    settle(qtbot, vae_window)
    assert vae_window.samples.view.count == 0 and vae_window.arithmetic.attribute_view.count == 0
    assert attribute_calls == []
    assert vae_window.inspector.recon_view.count == 1 and vae_window.traversal.view.count > 0
    show_tab(qtbot, vae_window, vae_window.arithmetic)
    assert vae_window.arithmetic.attribute_view.count == 6 and len(attribute_calls) == 6
    show_tab(qtbot, vae_window, vae_window.samples)
    assert vae_window.samples.view.count == vae_window.samples.count.value()


def test_the_traversal_grid_is_handed_over_row_by_row(vae_window):
    explorer = vae_window.session.explorer
    state = RecordingState()
    dims = explorer.dims_by_kl
    rows = decode_traversal(explorer, explorer.means[0], dims, "sigma", 5, 3.0, None, state)
    assert [len(partial.dims) for partial in state.partials] == list(range(1, len(dims) + 1))
    expected, values = explorer.traversal(explorer.means[0], dims, steps=5)
    assert np.array_equal(np.concatenate(rows.items), expected) and np.allclose(rows.values, values)


def test_a_later_epoch_keeps_the_selection_the_operands_and_the_map_method(vae_window, vae_path, qtbot,
                                                                           monkeypatch):
    from explorer.analysis.projection import project

    fits = []

    def quick_fit(worker, means, method, state):
        fits.append(method)
        return project(means, "pca")

    monkeypatch.setattr(map_panel, "fit_map", quick_fit)
    window, session = vae_window, vae_window.session
    window.map_panel.method.setCurrentText("t-SNE")
    settle(qtbot, window)
    session.select(4)
    interpolation, arithmetic = window.interpolation, window.arithmetic
    session.select(3)
    interpolation.use_selection_as_a()
    session.select(11)
    interpolation.use_selection_as_b()
    for name, index in zip("ABC", (1, 2, 3)):
        arithmetic.set_operand(name, index)
    session.select(4)
    show_tab(qtbot, window, interpolation)

    later = load_checkpoint(vae_path)
    later.preview.means = later.preview.means + 0.01  # as after an epoch: the latents have moved
    window.show_checkpoint(later, None, keep_selection=True)
    settle(qtbot, window)
    assert session.selected == 4 and (interpolation.a, interpolation.b) == (3, 11)
    assert arithmetic.operands == {"A": 1, "B": 2, "C": 3}
    assert window.map_panel.method.currentText() == "t-SNE" and fits == ["tsne", "tsne"]
    assert interpolation.view.count == interpolation.steps.value()
    assert np.array_equal(interpolation.view.items[0], session.explorer.reconstruct([3])[0])

    window.open_checkpoint(vae_path)  # another model of the same items keeps them too (test_switching_models.py)
    settle(qtbot, window)
    assert (interpolation.a, interpolation.b) == (3, 11) and window.map_panel.method.currentText() == "t-SNE"
    assert fits == ["tsne", "tsne"]  # the method chosen stays; this model's map was fitted this session


def test_a_training_runs_snapshot_shows_the_map_it_carries_without_a_refit(vae_window, vae_path, qtbot, monkeypatch,
                                                                          tmp_path):
    from explorer.analysis.preview import set_map
    from explorer.analysis.projection import project
    from explorer.io.checkpoint import save_checkpoint

    fits = []
    monkeypatch.setattr(map_panel, "fit_map", lambda worker, means, method, state: fits.append(method))
    window = vae_window
    assert window.map_panel.chosen_method == "umap"
    snapshot = load_checkpoint(vae_path)
    snapshot.preview.means = snapshot.preview.means + 0.01  # an epoch later, saved with its PCA as a run does
    set_map(snapshot.preview, project(snapshot.preview.means, "pca"))
    path = save_checkpoint(tmp_path / "snapshot.safetensors", snapshot.model, snapshot.meta, snapshot.preview)
    window.open_in_background(str(path), keep_selection=True, snapshot=True)
    qtbot.waitUntil(lambda: not window.loading and window.session.path == str(path))
    settle(qtbot, window)
    assert window.map_panel.method.currentText() == "PCA" and fits == []
    assert "comes with the final save" in window.map_panel.status.text()
    window.open_checkpoint(vae_path)  # the run's final save, with its UMAP map
    settle(qtbot, window)
    assert window.map_panel.method.currentText() == "UMAP" and fits == []
