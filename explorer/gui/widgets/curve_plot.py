"""A plot of named curves, each created once and then updated with setData; their legend in rows under the plot,
never over the curves."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QSizePolicy

from explorer.gui.widgets.axis_grid import AxisGrid
from explorer.gui.widgets.style import series_color

LINE_WIDTH = 1.0  # dense per-step curves: a one-pixel pen is drawn several times faster than a wider one
MARKED_LINE_WIDTH = 1.5  # per-epoch curves, a point per epoch with its marker
LEGEND_TEXT, LEGEND_GAP_PX = "8pt", 10  # small entries, most plots' legends in one row
LEAST_HEIGHT = 160  # px: title, axis and a row of legend leave the curves room to be read
LEGEND_ROW = 4  # the PlotItem layout's first free row: the legend sits under the bottom axis


class CurvePlot(pg.PlotWidget):
    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", parent=None):
        super().__init__(parent, title=title)
        self.setLabel("bottom", x_label)
        self.setLabel("left", y_label)
        self.grid = AxisGrid(self.plotItem)
        self.legend = pg.LegendItem(colCount=1, labelTextSize=LEGEND_TEXT, horSpacing=LEGEND_GAP_PX)
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.plotItem.layout.addItem(self.legend, LEGEND_ROW, 1)
        self.plotItem.legend = self.legend  # named curves are listed in it
        self.legend.layout.setContentsMargins(0, 0, 0, 0)
        self.plotItem.vb.sigResized.connect(self._arrange_legend_soon)
        self.curves: dict[str, pg.PlotDataItem] = {}
        # Long runs have tens of thousands of steps: draw only what is visible, at most a few points per pixel.
        self.plotItem.setDownsampling(auto=True, mode="peak")
        self.plotItem.setClipToView(True)
        self.setMinimumHeight(LEAST_HEIGHT)

    def set_curve(self, name: str, x, y, symbol: str | None = None, color=None) -> None:
        """Create the curve ``name`` on first use (in ``color``, else the name's own colour), then replace its
        points."""
        if name not in self.curves:
            if color is None:
                color = series_color(name, [curve.opts["pen"].color() for curve in self.curves.values()])
            self.curves[name] = self.plot([], [], name=name, pen=_pen(color, symbol), symbol=symbol, symbolSize=6,
                                          symbolBrush=pg.mkBrush(color), symbolPen=None)
            self._arrange_legend()
        curve = self.curves[name]
        if curve.opts["symbol"] != symbol:  # per-epoch points get markers, live per-step curves none
            curve.setSymbol(symbol)
            curve.setPen(_pen(curve.opts["pen"].color(), symbol))
        curve.setData(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def points(self, name: str) -> int:
        """How many points the curve ``name`` holds (0 if it does not exist)."""
        curve = self.curves.get(name)
        if curve is None or curve.xData is None:
            return 0
        return len(curve.xData)

    def clear_curves(self) -> None:
        """Remove every curve and its legend entry; the axes forget the old data at once (a new run's first
        points may be a while coming) and range anew with the next."""
        for curve in self.curves.values():
            self.removeItem(curve)
        self.curves = {}
        self.legend.clear()
        self.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.enableAutoRange()


    def _arrange_legend(self) -> None:
        """As many entries side by side as the plot's width holds, the rest in rows below them."""
        entries = self.legend.items
        if not entries:
            return
        widest = max(sample.boundingRect().width() + label.item.boundingRect().width() for sample, label in entries)
        room = self.width() - self.plotItem.getAxis("left").width()  # the plot's width, known before its layout's
        fits = int(room // (widest + LEGEND_GAP_PX))
        self.legend.setColumnCount(max(1, min(len(entries), fits)))

    def _arrange_legend_soon(self, *_args) -> None:
        """Arrange the legend once the layout has given the plot its new width (a resize signals before)."""
        QTimer.singleShot(0, self, self._arrange_legend)


def _pen(color, symbol: str | None):
    return pg.mkPen(color, width=LINE_WIDTH if symbol is None else MARKED_LINE_WIDTH)
