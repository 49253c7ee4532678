"""Per-dimension KL over epochs as a heat map: epochs along x, latent dimensions along y, coloured by log₁₀ of the
KL with a colour bar. A linear scale is set by the largest value: a sentence VAE's pre-training epochs (no KL
pressure, tens of nats a dimension) would leave every later epoch one colour."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

FLOOR_NATS = 1e-3  # the bottom of the scale: a dimension below it carries nothing worth telling apart


def log_kl(kl_by_epoch: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """log₁₀ of the KL (floored at FLOOR_NATS) and the levels to colour it by, spanning at least one decade."""
    logs = np.log10(np.maximum(np.nan_to_num(kl_by_epoch, nan=0.0), FLOOR_NATS)).astype(np.float32)
    low, high = float(logs.min()), float(logs.max())
    return logs, (min(low, high - 1.0), high)


class KLHeatmap(pg.PlotWidget):
    def __init__(self, parent=None):
        super().__init__(parent, title="KL per dimension (log₁₀ nats)")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "latent dimension")
        self.image = pg.ImageItem()
        self.addItem(self.image)
        self.bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=12)
        self.bar.setImageItem(self.image, insert_in=self.plotItem)
        self.values = np.zeros((0, 0), dtype=np.float32)
        self.setMinimumHeight(120)

    def set_values(self, kl_by_epoch: np.ndarray) -> None:
        """``kl_by_epoch`` (epochs, D): row e is the per-dimension KL after epoch e + 1."""
        values = np.asarray(kl_by_epoch, dtype=np.float32)
        self.values = values
        if values.size == 0:
            self.image.clear()
            return
        logs, levels = log_kl(values)
        # Row-major image: rows are y (dimensions), columns are x (epochs), epoch 1 centred on x = 1.
        self.image.setImage(logs.T)
        self.bar.setLevels(levels)
        self.image.setRect(0.5, -0.5, values.shape[0], values.shape[1])
        self.autoRange()
