"""A picture over a rectangle of a plot's data coordinates, painted at the screen's own pixels: while the view only
pans, the picture is copied as it is (no scaling, no conversion of its pixels a frame); zoomed, it is scaled until
the next picture arrives."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QImage

PICTURE_FORMAT = QImage.Format.Format_ARGB32_Premultiplied  # the format Qt's raster painter blends directly


def picture_of(image: np.ndarray) -> QImage:
    """An RGBA uint8 array (rows, columns, 4) with row 0 at the map's bottom as a QImage with it at the top, with
    its own copy of the pixels (so it may be made in a worker and handed to the GUI thread)."""
    flipped = np.ascontiguousarray(image[::-1])
    rows, cols = flipped.shape[:2]
    return QImage(flipped.data, cols, rows, cols * 4, QImage.Format.Format_RGBA8888).convertToFormat(PICTURE_FORMAT)


class RasterItem(pg.GraphicsObject):
    def __init__(self):
        super().__init__()
        self.picture = QImage()
        self._rect = QRectF()

    def set_picture(self, picture: QImage, rect: QRectF) -> None:
        """Show ``picture`` over ``rect`` (data coordinates)."""
        self.prepareGeometryChange()
        self.picture, self._rect = picture, QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter, option, widget=None) -> None:
        if self.picture.isNull():
            return
        target = painter.transform().mapRect(self._rect)  # in device pixels, top-left at the map's (x0, y1)
        painter.save()
        painter.resetTransform()
        if abs(target.width() - self.picture.width()) < 1 and abs(target.height() - self.picture.height()) < 1:
            painter.drawImage(QPointF(round(target.left()), round(target.top())), self.picture)
        else:
            painter.drawImage(target, self.picture)
        painter.restore()
