"""Colours shared by the views: one brush and pen per class, the plot background from the system palette."""
from __future__ import annotations

import zlib
from functools import lru_cache

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Ten well-separated colours (matplotlib's tab10), then golden-angle hues for more classes.
_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf"]
INACTIVE = QColor(150, 150, 150)
ACCENT = QColor(255, 200, 0)  # the selected group
PATH = QColor(230, 0, 230)  # an interpolation path and its ends A and B: no class colour, not the group's


def configure_pyqtgraph() -> None:
    """Global pyqtgraph options, set once before any plot exists (row-major images as numpy arrays are)."""
    palette = QApplication.palette()
    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False,
                        background=palette.color(QPalette.ColorRole.Base),
                        foreground=palette.color(QPalette.ColorRole.Text))


def class_color(index: int) -> QColor:
    if index < len(_TAB10):
        return QColor(_TAB10[index])
    return QColor.fromHsvF(((index - len(_TAB10)) * 0.618034) % 1.0, 0.65, 0.9)


def series_color(name: str, taken=()) -> QColor:
    """The colour of a named curve, the same in every plot and every run (a hash of the name picks it from the
    ten, not the order series appear in); the next free one when another curve of the plot has it."""
    start = zlib.crc32(name.encode("utf-8")) % len(_TAB10)
    taken = {QColor(color).name() for color in taken}
    for step in range(len(_TAB10)):
        color = QColor(_TAB10[(start + step) % len(_TAB10)])
        if color.name() not in taken:
            return color
    return QColor(_TAB10[start])


@lru_cache(maxsize=256)
def class_brush(index: int):
    """The one shared brush for a class (never one brush per point)."""
    return pg.mkBrush(class_color(index))


@lru_cache(maxsize=1024)
def ordered_brush(index: int, count: int):
    """The shared brush for step ``index`` of ``count`` ordered values (a factor's scale or position): viridis,
    from its dark end to its light one."""
    return pg.mkBrush(pg.colormap.get("viridis").map(index / max(1, count - 1), mode="qcolor"))


def is_dark() -> bool:
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
