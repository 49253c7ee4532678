"""The file dialog: a name typed without a suffix gets the chosen filter's suffix."""
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from explorer.gui.dialogs import Prompts, with_filter_suffix

FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


@pytest.mark.parametrize("typed, chosen, expected", [
    ("/tmp/map", "SVG drawing (*.svg)", "/tmp/map.svg"),
    ("/tmp/map", "PNG image (*.png)", "/tmp/map.png"),
    ("/tmp/map.SVG", "PNG image (*.png)", "/tmp/map.SVG"),  # a suffix the filters offer is kept
    ("/tmp/run.v2", "PNG image (*.png)", "/tmp/run.v2.png"),
    ("/tmp/model", "Checkpoints (*.safetensors)", "/tmp/model.safetensors"),
])
def test_suffix_from_the_chosen_filter(typed, chosen, expected):
    filters = FILTERS if "safetensors" not in chosen else chosen
    assert with_filter_suffix(typed, chosen, filters) == expected


def answer_file_dialog(name, filter_name):
    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QFileDialog):
            QTimer.singleShot(20, answer)
            return
        dialog.selectNameFilter(filter_name)
        dialog.selectFile(name)
        dialog.accept()

    QTimer.singleShot(0, answer)


def test_the_real_dialog_completes_a_bare_name(qtbot, tmp_path):
    answer_file_dialog(str(tmp_path / "curves"), "SVG drawing (*.svg)")
    assert Prompts().save_path("Export", str(tmp_path / "x.png"), FILTERS) == str(tmp_path / "curves.svg")


def test_completing_onto_an_existing_file_asks_first(qtbot, tmp_path, monkeypatch):
    (tmp_path / "curves.png").write_bytes(b"old")
    asked = []
    monkeypatch.setattr(Prompts, "confirm", lambda self, title, text: asked.append(text) or False)
    answer_file_dialog(str(tmp_path / "curves"), "PNG image (*.png)")
    assert Prompts().save_path("Export", str(tmp_path / "x.png"), FILTERS) is None
    assert "curves.png already exists" in asked[0]
