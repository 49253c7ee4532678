"""The map as a picture file at any size: the picture the map shows (the density image of every point with the
density-aware sample drawn on it), made by the core at the file's own pixels rather than grabbed from the screen,
beside the map's legend; PNG, or SVG with the picture embedded and the legend as text. Made in the map's worker
and written atomically."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

from explorer.analysis.mapview.density import Bounds
from explorer.analysis.mapview.layers import PreparedMap, view_layers
from explorer.atomic import atomic_path, check_output_path
from explorer.errors import ConfigError
from explorer.gui.widgets.raster_item import PICTURE_FORMAT, picture_of
from explorer.limits import MAX_MAP_PICTURE_SIDE, MIN_MAP_PICTURE_SIDE, check_range

PAD, SWATCH = 12, 12  # pixels around and in the legend's rows


@dataclass(frozen=True)
class MapPicture:
    """What a picture of the map is made from: the prepared points, the view to show, the colour of each colour id
    and the legend's rows (plain-text names, colours), on the plot's background in its foreground."""

    prepared: PreparedMap
    view: Bounds
    palette: np.ndarray
    legend: tuple[tuple[str, QColor], ...]
    background: QColor
    foreground: QColor


def fitted(view: Bounds, shape: tuple[int, int]) -> Bounds:
    """``view`` widened along one axis to the aspect of ``shape`` (rows, columns), so nothing is stretched."""
    per_px = max(view.width / shape[1], view.height / shape[0])
    cx, cy = (view.x0 + view.x1) / 2, (view.y0 + view.y1) / 2
    half_w, half_h = per_px * shape[1] / 2, per_px * shape[0] / 2
    return Bounds(cx - half_w, cx + half_w, cy - half_h, cy + half_h)


def check_picture_path(path) -> Path:
    """``path`` when it names a .png or .svg file that can be written; else ConfigError or WriteError naming it."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ConfigError(f"{path}: expected a .png or .svg file name")
    check_output_path(path, "map picture")
    return path


def write_map_picture(picture: MapPicture, path, size: tuple[int, int], state=None) -> Path:
    """Write the map at ``size`` (width, height) pixels to ``path`` (.png or .svg); the path written."""
    path = check_picture_path(path)
    width, height = (int(check_range(f"map picture {name}", side, MIN_MAP_PICTURE_SIDE,
                                       MAX_MAP_PICTURE_SIDE, integer=True))
                     for name, side in zip(("width", "height"), size))
    font = QFont()
    legend_width = legend_width_of(picture, width, font)
    shape = (height, width - legend_width)
    layers = view_layers(picture.prepared.data, fitted(picture.view, shape), shape, picture.palette, margin=0)
    if state is not None:
        state.check()
    image = picture_of(layers.image)
    with atomic_path(path, "map picture") as temp:
        if path.suffix.lower() == ".png":
            canvas = QImage(width, height, PICTURE_FORMAT)
            _paint(canvas, picture, image, font, legend_width)
            if not canvas.save(str(temp), "PNG"):
                raise ConfigError(f"{path}: could not write the PNG")
        else:
            generator = QSvgGenerator()
            generator.setFileName(str(temp))
            generator.setSize(QSize(width, height))
            generator.setViewBox(QRect(0, 0, width, height))
            generator.setTitle(path.stem)
            _paint(generator, picture, image, font, legend_width)
    return path


def legend_width_of(picture: MapPicture, width: int, font: QFont) -> int:
    """The legend's column at the right of a picture ``width`` pixels wide (at most a third of it)."""
    if not picture.legend:
        return 0
    metrics = QFontMetrics(font)
    return min(width // 3, max(metrics.horizontalAdvance(name) for name, _ in picture.legend) + SWATCH + 3 * PAD)


def _paint(device, picture: MapPicture, image: QImage, font: QFont, legend_width: int) -> None:
    painter = QPainter()
    if not painter.begin(device):
        raise ConfigError("could not paint the map picture")
    try:
        width, height = device.width(), device.height()
        painter.fillRect(QRect(0, 0, width, height), picture.background)
        painter.drawImage(QPoint(0, 0), image)
        painter.setFont(font)
        row = QFontMetrics(font).height() + 4
        x = width - legend_width + PAD
        for k, (name, colour) in enumerate(picture.legend):
            y = PAD + k * row
            painter.fillRect(QRectF(x, y + (row - SWATCH) / 2, SWATCH, SWATCH), colour)
            painter.setPen(picture.foreground)
            text = QRectF(x + SWATCH + PAD, y, legend_width - SWATCH - 3 * PAD, row)
            painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             QFontMetrics(font).elidedText(name, Qt.TextElideMode.ElideRight, int(text.width())))
    finally:
        painter.end()
