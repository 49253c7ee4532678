"""An embeddings file in the window: its points on the map (the file's own x, y), hovered, selected, coloured by
label and exported again, while every decoding panel and the inspector say there is no decoder; a model opened
after it decodes as usual."""
import numpy as np
import pytest

pq = pytest.importorskip("pyarrow.parquet")

from explorer.analysis.explore import ModelExplorer  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.importers.opening import imported_checkpoint  # noqa: E402
from explorer.io.map_export import save_map  # noqa: E402
from explorer.io.map_meta import FILE_MAP  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402
from tests.gui.conftest import settle, show_tab  # noqa: E402


@pytest.fixture(scope="module")
def exported():
    return ModelExplorer(imported_checkpoint(tiny_model().eval(), load_dataset("digits"), "tiny VAE"))


def test_an_atlas_table_shows_its_map_and_no_decoder(window, prompts, qtbot, tmp_path, exported):
    path = save_map("atlas", tmp_path / "atlas.parquet", exported)
    prompts.next_path = str(path)
    window.open_dialog()
    qtbot.waitUntil(lambda: window.session.has_points, timeout=20_000)
    settle(qtbot, window)
    assert not prompts.errors and not window.session.has_model
    panel = window.map_panel
    assert panel.chosen_method == FILE_MAP and not panel.projection_task.busy
    assert np.array_equal(panel.scatter.points, exported.projection)
    assert "The file's (x, y) · in the file" in panel.status.text() and not panel.keep_button.isVisible()
    assert panel._preview(3) is not None  # hovering a point shows its thumbnail and class
    window.session.select(3)
    assert window.session.selected == 3 and window.session.describe_item(3).startswith("#3 · ")
    assert "embeddings" in window.model_panel.summary.text() and "no decoder" in window.model_panel.summary.text()
    for tool in (window.traversal, window.manifold, window.interpolation, window.samples, window.arithmetic):
        show_tab(qtbot, window, tool)
        assert tool.no_decoder.isVisible() and "no model to decode" in tool.no_decoder.text()
    assert window.inspector.no_decoder.isVisible()
    assert not window.save_action.isEnabled() and not window.place_action.isEnabled()
    enabled = {action.text() for action in window.exports.actions if action.isEnabled()}
    assert "Map for Embedding Atlas (Parquet)…" in enabled and "Traversal grid…" not in enabled
    prompts.next_path = str(tmp_path / "again.parquet")
    window.exports.atlas()
    table = pq.read_table(tmp_path / "again.parquet").to_pydict()
    assert table["label"] == exported.labels.tolist() and np.allclose(table["x"], exported.projection[:, 0])

    window.tabs.setCurrentWidget(window.traversal)
    window.show_checkpoint(exported.checkpoint, None)  # a model after it: the panels decode again
    qtbot.waitUntil(lambda: window.traversal.view.count > 0, timeout=20_000)
    window.map_panel.projection_task.cancel()  # its UMAP map is fitted in the background; not waited for here
    assert not window.traversal.no_decoder.isVisible() and not window.inspector.no_decoder.isVisible()
    assert window.save_action.isEnabled() and not prompts.errors


def test_dropped_vectors_get_a_map_and_a_bad_file_one_message(window, prompts, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    vectors = np.random.default_rng(0).normal(size=(50, 5)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(tmp_path / "vectors.npy"))])
    window.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))
    assert window.session.has_points and window.session.explorer.map_method == "pca"
    assert window.map_panel.scatter.points.shape == (50, 2) and not window.map_panel.show_prior.isVisible()
    window.map_panel.projection_task.cancel()  # its UMAP is fitted in the background; not waited for here
    vectors[7, 2] = np.nan
    np.save(tmp_path / "bad.npy", vectors)
    assert not window.open_checkpoint(str(tmp_path / "bad.npy"))
    assert prompts.errors[-1][1].endswith("vector 7 (counting from 0) holds NaN or infinite values; 1 rows do")
    assert window.session.explorer.means.shape == (50, 5)  # what was open stays
