"""A grid of decoded images (uint8 (n, H, W) or (n, H, W, C)) drawn as one picture, scaled to fit."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

PAD_VALUE = 128


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


class ImageGrid(QWidget):
    """Shows images in ``nrows`` x ``ncols`` cells; clicking a cell emits its index."""

    cell_clicked = Signal(int)

    def __init__(self, parent=None, pad: int = 1):
        super().__init__(parent)
        self.pad = pad
        self.images = np.zeros((0, 1, 1), dtype=np.uint8)
        self.ncols = 1
        self._image: QImage | None = None
        self._target = QRect()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(64, 64)

    @property
    def nrows(self) -> int:
        return max(1, math.ceil(len(self.images) / self.ncols)) if len(self.images) else 0

    def set_images(self, images: np.ndarray, ncols: int | None = None) -> None:
        images = np.asarray(images, dtype=np.uint8)
        self.images = images
        self.ncols = max(1, ncols or math.ceil(math.sqrt(max(1, len(images)))))
        self._image = to_qimage(montage(images, self.ncols, self.pad)) if len(images) else None
        self.update()

    def clear(self) -> None:
        self.set_images(np.zeros((0, 1, 1), dtype=np.uint8))

    def sizeHint(self) -> QSize:
        return QSize(320, 240)

    def paintEvent(self, _event) -> None:
        if self._image is None:
            return
        painter = QPainter(self)
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        if scale >= 1:
            scale = math.floor(scale)  # whole-pixel scaling keeps pixels crisp
        w, h = int(self._image.width() * scale), int(self._image.height() * scale)
        self._target = QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(self._target, self._image)
        painter.end()

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
