"""One way every view saves itself: PNG from a grab of the widget (fast at any point count), SVG by rendering
the widget through QSvgGenerator (pyqtgraph's SVGExporter cannot parse the paths this Qt writes)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from explorer.errors import ConfigError

IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


def export_widget(widget: QWidget, path: str | Path) -> Path:
    """Write ``widget`` to ``path`` (.png or .svg, by suffix); raises ConfigError when it cannot be written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        _write_svg(widget, path)
    elif suffix == ".png":
        if not widget.grab().save(str(path), "PNG"):
            raise ConfigError(f"{path}: could not write the PNG (is the folder writable?)")
    else:
        raise ConfigError(f"{path}: expected a .png or .svg file name")
    return path


def _write_svg(widget: QWidget, path: Path) -> None:
    if not path.parent.is_dir():
        raise ConfigError(f"{path}: the folder does not exist")
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(path.stem)
    painter = QPainter()
    if not painter.begin(generator):
        raise ConfigError(f"{path}: could not write the SVG (is the folder writable?)")
    QWidget.render(widget, painter, QPoint())  # the widget as shown, children included
    painter.end()
