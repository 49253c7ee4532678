"""Starting the app: what it opens, and --screenshot."""
from pathlib import Path

from PySide6.QtGui import QImage

from explorer.gui import app, settings


def test_screenshot_opens_the_checkpoint_and_saves_the_window(vae_path, tmp_path):
    out = tmp_path / "shot.png"
    assert app.run(vae_path, screenshot=str(out)) == 0
    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 800
    assert settings.last_checkpoint() == str(Path(vae_path).resolve())


def test_screenshot_of_a_corrupt_checkpoint_fails_with_status_2(tmp_path, capsys):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"garbage")
    assert app.run(str(broken), screenshot=str(tmp_path / "shot.png")) == 2
    assert "broken.safetensors" in capsys.readouterr().err


def test_without_an_argument_the_last_used_checkpoint_is_opened(vae_path):
    settings.add_recent_file(vae_path)
    assert app.checkpoint_to_open(None) == vae_path
    assert app.checkpoint_to_open("given.safetensors") == "given.safetensors"


def test_a_vanished_last_checkpoint_falls_back_to_the_shipped_ones(tmp_path):
    settings.add_recent_file(str(tmp_path / "gone.safetensors"))
    assert app.checkpoint_to_open(None) == app.shipped_checkpoint()


def test_window_layout_is_remembered(qtbot):
    from explorer.gui.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(900, 700)
    first.inspector_dock.hide()
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.restore_layout()
    assert second.inspector_dock.isHidden()
