"""How a categorical latent matches the labels: the classes down, the categories across (ordered by the class each
was matched to, so agreement lies on the diagonal), item counts in the cells."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from explorer.analysis.matching import matched_order
from explorer.io.display import printable

NAME_CHARS = 12


class ConfusionMatrix(pg.PlotWidget):
    TIP = ("Items of each class (rows) by the category their code puts them in (columns), categories ordered by the "
           "class they were matched to: the diagonal holds the agreement.")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip(self.TIP)
        self.setMouseEnabled(x=False, y=False)
        self.getViewBox().invertY(True)
        self.setLabel("left", "label")
        self.setLabel("bottom", "category (matched)")
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self._texts: list[pg.TextItem] = []
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.setMinimumSize(120, 200)

    def set_confusion(self, confusion, assignment: list[int], class_names: list[str], title: str,
                      where: str = "") -> None:
        """``where``: what the counts were measured on (in the tooltip)."""
        order = matched_order(assignment)
        counts = np.asarray(confusion, dtype=np.int64)[:, order]
        self.counts = counts
        rows, cols = counts.shape
        self.setToolTip(f"{self.TIP} Measured on {where}." if where else self.TIP)
        self.image.setImage(counts.astype(np.float32), levels=(0.0, max(1.0, float(counts.max()))))
        self.image.setRect(-0.5, -0.5, cols, rows)
        for text in self._texts:
            self.removeItem(text)
        self._texts = []
        for (r, c), count in np.ndenumerate(counts):
            if count:
                text = pg.TextItem(str(count), anchor=(0.5, 0.5),
                                   color="k" if count > 0.6 * counts.max() else "w")
                text.setPos(c, r)
                self.addItem(text)
                self._texts.append(text)
        names = [printable(class_names[r], NAME_CHARS) if r < len(class_names) else str(r) for r in range(rows)]
        self.getAxis("left").setTicks([list(enumerate(names))])
        self.getAxis("bottom").setTicks([[(c, str(k)) for c, k in enumerate(order)]])
        self.setTitle(title)
        self.getViewBox().setRange(xRange=(-0.5, cols - 0.5), yRange=(-0.5, rows - 0.5), padding=0)
