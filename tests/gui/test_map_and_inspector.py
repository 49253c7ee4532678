"""The latent map and the inspector on a real (tiny) checkpoint: click a point, see that item."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.gui.conftest import settle


def test_opening_shows_the_preview_set_on_the_map(vae_window):
    explorer = vae_window.session.explorer
    scatter = vae_window.map_panel.scatter
    assert len(scatter.points) == len(explorer.labels) > 0
    assert np.allclose(scatter.points, explorer.projection)
    assert "VAE" in vae_window.status_model.text() and "digits" in vae_window.status_dataset.text()


def test_click_a_point_and_the_inspector_shows_that_item(vae_window, qtbot):
    explorer = vae_window.session.explorer
    scatter = vae_window.map_panel.scatter
    target = int(np.argmax(explorer.projection[:, 0]))  # the right-most point has no close neighbour
    scene = scatter.plotItem.vb.mapViewToScene(QPointF(*explorer.projection[target]))
    qtbot.mouseClick(scatter.viewport(), Qt.MouseButton.LeftButton, pos=scatter.mapFromScene(scene))
    assert vae_window.session.selected == target
    settle(qtbot, vae_window)
    inspector = vae_window.inspector
    assert np.array_equal(inspector.input_view.items, explorer.items([target]))
    assert np.array_equal(inspector.recon_view.items, explorer.reconstruct([target]))
    mean, _, kl = explorer.posterior(target)
    assert np.allclose(inspector.bars.mean, mean) and np.allclose(inspector.bars.kl, kl)
    assert f"#{target}" in inspector.title.text()


def test_clicking_a_bar_selects_the_dimension_for_traversal(vae_window, qtbot):
    bars = vae_window.inspector.bars
    with qtbot.waitSignal(vae_window.session.dim_selected) as blocker:
        bars.dim_clicked.emit(2)
    assert blocker.args == [2]
    assert vae_window.traversal.dims.currentItem().text().startswith("z2")
    assert bars.highlighted == 2


def test_group_selection_shows_the_group_items(vae_window):
    explorer = vae_window.session.explorer
    x0, y0 = explorer.projection.min(0)
    x1, y1 = np.median(explorer.projection, axis=0)
    group = vae_window.map_panel.scatter.select_polygon(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    assert len(group) > 0
    view = vae_window.map_panel.group_view
    assert np.array_equal(view.items, explorer.items(group[:64]))
    assert f"{len(group)} items" in vae_window.map_panel.group_label.text()


def test_pca_projection_recomputed_in_a_worker_replaces_the_map(vae_window, qtbot):
    panel = vae_window.map_panel
    with qtbot.waitSignal(vae_window.session.projection_changed, timeout=30_000):
        panel.compute_projection("PCA")
    qtbot.waitUntil(lambda: not panel.busy)
    assert np.allclose(panel.scatter.points, vae_window.session.explorer.projection)
    assert "ready" in panel.status.text()


def test_an_image_file_is_placed_where_its_item_lies_on_the_map(vae_window, prompts, tmp_path, qtbot):
    from explorer.gui.widgets.image_grid import to_qimage

    explorer = vae_window.session.explorer
    path = tmp_path / "item.png"
    assert to_qimage(explorer.items([7])[0]).save(str(path))
    prompts.next_path = str(path)
    vae_window.place_input_dialog()
    settle(qtbot, vae_window)
    point = vae_window.map_panel.scatter._extra_item.data[0]
    point = np.array([point["x"], point["y"]])
    spread = np.ptp(explorer.projection, axis=0)
    assert np.all(np.abs(point - explorer.projection[7]) < 0.05 * spread)
    assert len(vae_window.map_panel.scatter._extra_item.data) == 1
    assert not prompts.errors
    assert "item.png" in vae_window.statusBar().currentMessage()


@pytest.mark.slow
def test_umap_is_computed_in_a_worker_and_swapped_in(vae_window, qtbot):
    panel = vae_window.map_panel
    pca_points = panel.scatter.points.copy()
    with qtbot.waitSignal(vae_window.session.projection_changed, timeout=300_000):
        panel.method.setCurrentText("UMAP")
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.status.text() == "UMAP ready"
    assert panel.scatter.points.shape == pca_points.shape and not np.allclose(panel.scatter.points, pca_points)


def test_a_file_that_is_not_an_image_is_refused_with_a_dialog(vae_window, prompts, tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    prompts.next_path = str(path)
    vae_window.place_input_dialog()
    assert prompts.errors and "notes.png" in prompts.errors[0][1]
