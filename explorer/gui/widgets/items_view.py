"""Shows whatever a model decodes: an image grid for image models (scrolling when its rows would be too small to
see in the room it has), a sentence list for text models."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QStackedWidget

from explorer.gui.widgets.image_grid import LEAST_GRID_PX, ImageGrid
from explorer.gui.widgets.scrolling import vertical_scroll
from explorer.gui.widgets.sentence_list import SentenceList


class ItemsView(QStackedWidget):
    """``set_items(items, ncols)`` takes uint8 images (n, H, W[, C]) or a list of sentences."""

    item_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = ImageGrid()
        self.grid_area = vertical_scroll(self.grid)
        self.grid_area.installEventFilter(self)
        self.sentences = SentenceList()
        self.addWidget(self.grid_area)
        self.addWidget(self.sentences)
        self.items = None
        self.row_labels: list[str] = []
        self.col_labels: list[str] = []
        self.grid.cell_clicked.connect(self.item_clicked)
        self.sentences.currentRowChanged.connect(self.item_clicked)

    def set_items(self, items, ncols: int | None = None, prefixes: list[str] | None = None,
                  row_labels: list[str] | None = None, col_labels: list[str] | None = None,
                  tips: list[str] | None = None) -> None:
        """Row and column labels go beside an image grid (and into its export); ``tips`` are per-item tooltips."""
        self.items = items
        self.row_labels, self.col_labels = list(row_labels or []), list(col_labels or [])
        if isinstance(items, np.ndarray):
            self.grid.set_images(items, ncols, row_labels, col_labels, tips)
            self.setCurrentWidget(self.grid_area)
            self._fit_grid()
        else:
            self.sentences.set_sentences(list(items), prefixes, tips)
            self.setCurrentWidget(self.sentences)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.grid_area and event.type() == QEvent.Type.Resize:
            self._fit_grid()
        return super().eventFilter(watched, event)

    def _fit_grid(self) -> None:
        """Give the grid the height it asks for in the area's room, decided at the width left beside a scroll
        bar once it scrolls (so that the bar's coming never undoes the choice)."""
        area = self.grid_area
        width, height = area.width() - 2 * area.frameWidth(), area.height() - 2 * area.frameWidth()
        needed = self.grid.height_for(width, height)
        if needed > height:
            needed = self.grid.height_for(width - area.verticalScrollBar().sizeHint().width(), height)
        self.grid.setMinimumHeight(needed if needed > height else LEAST_GRID_PX)

    def clear(self) -> None:
        self.items = None
        self.row_labels, self.col_labels = [], []
        self.grid.clear()
        self._fit_grid()
        self.sentences.set_sentences([])

    @property
    def count(self) -> int:
        return 0 if self.items is None else len(self.items)

    def is_images(self) -> bool:
        return isinstance(self.items, np.ndarray)
