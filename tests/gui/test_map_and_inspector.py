"""The latent map and the inspector on a real (tiny) checkpoint: click a point, see that item."""
import os

import numpy as np
from PySide6.QtCore import QPointF, Qt

from bench.map_launch import mapless_copy
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


def test_a_checkpoint_with_a_map_opens_on_it_labelled_umap(vae_window):
    panel, explorer = vae_window.map_panel, vae_window.session.explorer
    assert panel.method.currentText() == "UMAP" and not panel.busy and panel.progress.isHidden()
    assert np.array_equal(panel.scatter.points, explorer.checkpoint.preview.projection)
    assert panel.status.text().startswith("UMAP · saved with the model")
    assert f"R² {explorer.map_r2:.2f}" in panel.status.text() and panel.keep_button.isHidden()


def test_pca_is_computed_in_the_background_and_the_saved_umap_comes_back_at_once(vae_window, qtbot):
    panel, explorer = vae_window.map_panel, vae_window.session.explorer
    saved = panel.scatter.points.copy()
    with qtbot.waitSignal(vae_window.session.projection_changed, timeout=30_000):
        panel.method.setCurrentText("PCA")
    qtbot.waitUntil(lambda: not panel.busy)
    assert explorer.map_method == "pca" and np.allclose(panel.scatter.points, explorer.projection)
    assert not np.allclose(panel.scatter.points, saved)
    assert panel.status.text() == "PCA · computed here" and panel.keep_button.isHidden()
    pca = explorer.projection.copy()
    panel.method.setCurrentText("UMAP")  # the file's own map: no fit
    assert not panel.busy and np.array_equal(panel.scatter.points, saved)
    assert panel.status.text().startswith("UMAP · saved with the model")
    panel.method.setCurrentText("PCA")  # fitted once this session: shown again at once
    assert not panel.busy and np.array_equal(panel.scatter.points, pca)


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


def test_a_file_saved_without_a_map_gets_its_umap_in_the_worker_and_offers_to_keep_it(window, vae_path, prompts,
                                                                                    qtbot, tmp_path):
    from explorer.io.checkpoint import load_checkpoint

    path = mapless_copy(vae_path, tmp_path / "old.safetensors")
    panel = window.map_panel
    assert window.open_checkpoint(path)
    assert panel.busy and window.session.explorer.map_method == "pca"  # PCA shown until UMAP is ready
    assert "computing UMAP" in panel.status.text() and "PCA shown until it is ready" in panel.status.text()
    with qtbot.waitSignal(window.session.projection_changed, timeout=120_000):
        pass
    qtbot.waitUntil(lambda: not panel.busy)
    explorer = window.session.explorer
    assert explorer.map_method == "umap" and explorer.map_r2 is not None and not explorer.map_in_file
    assert panel.status.text().startswith("UMAP · computed here") and panel.keep_button.isVisible()
    fitted = explorer.projection.copy()
    panel.keep_button.click()
    assert panel.keep_button.isHidden() and not prompts.errors
    reread = load_checkpoint(path).preview
    assert reread.map_info["method"] == "umap" and np.array_equal(reread.projection, fitted)


def test_a_read_only_file_is_not_written_and_the_user_is_told(window, vae_path, prompts, qtbot, tmp_path):
    (tmp_path / "shipped").mkdir()
    path = mapless_copy(vae_path, tmp_path / "shipped" / "model.safetensors")
    os.chmod(path, 0o444)
    before = open(path, "rb").read()
    assert window.open_checkpoint(path)
    qtbot.waitUntil(lambda: not window.map_panel.busy, timeout=120_000)
    window.map_panel.keep_button.click()
    assert prompts.errors and "read-only" in prompts.errors[-1][1] and "Save As" in prompts.errors[-1][1]
    assert open(path, "rb").read() == before and os.listdir(tmp_path / "shipped") == ["model.safetensors"]
    assert window.map_panel.keep_button.isVisible()  # the map is still there to be saved elsewhere
    fitted = window.session.explorer.projection.copy()
    assert window.open_checkpoint(path)  # opened again: the map fitted this session shows at once
    assert not window.map_panel.busy and np.array_equal(window.session.explorer.projection, fitted)


