"""The app's look, from resources/: the window and taskbar icon (icon.svg, with icon.png rendered from it by
``python -m explorer.gui.appearance``) and the stylesheet (style.qss)."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from explorer.resources import resource

ICON_SVG, ICON_PNG, STYLESHEET = resource("icon.svg"), resource("icon.png"), resource("style.qss")
DESKTOP_FILE_NAME = "latent-explorer"  # the .desktop entry (make desktop-entry) the taskbar matches windows to
ICON_SIZE = 256


def app_icon() -> QIcon:
    """The icon at every size: the PNG, and the SVG where Qt's SVG icon engine is installed."""
    icon = QIcon(str(ICON_PNG))
    icon.addFile(str(ICON_SVG))
    return icon


def apply(app: QGuiApplication) -> None:
    """Give ``app`` its icon, stylesheet and desktop entry name."""
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    if hasattr(app, "setStyleSheet"):  # a QApplication (widgets), not a bare QGuiApplication
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))


def render_icon(svg: Path = ICON_SVG, png: Path = ICON_PNG, size: int = ICON_SIZE) -> Path:
    """Render the SVG icon to a square PNG with Qt's own SVG renderer."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG drawing Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png), "PNG"):
        raise OSError(f"could not write {png}")
    return png


if __name__ == "__main__":
    application = QGuiApplication(sys.argv[:1])
    print(render_icon())
