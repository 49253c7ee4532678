"""Per-dimension KL over epochs as a heat map: epochs along x, latent dimensions along y."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class KLHeatmap(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent, title="KL per dimension (nats)")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "latent dimension")
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.addItem(self.image)
        self.values = np.zeros((0, 0), dtype=np.float32)
        self.setMinimumHeight(120)

    def set_values(self, kl_by_epoch: np.ndarray) -> None:
        """``kl_by_epoch`` (epochs, D): row e is the per-dimension KL after epoch e + 1."""
        values = np.asarray(kl_by_epoch, dtype=np.float32)
        self.values = values
        if values.size == 0:
            self.image.clear()
            return
        # Row-major image: rows are y (dimensions), columns are x (epochs), epoch 1 centred on x = 1.
        self.image.setImage(values.T, levels=(0.0, max(float(values.max()), 1e-6)))
        self.image.setRect(0.5, -0.5, values.shape[0], values.shape[1])
        self.autoRange()