def test_a_file_that_is_not_an_image_is_refused_with_a_dialog(vae_window, prompts, tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    prompts.next_path = str(path)
    vae_window.place_input_dialog()
    assert prompts.errors and "notes.png" in prompts.errors[0][1]


def path_on_map(scatter):
    x, y = scatter._path_item.getData()
    return np.stack([x, y], 1), [end.textItem.toPlainText() for end in scatter.path_ends.values()]


def test_a_traversal_and_an_analogy_are_placed_on_the_map_by_its_head(vae_window, qtbot):
    from tests.gui.conftest import show_tab

    explorer, session, scatter = vae_window.session.explorer, vae_window.session, vae_window.map_panel.scatter
    session.select(5)
    traversal = vae_window.traversal
    show_tab(qtbot, vae_window, traversal)
    points, ends = path_on_map(scatter)
    dim = session.dim
    latents = explorer.traversal_latents(explorer.means[5], dim, traversal.values[0])
    assert len(points) == traversal.steps.value() and np.allclose(points, explorer.project_new(latents), atol=1e-5)
    assert ends == [f"z{dim} −3.0σ", "+3.0σ"]
    arithmetic = vae_window.arithmetic
    for name, index in zip("ABC", (1, 2, 3)):
        arithmetic.set_operand(name, index)
    show_tab(qtbot, vae_window, arithmetic)
    points, ends = path_on_map(scatter)
    result = explorer.analogy_latent(explorer.means[1], explorer.means[2], explorer.means[3])
    assert np.allclose(points, explorer.project_new(np.stack([explorer.means[3], result])), atol=1e-5)
    assert ends == ["C", "A − B + C"]


def test_at_1280x720_the_map_is_the_largest_view(vae_window, qtbot):
    from tests.gui.conftest import show_tab

    vae_window.default_layout((1280, 720))
    show_tab(qtbot, vae_window, vae_window.traversal)
    qtbot.waitUntil(lambda: vae_window.size().height() == 720)
    qtbot.wait(50)
    scatter = vae_window.map_panel.scatter

    def area(widget):  # what shows of it on screen (the tools scroll on a small screen)
        shown = widget.visibleRegion().boundingRect()
        return shown.width() * shown.height()

    assert scatter.height() >= 250 and scatter.width() >= 500
    for other in (vae_window.traversal.view, vae_window.inspector, vae_window.model_panel):
        assert scatter.width() * scatter.height() > area(other), other


def test_the_whole_dataset_on_the_map_selects_inspects_and_is_never_saved(vae_window, prompts, qtbot, tmp_path):
    from explorer.io.checkpoint import load_checkpoint

    panel, session = vae_window.map_panel, vae_window.session
    preview = session.explorer
    with qtbot.waitSignal(panel.explorer_ready, timeout=60_000):
        panel.whole_button.click()
    settle(qtbot, vae_window)
    whole = session.explorer
    assert whole.preview_explorer is preview and len(panel.scatter.points) == len(whole.labels) == 1797
    assert np.array_equal(panel.scatter.points, whole.projection) and panel.whole_button.isChecked()
    assert panel.progress.isHidden() and len(panel.scatter._highlight_item.data) == len(preview.labels)
    assert "the dataset's 1,797 items placed on it by its head" in panel.status.text()
    assert not panel.method.isEnabled() and panel._preview(1500) is not None
    session.select(1500)  # a training item, not in the preview set
    settle(qtbot, vae_window)
    assert np.array_equal(vae_window.inspector.input_view.items, whole.items([1500]))
    prompts.next_path = str(tmp_path / "saved.safetensors")
    vae_window.save_as()
    assert len(load_checkpoint(tmp_path / "saved.safetensors").preview.labels) == len(preview.labels)
    panel.whole_button.click()  # back to the preview set
    settle(qtbot, vae_window)
    assert session.explorer is preview and len(panel.scatter.points) == len(preview.labels)
    assert len(panel.scatter._highlight_item.data) == 0
