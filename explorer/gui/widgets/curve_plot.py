"""A plot of named curves, each created once and then updated with setData."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from explorer.gui.widgets.style import class_color


class CurvePlot(pg.PlotWidget):
    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", parent=None):
        super().__init__(parent, title=title)
        self.setLabel("bottom", x_label)
        self.setLabel("left", y_label)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.addLegend(offset=(-10, 10))
        self.curves: dict[str, pg.PlotDataItem] = {}
        # Long runs have tens of thousands of steps: draw only what is visible, at most a few points per pixel.
        self.plotItem.setDownsampling(auto=True, mode="peak")
        self.plotItem.setClipToView(True)
        self.setMinimumHeight(120)

    def set_curve(self, name: str, x, y, symbol: str | None = None, color=None) -> None:
        """Create the curve ``name`` on first use (in ``color``, else the next class colour), then replace its
        points."""
        if name not in self.curves:
            color = class_color(len(self.curves)) if color is None else color
            self.curves[name] = self.plot([], [], name=name, pen=pg.mkPen(color, width=1.5), symbolSize=6,
                                          symbolBrush=pg.mkBrush(color), symbolPen=None)
        curve = self.curves[name]
        if curve.opts["symbol"] != symbol:  # per-epoch points get markers, live per-step curves none
            curve.setSymbol(symbol)
        curve.setData(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def points(self, name: str) -> int:
        """How many points the curve ``name`` holds (0 if it does not exist)."""
        curve = self.curves.get(name)
        if curve is None or curve.xData is None:
            return 0
        return len(curve.xData)

    def clear_curves(self) -> None:
        """Remove every curve and its legend entry; the axes range anew with the next data."""
        for curve in self.curves.values():
            self.removeItem(curve)
        self.curves = {}
        if self.plotItem.legend is not None:
            self.plotItem.legend.clear()
        self.enableAutoRange()
