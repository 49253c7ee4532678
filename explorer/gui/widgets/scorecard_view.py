"""The interpolation scorecard under the Interpolation tab's path: a button that starts it, its progress, and a
small table of its figures (labels and formats from the metric catalog's SCORECARD_METRICS)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from explorer.limits import SCORECARD_PAIRS
from explorer.metric_catalog import SCORECARD_METRICS

SHOWN = tuple(metric for metric in SCORECARD_METRICS if metric.key not in ("interp_pairs", "interp_steps"))


class ScorecardView(QWidget):
    requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.button = QPushButton(f"Score {SCORECARD_PAIRS} pairs")
        self.button.setToolTip(f"Decode the paths between {SCORECARD_PAIRS} random pairs of preview sentences with "
                               "these settings and score how they read: fluency (under a language model found "
                               "beside the checkpoint), smoothness, whether A and B come back, copies of the ends "
                               "and repeated 3-grams.")
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # a language model's file name
        self.status.setWordWrap(True)
        self.table = QTableWidget(len(SHOWN), 2)
        self.table.setHorizontalHeaderLabels(["figure", "value"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, metric in enumerate(SHOWN):
            self.table.setItem(row, 0, QTableWidgetItem(metric.title))
            self.table.setItem(row, 1, QTableWidgetItem("—"))
        self.table.resizeColumnsToContents()
        top = QHBoxLayout()
        top.addWidget(self.button)
        top.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.button.clicked.connect(self.requested)

    def values(self) -> dict[str, str]:
        """What the table shows, by metric key."""
        return {metric.key: self.table.item(row, 1).text() for row, metric in enumerate(SHOWN)}

    def clear(self) -> None:
        self.status.setText("")
        for row in range(len(SHOWN)):
            self.table.item(row, 1).setText("—")

    def show_progress(self, fraction: float, text: str) -> None:
        self.status.setText(f"scoring… {text}")

    def show_card(self, metrics: dict, note: str) -> None:
        for row, metric in enumerate(SHOWN):
            self.table.item(row, 1).setText(metric.format(metrics) or "—")
        self.table.resizeColumnsToContents()
        self.status.setText(note)

    def show_error(self, message: str) -> None:
        self.status.setText(message)
