"""A sweep's figure against its setting (Locatello et al. 2019, figure 1 style): a point per seed, the median line
through the values, and the table of the same numbers; pick the figure above. It draws what
explorer.training.sweep_results computes."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from explorer.errors import ExplorerError
from explorer.gui.widgets.axis_grid import AxisGrid
from explorer.gui.widgets.style import class_color
from explorer.io.display import printable
from explorer.training.sweep_results import SweepResults, metric_label, read_sweep

LOG_AXIS_RATIO = 8  # values spanning at least this factor (β = 1...16) are drawn on a log axis
KEY_CHARS = 80


class SweepView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.results: SweepResults | None = None
        self.metric = QComboBox()
        self.metric.setToolTip("The figure drawn against the swept setting (each trial's test metrics, and an "
                               "evaluate --json output saved as evaluation.json in its folder).")
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.plot = pg.PlotWidget()
        self.grid = AxisGrid(self.plot.plotItem)
        self.plot.setMinimumHeight(160)
        self.plot.addLegend(offset=(-10, 10))
        color = class_color(0)
        self.seeds = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=8, symbolBrush=pg.mkBrush(color),
                                     symbolPen=None, name="a seed")
        self.median = pg.PlotDataItem([], [], pen=pg.mkPen(color, width=2), name="median of the seeds")
        self.plot.addItem(self.seeds)
        self.plot.addItem(self.median)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Figure"))
        top.addWidget(self.metric)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.table, 2)
        self.metric.currentIndexChanged.connect(self.redraw)

    def open(self, folder) -> SweepResults:
        """Read a sweep's folder and show it; an ExplorerError naming the folder when it holds no sweep."""
        results = read_sweep(folder)
        self.set_results(results)
        self.show()
        return results

    @property
    def running(self) -> bool:
        """Whether the sweep shown has trials still to finish (worth reading again)."""
        trials = self.results.manifest.trials if self.results is not None else ()
        return any(t["status"] in ("pending", "running") for t in trials)

    def reread(self) -> SweepResults | None:
        """Read the sweep shown again and redraw it (None when it cannot be read just now, being rewritten)."""
        try:
            results = read_sweep(self.results.manifest.root)
        except (ExplorerError, OSError):
            return None
        self.set_results(results)
        return results

    def set_results(self, results: SweepResults) -> None:
        """Show a sweep (again, as its trials finish); the figure picked stays picked while the sweep has it."""
        self.results = results
        keys = results.metric_keys()
        kept = self.current_key()
        self.metric.blockSignals(True)
        self.metric.clear()
        for key in keys:
            self.metric.addItem(printable(metric_label(key), KEY_CHARS), key)
        if kept in keys:
            self.metric.setCurrentIndex(keys.index(kept))
        self.metric.blockSignals(False)
        finished = sum(t["status"] == "finished" for t in results.manifest.trials)
        self.title.setText(f"{results.manifest.root.name}: {results.option} over "
                           f"{len(results.manifest.values)} values × {len(results.manifest.seeds)} seeds "
                           f"({finished} of {len(results.manifest.trials)} trials finished)")
        self.plot.setLabel("bottom", results.option)
        self.redraw()

    def current_key(self) -> str | None:
        return self.metric.currentData()

    def redraw(self) -> None:
        key = self.current_key()
        if self.results is None or key is None:
            self.seeds.setData([], [])
            self.median.setData([], [])
            return
        settings, _, values = self.results.points(key)
        x, median = self.results.medians(key)
        positive = settings[settings > 0]
        log_x = len(positive) == len(settings) > 0 and positive.max() >= LOG_AXIS_RATIO * positive.min()
        self.plot.setLogMode(x=bool(log_x), y=False)
        self.seeds.setData(settings, values)
        self.median.setData(x, median)
        self.plot.setLabel("left", printable(metric_label(key), KEY_CHARS))
        self.plot.enableAutoRange()
        self._fill_table(*self.results.table(key))

    def _fill_table(self, header: list[str], rows: list[list]) -> None:
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(_cell(value, first=c == 0))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def seed_points(self) -> tuple[np.ndarray, np.ndarray]:
        return self.seeds.xData, self.seeds.yData

    def median_line(self) -> tuple[np.ndarray, np.ndarray]:
        return self.median.xData, self.median.yData


def _cell(value, first: bool) -> str:
    if value is None:
        return "—"
    if first:
        return f"{value:g}"
    return f"{value:.4g}"
