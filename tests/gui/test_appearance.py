"""resources/: the icon, the stylesheet and the desktop entry are found at run time and tracked by git, so a fresh
clone has them."""
import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from explorer.gui import appearance
from explorer.resources import RESOURCES, ROOT

SHIPPED = ("icon.svg", "icon.png", "style.qss", "latent-explorer.desktop.in")


def pixels(path):
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4).astype(int)


def test_the_icon_png_is_the_svg_rendered(tmp_path):
    assert QSvgRenderer(str(appearance.ICON_SVG)).isValid()
    rendered = pixels(appearance.render_icon(png=tmp_path / "icon.png"))
    shipped = pixels(appearance.ICON_PNG)
    assert shipped.shape == rendered.shape == (appearance.ICON_SIZE, appearance.ICON_SIZE, 4)
    assert np.abs(shipped - rendered).mean() < 1.0  # antialiasing may differ a little between Qt versions


def test_the_app_gets_its_icon_and_stylesheet(qapp, window):
    before = qapp.styleSheet(), qapp.windowIcon()
    try:
        appearance.apply(qapp)
        assert 'QLabel[role="note"]' in qapp.styleSheet()
        assert not window.windowIcon().isNull()
        assert qapp.desktopFileName() == "latent-explorer"
    finally:
        qapp.setStyleSheet(before[0])
        qapp.setWindowIcon(before[1])


def test_the_desktop_entry_names_the_program_and_icon():
    text = (RESOURCES / "latent-explorer.desktop.in").read_text()
    assert 'Exec="@EXEC@" %f' in text and "Icon=@ICON@" in text
    assert "StartupWMClass=Latent Explorer" in text  # the class Qt gives windows of an app of that name


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_resources_are_tracked_so_a_fresh_clone_has_them():
    listed = subprocess.run(["git", "ls-files", "resources"], cwd=ROOT, capture_output=True, text=True).stdout
    for name in SHIPPED:
        assert f"resources/{name}" in listed.split(), f"resources/{name} is not committed"
