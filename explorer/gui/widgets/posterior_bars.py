"""One item's posterior: mean ± σ per dimension, with each dimension's KL below (for an autoencoder, how often a
sparse unit fires or how far each code dimension spreads over the items); inactive dimensions in grey. Clicking a
bar announces its dimension."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics

from explorer.gui.widgets.axis_grid import AxisGrid
from explorer.gui.widgets.style import ACCENT, INACTIVE, class_color

INACTIVE_KL = 0.01
KL_LABEL = "KL (nats)"
TICK_STEPS = (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512)
TICK_GAP_PX = 6  # between two dimension labels
LEAST_HEIGHT = 150  # px: both plots' bars, ticks and axis labels still readable


def tick_step(dims: int, px_per_dim: float, label_px: float) -> int:
    """Label every ``step``-th dimension so that labels ``label_px`` wide do not touch."""
    for step in TICK_STEPS:
        if step * px_per_dim >= label_px + TICK_GAP_PX:
            return step
    return max(dims, 1)


class PosteriorBars(pg.GraphicsLayoutWidget):
    dim_clicked = Signal(int)

    def __init__(self, parent=None):
        self.mean = self.std = self.kl = np.zeros(0)  # before the first resize event
        super().__init__(parent)
        self.setToolTip("Posterior mean ± σ per latent dimension and its KL (an autoencoder: its code and how "
                        "much each dimension varies over the items); grey dimensions (under 0.01) are inactive. "
                        "Click a bar to traverse that dimension.")
        self.setMinimumHeight(LEAST_HEIGHT)
        self.mean_plot = self.addPlot(row=0, col=0)
        self.mean_plot.setLabel("left", "mean ± σ")
        self.kl_plot = self.addPlot(row=1, col=0)
        self.kl_plot.setLabel("left", KL_LABEL)
        self.kl_plot.setLabel("bottom", "latent dimension")
        self.kl_plot.setXLink(self.mean_plot)
        self.grids = [AxisGrid(plot, x=False) for plot in (self.mean_plot, self.kl_plot)]
        for plot in (self.mean_plot, self.kl_plot):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()  # no zoom to undo; its "A" button sat on the axis label
            plot.getAxis("left").enableAutoSIPrefix(False)
        self.highlighted = -1
        self._active_brush = pg.mkBrush(class_color(0))
        self._inactive_brush = pg.mkBrush(INACTIVE)
        self._highlight_brush = pg.mkBrush(ACCENT)
        self._mean_bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self._errors = pg.ErrorBarItem(beam=0.3)
        self._kl_bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.mean_plot.addItem(self._mean_bars)
        self.mean_plot.addItem(self._errors)
        self.kl_plot.addItem(self._kl_bars)
        self.scene().sigMouseClicked.connect(self._on_click)

    @property
    def inactive(self) -> np.ndarray:
        return self.kl < INACTIVE_KL

    def set_posterior(self, mean: np.ndarray, std: np.ndarray, kl: np.ndarray, lower_label: str = KL_LABEL) -> None:
        """``kl`` is drawn below the means (a sparse code's activation frequencies instead, with ``lower_label``);
        below 0.01 a dimension is greyed as inactive."""
        self.mean, self.std, self.kl = (np.asarray(v, dtype=np.float64) for v in (mean, std, kl))
        self.kl_plot.setLabel("left", lower_label)
        self._draw()
        self._update_ticks()
        for plot in (self.mean_plot, self.kl_plot):
            plot.autoRange()

    @property
    def tick_step(self) -> int:
        """Every how many dimensions a label is shown at the bars' current width."""
        dims = len(self.mean)
        axis = self.kl_plot.getAxis("bottom")
        label_px = QFontMetrics(axis.style.get("tickFont") or axis.font()).horizontalAdvance(str(max(dims - 1, 0)))
        return tick_step(dims, self.kl_plot.vb.width() / max(dims + 0.4, 1), label_px)

    def _update_ticks(self) -> None:
        step = self.tick_step
        ticks = [[(d, str(d)) for d in range(0, len(self.mean), step)]]
        for plot in (self.mean_plot, self.kl_plot):
            plot.getAxis("bottom").setTicks(ticks)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if hasattr(self, "kl_plot"):  # Qt resizes the view while it is being built
            self._update_ticks()

    def highlight(self, dim: int) -> None:
        self.highlighted = dim
        self._draw()

    def _brushes(self) -> list:
        return [self._highlight_brush if d == self.highlighted else
                self._inactive_brush if off else self._active_brush for d, off in enumerate(self.inactive)]

    def _draw(self) -> None:
        x = np.arange(len(self.mean))
        brushes = self._brushes()
        self._mean_bars.setOpts(x=x, height=self.mean, brushes=brushes)
        self._errors.setData(x=x, y=self.mean, height=2 * self.std)
        self._kl_bars.setOpts(x=x, height=self.kl, brushes=brushes)

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or len(self.mean) == 0:
            return
        for plot in (self.mean_plot, self.kl_plot):
            if plot.sceneBoundingRect().contains(ev.scenePos()):
                dim = int(round(plot.vb.mapSceneToView(ev.scenePos()).x()))
                if 0 <= dim < len(self.mean):
                    self.dim_clicked.emit(dim)
                return
