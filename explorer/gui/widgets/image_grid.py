"""A grid of decoded images (uint8 (n, H, W) or (n, H, W, C)) drawn as one picture, scaled to fit, with optional
row labels on its left, column labels above it and a tooltip per cell. A grid of many rows (every dimension's
traversal) would fit only as cells too small to see: it asks for the height of readable cells as wide as its view
allows, and scrolls (height_for)."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

PAD_VALUE = 128
LABEL_GAP = 4  # pixels between a label and the images
LEAST_CELL_PX = 28  # a cell lower than this, and its row's label, are hard to read: the grid scrolls instead
SHOWN_ROWS = 3  # a grid that scrolls keeps at least this many rows in view
LEAST_GRID_PX = 64


def montage(images: np.ndarray, ncols: int, pad: int = 1) -> np.ndarray:
    """Tile ``images`` row-major into one uint8 array with ``pad`` grey pixels between cells."""
    images = np.asarray(images, dtype=np.uint8)
    n, h, w = images.shape[:3]
    nrows = max(1, math.ceil(n / ncols))
    out = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad) + images.shape[3:], PAD_VALUE, np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        out[y:y + h, x:x + w] = image
    return out


def to_qimage(array: np.ndarray) -> QImage:
    """A deep-copied QImage of a uint8 (H, W) grey or (H, W, 3) RGB array."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = array.shape[:2]
    if array.ndim == 2:
        return QImage(array.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def thumbnail(image: np.ndarray, size: int = 96) -> QPixmap:
    """One image as a pixmap about ``size`` pixels tall, scaled without smoothing."""
    pixmap = QPixmap.fromImage(to_qimage(image))
    return pixmap.scaledToHeight(size, Qt.TransformationMode.FastTransformation)


def captioned_thumbnail(image: np.ndarray, caption: str, palette: QPalette, size: int = 96) -> QPixmap:
    """A thumbnail with ``caption`` written under it (as a hovered sentence shows its index and label)."""
    picture = thumbnail(image, size)
    metrics = QFontMetrics(QFont())
    width = max(picture.width(), metrics.horizontalAdvance(caption) + 2 * LABEL_GAP)
    height = picture.height() + metrics.height() + LABEL_GAP
    captioned = QPixmap(width, height)
    captioned.fill(palette.color(QPalette.ColorRole.ToolTipBase))
    painter = QPainter(captioned)
    painter.drawPixmap((width - picture.width()) // 2, 0, picture)
    painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
    painter.drawText(QRect(0, picture.height(), width, height - picture.height()), Qt.AlignmentFlag.AlignCenter,
                     caption)
    painter.end()
    return captioned


class ImageGrid(QWidget):
    """Shows images in ``nrows`` x ``ncols`` cells; clicking a cell emits its index."""

    cell_clicked = Signal(int)

    def __init__(self, parent=None, pad: int = 1):
        super().__init__(parent)
        self.pad = pad
        self.images = np.zeros((0, 1, 1), dtype=np.uint8)
        self.ncols = 1
        self.row_labels: list[str] = []
        self.col_labels: list[str] = []
        self.tips: list[str] = []
        self._image: QImage | None = None
        self._target = QRect()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(LEAST_GRID_PX, LEAST_GRID_PX)

    @property
    def nrows(self) -> int:
        return max(1, math.ceil(len(self.images) / self.ncols)) if len(self.images) else 0

    def set_images(self, images: np.ndarray, ncols: int | None = None, row_labels: list[str] | None = None,
                   col_labels: list[str] | None = None, tips: list[str] | None = None) -> None:
        """Show ``images``; ``row_labels`` / ``col_labels`` are drawn beside the rows and above the columns,
        ``tips[i]`` is the tooltip of cell i."""
        images = np.asarray(images, dtype=np.uint8)
        self.images = images
        self.ncols = max(1, ncols or math.ceil(math.sqrt(max(1, len(images)))))
        self.row_labels, self.col_labels, self.tips = list(row_labels or []), list(col_labels or []), list(tips or [])
        self._image = to_qimage(montage(images, self.ncols, self.pad)) if len(images) else None
        self.update()

    def clear(self) -> None:
        self.set_images(np.zeros((0, 1, 1), dtype=np.uint8))

    def sizeHint(self) -> QSize:
        return QSize(320, 240)

    def _margins(self, metrics: QFontMetrics) -> tuple[int, int]:
        """The room the row labels take on the left and the column labels above."""
        left = max((metrics.horizontalAdvance(text) for text in self.row_labels), default=0)
        left += LABEL_GAP if self.row_labels else 0
        return left, (metrics.height() + LABEL_GAP if self.col_labels else 0)

    def height_for(self, width: int, view_height: int) -> int:
        """The height the grid takes in a view ``width`` x ``view_height``: the view's, when the grid fits it with
        cells of at least LEAST_CELL_PX; else rows of cells that fill the width (no taller than SHOWN_ROWS to the
        view), to scroll through."""
        if self._image is None:
            return view_height
        left, top = self._margins(self.fontMetrics())
        rows = max(1, self.nrows)
        cell_h = self._image.height() / rows
        fit = min(max(1, width - left) / self._image.width(), max(1, view_height - top) / self._image.height())
        if fit * cell_h >= LEAST_CELL_PX:
            return view_height
        scale = max(LEAST_CELL_PX / cell_h, min(max(1, width - left) / self._image.width(),
                                                  view_height / SHOWN_ROWS / cell_h))
        scale = math.floor(scale) if scale >= 1 else scale  # as paintEvent draws it: whole pixels
        return max(view_height, top + math.ceil(scale * self._image.height()))

    def paintEvent(self, _event) -> None:
        if self._image is None:
            return
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        left, top = self._margins(metrics)
        width, height = max(1, self.width() - left), max(1, self.height() - top)
        scale = min(width / self._image.width(), height / self._image.height())
        if scale >= 1:
            scale = math.floor(scale)  # whole-pixel scaling keeps pixels crisp
        w, h = int(self._image.width() * scale), int(self._image.height() * scale)
        x, y = left + (width - w) // 2, top + (height - h) // 2
        self._target = QRect(x, y, w, h)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self._target, self._image)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        cell_w, cell_h = w / self.ncols, h / max(1, self.nrows)
        every = max(1, math.ceil(metrics.height() / max(cell_h, 1e-6)))  # rows lower than a line: every k-th
        for row, text in enumerate(self.row_labels[:self.nrows]):
            if row % every:
                continue
            middle = y + (row + 0.5) * cell_h  # a line of text centred on its row, however low the row
            painter.drawText(QRect(0, int(middle - metrics.height() / 2), x - LABEL_GAP, metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        widest = max((metrics.horizontalAdvance(text) for text in self.col_labels), default=0)
        every = max(1, math.ceil((widest + LABEL_GAP) / max(cell_w, 1e-6)))  # narrow columns: every k-th label
        for col, text in enumerate(self.col_labels[:self.ncols]):
            if col % every:
                continue
            middle, width = x + (col + 0.5) * cell_w, every * cell_w
            painter.drawText(QRect(int(middle - width / 2), y - top, int(width), top - LABEL_GAP // 2),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text)
        painter.end()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            index = self.index_at(event.pos().x(), event.pos().y())
            if 0 <= index < len(self.tips):
                QToolTip.showText(event.globalPos(), self.tips[index], self)
                return True
        return super().event(event)

    def mousePressEvent(self, event) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if index >= 0:
            self.cell_clicked.emit(index)
        super().mousePressEvent(event)

    def index_at(self, x: float, y: float) -> int:
        """The image index under widget position (x, y), else -1."""
        if self._image is None or self._target.isEmpty() or not self._target.contains(int(x), int(y)):
            return -1
        col = int((x - self._target.x()) / self._target.width() * self.ncols)
        row = int((y - self._target.y()) / self._target.height() * self.nrows)
        index = row * self.ncols + col
        return index if index < len(self.images) else -1
