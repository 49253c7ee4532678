"""Each categorical latent variable's probabilities for one item: one bar chart per variable, its most probable
category highlighted, its KL against the uniform prior in the title."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize

from explorer.gui.widgets.style import ACCENT, class_color

# px per variable: preferred, and the least that still shows the bars under their title and categories
PLOT_HEIGHT, LEAST_HEIGHT = 120, 110
TITLE_SIZE = "9pt"


class CategoryBars(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip("q(c|x) of each categorical latent variable: the probability of every category for the "
                        "selected item (the most probable one highlighted) and the variable's KL.")
        self.plots: list[pg.PlotItem] = []
        self._bars: list[pg.BarGraphItem] = []
        self.probabilities: list[np.ndarray] = []
        self._brush, self._top = pg.mkBrush(class_color(0)), pg.mkBrush(ACCENT)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), PLOT_HEIGHT * max(1, len(self.plots)))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), LEAST_HEIGHT * len(self.plots))

    def set_variables(self, variables: list[tuple[np.ndarray, float]]) -> None:
        """``variables``: (probabilities (K,), KL in nats) per categorical variable; empty hides the chart."""
        if len(variables) != len(self.plots):
            self.clear()
            self.plots, self._bars = [], []
            for v in range(len(variables)):
                plot = self.addPlot(row=v, col=0)
                plot.setMouseEnabled(x=False, y=False)
                plot.hideButtons()  # nothing to zoom: no "A" button on the axis
                plot.setYRange(0.0, 1.0, padding=0.05)
                plot.getAxis("left").setTicks([[(0.0, "0"), (0.5, ".5"), (1.0, "1")]])
                bars = pg.BarGraphItem(x=[], height=[], width=0.7)
                plot.addItem(bars)
                self.plots.append(plot)
                self._bars.append(bars)
        self.probabilities = [np.asarray(p, dtype=np.float64) for p, _ in variables]
        for v, ((_, kl), probs, plot, bars) in enumerate(zip(variables, self.probabilities, self.plots, self._bars)):
            top = int(np.argmax(probs))
            bars.setOpts(x=np.arange(len(probs)), height=probs,
                         brushes=[self._top if k == top else self._brush for k in range(len(probs))])
            plot.setTitle(f"q(c{v}|x): {top} at {probs[top]:.0%} · KL {kl:.2f} nats", size=TITLE_SIZE)
            plot.getAxis("bottom").setTicks([[(k, str(k)) for k in range(len(probs))]])
            plot.setXRange(-0.6, len(probs) - 0.4)
        self.updateGeometry()
        self.setVisible(bool(variables))
