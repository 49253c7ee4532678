"""Opening, saving, recent files, drag-and-drop, a corrupt file, and every export."""
import csv

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from explorer.gui import settings
from tests.gui.conftest import settle, show_tab


def test_corrupt_file_shows_a_dialog_and_keeps_the_open_model(vae_window, prompts, tmp_path):
    before = vae_window.session.explorer
    corrupt = tmp_path / "broken.safetensors"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    assert not vae_window.open_checkpoint(str(corrupt))
    assert len(prompts.errors) == 1
    title, text = prompts.errors[0]
    assert str(corrupt) in text and len(text) > len(str(corrupt)) + 5
    assert vae_window.session.explorer is before and vae_window.isVisible()
    assert len(vae_window.map_panel.scatter.points) == len(before.labels)


def test_missing_file_shows_a_dialog(window, prompts, tmp_path):
    assert not window.open_checkpoint(str(tmp_path / "nowhere.safetensors"))
    assert "nowhere.safetensors" in prompts.errors[0][1]
    assert not window.session.has_model


def test_save_as_then_reopen_keeps_model_and_history(vae_window, prompts, tmp_path):
    explorer = vae_window.session.explorer
    prompts.next_path = str(tmp_path / "copy.safetensors")
    vae_window.save_as()
    assert not prompts.errors
    assert vae_window.session.path.endswith("copy.safetensors")
    assert settings.recent_files()[0].endswith("copy.safetensors")
    assert vae_window.open_checkpoint(prompts.next_path)
    reopened = vae_window.session.explorer
    assert np.array_equal(reopened.reconstruct([0, 1]), explorer.reconstruct([0, 1]))
    assert reopened.checkpoint.history == explorer.checkpoint.history
    assert vae_window.training.curves.elbo_plot.points("test −ELBO") == len(explorer.checkpoint.history)


def test_save_into_a_missing_folder_shows_a_dialog(vae_window, prompts, tmp_path):
    prompts.next_path = str(tmp_path / "no" / "such" / "folder" / "x.safetensors")
    vae_window.save_as()
    assert prompts.errors and "x.safetensors" in prompts.errors[0][1]


def test_drop_a_checkpoint_opens_it(window, vae_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(vae_path)])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.session.path == vae_path


def test_recent_menu_lists_opened_files(vae_window, vae_path):
    vae_window._fill_recent_menu()
    assert [a.data() for a in vae_window.recent_menu.actions()][0].endswith("vae.safetensors")


def readable_png(path):
    image = QImage(str(path))
    return not image.isNull() and image.width() > 0


@pytest.mark.parametrize("name, export, check", [
    ("map.png", "map", readable_png),
    ("map.svg", "map", lambda p: "<svg" in p.read_text()),
    ("curves.png", "curves", readable_png),
    ("posterior.svg", "posterior", lambda p: "<svg" in p.read_text()),
    ("traversal.png", "traversal", readable_png),
    ("samples.png", "samples", readable_png),
    ("history.csv", "history", lambda p: len(list(csv.reader(p.open()))) == 2),
    ("latents.csv", "latents", lambda p: len(list(csv.reader(p.open()))) > 100),
    ("latents.npz", "latents", lambda p: len(np.load(p)["labels"]) > 100),
])
def test_each_export_writes_a_readable_file(vae_window, prompts, tmp_path, name, export, check, qtbot):
    show_tab(qtbot, vae_window, vae_window.samples)  # the tab whose decodes are exported is the one shown
    show_tab(qtbot, vae_window, vae_window.traversal)
    prompts.next_path = str(tmp_path / name)
    getattr(vae_window.exports, export)()
    path = tmp_path / name
    qtbot.waitUntil(lambda: f"Wrote {path}" in vae_window.statusBar().currentMessage())  # the map: in a worker
    assert not prompts.errors
    assert path.exists() and check(path)


def test_interpolation_export_has_one_cell_per_step(vae_window, prompts, tmp_path, qtbot):
    session, panel = vae_window.session, vae_window.interpolation
    show_tab(qtbot, vae_window, panel)
    session.select(0)
    panel.use_selection_as_a()
    session.select(1)
    panel.use_selection_as_b()
    settle(qtbot, vae_window)
    prompts.next_path = str(tmp_path / "strip.png")
    vae_window.exports.interpolation()
    image = QImage(prompts.next_path)
    cell = vae_window.session.explorer.items([0]).shape[1]
    height = cell * vae_window.exports.grid_scale(cell)
    assert image.width() > panel.steps.value() * height > image.height()


def test_export_into_a_read_only_place_says_why(vae_window, prompts, tmp_path):
    prompts.next_path = str(tmp_path / "missing-folder" / "map.svg")
    vae_window.exports.map()
    assert prompts.errors and "map.svg" in prompts.errors[0][1]
    QApplication.processEvents()
