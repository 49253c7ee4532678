"""The dimension × factor matrix as a heat map: latent dimensions down (each labelled with the factor it captures
best), factors across, the value in each cell; the traversed dimension outlined. A click on a cell asks for that
dimension (``dimension_clicked``)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsRectItem

NAME_CHARS = 8  # a factor's name above its column, cut to fit (the tooltip has it whole)


class FactorMatrixView(pg.PlotWidget):
    dimension_clicked = Signal(int)
    TIP = ("Each latent dimension against each ground-truth factor, each row labelled with the factor it captures "
           "best; click a cell to traverse its dimension.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getViewBox().invertY(True)
        self.getViewBox().setMenuEnabled(False)
        self.showAxis("top")  # the factors' names above the matrix, where a short panel keeps them in view
        self.hideAxis("bottom")
        self.getAxis("top").setStyle(hideOverlappingLabels=False)  # the first name may reach past the edge
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.outline = QGraphicsRectItem()
        self.outline.setPen(pg.mkPen("r", width=2, cosmetic=True))
        self.outline.setVisible(False)
        self.addItem(self.outline)
        self._texts: list[pg.TextItem] = []
        self.values = np.zeros((0, 0))
        self.setToolTip(self.TIP)
        self.setMinimumSize(160, 160)
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_matrix(self, values: np.ndarray, row_labels: list[str], factor_names: list[str]) -> None:
        """``values`` (D, F) in [0, 1]: row d for dimension d."""
        self.values = np.asarray(values, dtype=np.float64)
        rows, cols = self.values.shape
        self.image.setImage(self.values.astype(np.float32), levels=(0.0, 1.0))
        self.image.setRect(-0.5, -0.5, cols, rows)
        for text in self._texts:
            self.removeItem(text)
        self._texts = []
        for (r, c), value in np.ndenumerate(self.values):
            text = pg.TextItem(f"{value:.2f}", anchor=(0.5, 0.5), color="k" if value > 0.6 else "w")
            text.setPos(c, r)
            self.addItem(text)
            self._texts.append(text)
        self.getAxis("left").setTicks([list(enumerate(row_labels))])
        self.getAxis("top").setTicks([[(c, _short(name)) for c, name in enumerate(factor_names)]])
        self.getViewBox().setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
        self.setToolTip(f"{self.TIP} Factors: {', '.join(factor_names)}.")

    def set_current(self, dim: int | None) -> None:
        """Outline dimension ``dim``'s row (none when it is not in the matrix)."""
        rows, cols = self.values.shape
        inside = dim is not None and 0 <= dim < rows
        self.outline.setVisible(inside)
        if inside:
            self.outline.setRect(QRectF(-0.5, dim - 0.5, cols, 1.0))

    def cell_centre(self, dim: int, factor: int):
        """Where cell (dim, factor) is drawn, in the viewport's coordinates."""
        scene = self.getViewBox().mapViewToScene(pg.Point(factor, dim))
        return self.mapFromScene(scene)

    def _on_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.values.size:
            return
        point = self.getViewBox().mapSceneToView(event.scenePos())
        row, col = int(np.floor(point.y() + 0.5)), int(np.floor(point.x() + 0.5))
        if 0 <= row < self.values.shape[0] and 0 <= col < self.values.shape[1]:
            self.dimension_clicked.emit(row)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[:NAME_CHARS - 1] + "…"
