"""Compare runs: checkpoints or run folders side by side, their training curves overlaid (one colour a run), their
metrics in one table (hover a row for the run's settings) and samples from each model's prior, drawn in a worker.
Run folders still training are read again every few seconds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from explorer import exploring
from explorer.errors import ExplorerError
from explorer.gui import settings
from explorer.gui.concurrent import TaskRunner, WorkerThread
from explorer.gui.widgets.controls import option_box
from explorer.gui.widgets.curve_plot import CurvePlot
from explorer.gui.widgets.export import IMAGE_FILTERS, export_widget
from explorer.gui.widgets.run_samples import SETTING_CHARS, RunSamples, RunSamplesResult, sample_runs, settings_tip
from explorer.gui.widgets.style import class_color
from explorer.gui.widgets.sweep_view import SweepView
from explorer.io.display import printable
from explorer.metric_catalog import CURVES
from explorer.training import compare
from explorer.training.sweep import SWEEP_FILE, is_sweep_folder

COMPARE_FILTER = f"Checkpoints and sweeps (*.safetensors {SWEEP_FILE})"
SAMPLES_PER_RUN = 16
LIVE_INTERVAL_MS = 2000  # how often run folders still training are read again


class CompareWindow(QMainWindow):
    """Runs opened side by side. ``add_paths`` adds checkpoints; ``runs`` lists what is shown."""

    runs_changed = Signal()
    runs_read = Signal()  # the files given to add_paths are read (and shown, those that could be)
    samples_ready = Signal()  # every run's samples are drawn (or failed)

    def __init__(self, prompts, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare runs — Latent Explorer")
        self.setObjectName("compare_window")
        self.prompts = prompts
        self.runs: list[compare.ComparedRun] = []
        self._cache: dict = {}  # only the worker thread touches it
        self.closed = False
        self.worker = WorkerThread("compare samples", self)
        self.samples_task = TaskRunner(self.worker, self._on_samples_done, on_partial=self._show_samples, parent=self)
        self.read_task = TaskRunner(self.worker, self._on_runs_read, parent=self)
        self.live_task = TaskRunner(self.worker, self._on_live_reread, parent=self)
        self._pending_paths: list[str] = []
        self._pending_problems: list[str] = []  # sweeps that could not be opened, said with the read's own

        toolbar = QToolBar("Compare")
        toolbar.setObjectName("compare_toolbar")
        self.addToolBar(toolbar)
        for text, slot, tip in (
                ("Add checkpoints…", self.add_dialog, "Add one or more checkpoints to the comparison."),
                ("Add run folder…", self.add_folder_dialog,
                 "Add a run folder written by train --run-dir (followed while it trains), or a sweep's folder "
                 "(train --sweep): its trials, and a figure drawn against the swept setting."),
                ("Remove", self.remove_selected, "Remove the runs selected in the table."),
                ("Export curves…", self.export_curves, "Save the overlaid curves as PNG or SVG."),
                ("Export table…", self.export_table, "Save the metrics table as CSV."),
                ("Export samples…", self.export_samples, "Save every run's samples as one PNG, a row per run.")):
            action = toolbar.addAction(text)
            action.setToolTip(tip)
            action.triggered.connect(slot)

        self.plots = {curve.name: CurvePlot(curve.title, "epoch") for curve in CURVES}
        self.plots_widget = QWidget()
        grid = QGridLayout(self.plots_widget)
        for i, plot in enumerate(self.plots.values()):
            grid.addWidget(plot, i // 3, i % 3)

        self.table = QTableWidget(0, len(compare.table_header()))
        self.table.setHorizontalHeaderLabels(compare.table_header())
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setToolTip("Each run's test metrics; hover a row for the settings it was trained with.")

        self.count = option_box(exploring.option("samples_count"))
        self.count.setValue(SAMPLES_PER_RUN)
        self.temperature = option_box(exploring.option("temperature"))
        self.seed = option_box(exploring.option("seed"))
        self.reseed = QPushButton("Reseed")
        self.reseed.setToolTip("Draw new samples with the next seed.")
        form = QFormLayout()
        form.addRow("Samples", self.count)
        form.addRow("Temperature", self.temperature)
        form.addRow("Seed", self.seed)
        form.addRow(self.reseed)
        self.samples_row = QWidget()
        self.samples_layout = QHBoxLayout(self.samples_row)
        self.samples_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.samples_row)
        samples = QWidget()
        samples_layout = QHBoxLayout(samples)
        samples_layout.addLayout(form)
        samples_layout.addWidget(scroll, 1)
        self.cards: list[RunSamples] = []

        self.note = QLabel()
        self.note.setProperty("role", "note")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.hide()
        self.sweep_view = SweepView()
        self.sweep_view.hide()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.sweep_view)
        splitter.addWidget(self.plots_widget)
        splitter.addWidget(self.table)
        splitter.addWidget(samples)
        splitter.setSizes([420, 140, 300])
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.addWidget(self.note)
        central_layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.resize(1300, 900)

        self.live_timer = QTimer(self)
        self.live_timer.setInterval(LIVE_INTERVAL_MS)
        self.live_timer.timeout.connect(self.reread_live_runs)
        self.reseed.clicked.connect(self._next_seed)
        for signal in (self.count.valueChanged, self.temperature.valueChanged, self.seed.valueChanged):
            signal.connect(self.draw_samples)

    def set_note(self, text: str) -> None:
        """What these runs side by side show (a lesson's point)."""
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # Runs
    def add_dialog(self) -> None:
        paths = self.prompts.open_paths("Add checkpoints to compare", settings.last_folder(), COMPARE_FILTER)
        if paths:
            self.add_paths(paths)

    def add_folder_dialog(self) -> None:
        folder = self.prompts.open_folder("Add a run folder to compare", settings.last_folder())
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths) -> None:
        """Read runs off the GUI thread and show those not shown yet (``runs_read`` when done); a file that cannot
        be read is named in one dialog and the others are kept. A sweep (its folder or its sweep.json) adds its
        trials' run folders and draws its figures against its setting."""
        paths, problems = self._open_sweeps(paths)
        self._pending_paths += [str(path) for path in paths]
        self._pending_problems += problems
        if not self.read_task.busy:
            paths, self._pending_paths = self._pending_paths, []
            self.read_task.start(compare.read_new_runs, paths, list(self.runs))

    def _on_runs_read(self, found) -> None:
        added, problems = found
        problems, self._pending_problems = self._pending_problems + problems, []
        try:
            compare.check_count(self.runs + added)
        except ExplorerError as error:
            problems.append(str(error))
            added = added[:compare.MAX_RUNS - len(self.runs)]
        if problems:
            self.prompts.error("Could not compare every file", "\n\n".join(problems))
        if added:
            self.runs += added
            compare.distinct_names(self.runs)
            self._show_runs()
        if self._pending_paths:
            self.add_paths([])
        self.runs_read.emit()

    def _open_sweeps(self, paths) -> tuple[list, list[str]]:
        """The paths with each sweep replaced by its trials' folders; the problems of those that cannot be read."""
        expanded, problems = [], []
        for path in paths:
            folder = Path(path).parent if Path(path).name == SWEEP_FILE else Path(path)
            if not is_sweep_folder(folder):
                expanded.append(path)
                continue
            try:
                expanded += [str(folder / name) for name in self.sweep_view.open(folder).runs]
            except (ExplorerError, OSError) as error:
                problems.append(str(error))
        return expanded, problems

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            del self.runs[row]
        if rows:
            self._show_runs()

    def _show_runs(self) -> None:
        self._draw_curves()
        self._fill_table()
        self._make_cards()
        self.draw_samples()
        self._follow_live_runs()
        self.runs_changed.emit()

    def _follow_live_runs(self) -> None:
        if any(run.live for run in self.runs) or self.sweep_view.running:
            self.live_timer.start()
        else:
            self.live_timer.stop()

    def reread_live_runs(self) -> None:
        """Read the run folders still training again, off the GUI thread (a folder may sit on a slow network)."""
        if not self.live_task.busy and not self.read_task.busy:
            live = [run for run in self.runs if run.live]
            self.live_task.start(compare.reread_runs, live)

    def _on_live_reread(self, fresh_runs) -> None:
        """New epochs redraw the curves and the table, a newer checkpoint redraws the samples."""
        changed, new_model = False, False
        if self.sweep_view.running:
            self._reread_sweep()
        for position, run in enumerate(self.runs):
            fresh = fresh_runs.get(run.source) if run.live else None
            if fresh is None:
                continue
            fresh.name = run.name
            changed = changed or fresh.meta != run.meta or fresh.status != run.status
            new_model = new_model or fresh.checkpoint != run.checkpoint or (
                fresh.checkpoint is not None and fresh.meta.get("saved") != run.meta.get("saved"))
            self.runs[position] = fresh
        if changed:
            self._draw_curves()
            self._fill_table()
        if new_model:
            self.draw_samples()
        self._follow_live_runs()

    def _reread_sweep(self) -> None:
        """A sweep still running: its newly started trials join the runs, its figures are drawn again."""
        results = self.sweep_view.reread()
        known = {run.source.resolve() for run in self.runs}
        fresh = [run for run in (results.runs.values() if results else ()) if run.source.resolve() not in known]
        room = compare.MAX_RUNS - len(self.runs)
        if fresh and room > 0:
            self.runs += fresh[:room]
            compare.distinct_names(self.runs)
            self._show_runs()

    def color(self, position: int) -> QColor:
        return class_color(position)

    def _draw_curves(self) -> None:
        """One legend, on the first plot (the table and the samples name the colours too); the weight plot
        has its own when some runs show β and others C."""
        for plot in self.plots.values():
            plot.clear_curves()
        weights = set()
        for position, run in enumerate(self.runs):
            for curve in CURVES:
                key, epochs, values = compare.curve_values(run, curve)
                if key is None:
                    continue
                name = run.name if curve.name != "weight" else f"{run.name} ({'C' if key == 'capacity' else 'β'})"
                weights.add(key if curve.name == "weight" else None)
                self.plots[curve.name].set_curve(name, epochs, values, color=self.color(position),
                                                 symbol="o" if len(epochs) == 1 else None)
        first = CURVES[0].name
        for name, plot in self.plots.items():
            plot.plotItem.legend.setVisible(name == first or (name == "weight" and len(weights - {None}) > 1))

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            tip = settings_tip(run)
            for col, value in enumerate(compare.table_row(run)):
                item = QTableWidgetItem(_cell_text(value))
                item.setToolTip(tip)
                if isinstance(value, (int, float)):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == 0:
                    item.setForeground(QBrush(self.color(row)))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def _make_cards(self) -> None:
        for card in self.cards:
            self.samples_layout.removeWidget(card)
            card.deleteLater()
        self.cards = [RunSamples(run, self.color(i)) for i, run in enumerate(self.runs)]
        for card in self.cards:
            self.samples_layout.addWidget(card)

    # Samples
    def _next_seed(self) -> None:
        self.seed.setValue(self.seed.value() + 1)

    def draw_samples(self) -> None:
        """Draw every run's samples in the window's worker; the newest request wins."""
        self.samples_task.start(sample_runs, [run.checkpoint for run in self.runs], self._cache,
                                self.count.value(), self.temperature.value(), self.seed.value())

    def _show_samples(self, results: list[RunSamplesResult]) -> None:
        for card, result in zip(self.cards, results):
            if result.items is None:
                card.view.clear()
            else:
                card.view.set_items(result.items, ncols=result.ncols)
            card.message.setText(result.message)

    def _on_samples_done(self, results: list[RunSamplesResult]) -> None:
        self._show_samples(results)
        self.samples_ready.emit()

    @property
    def busy(self) -> bool:
        return self.samples_task.busy or self.read_task.busy

    def stop_worker(self) -> None:
        """End the worker (a decode cannot be interrupted, so the running one is waited for)."""
        self.worker.stop()

    def closeEvent(self, event) -> None:
        self.closed = True
        self.live_timer.stop()
        self.stop_worker()
        super().closeEvent(event)

    # Exports
    def _ask(self, caption: str, name: str, filters: str) -> str | None:
        path = self.prompts.save_path(caption, str(Path(settings.last_folder()) / name), filters)
        if path:
            settings.set_last_folder(path)
        return path

    def _write(self, write, path: str) -> None:
        try:
            written = write(path)
        except (ExplorerError, OSError) as error:
            self.prompts.error("Export failed", f"{path}\n\n{error}")
            return
        self.statusBar().showMessage(f"Wrote {written or path}", 10_000)

    def export_curves(self) -> None:
        path = self._ask("Export compared curves", "compare-curves.png", IMAGE_FILTERS)
        if path:
            self._write(lambda p: export_widget(self.plots_widget, p), path)

    def export_table(self) -> None:
        from explorer.io.export import save_table_csv

        path = self._ask("Export compared metrics", "compare-metrics.csv", "CSV table (*.csv)")
        if path:
            rows = [compare.table_row(run) for run in self.runs]
            self._write(lambda p: save_table_csv(p, compare.table_header(), rows), path)

    def export_samples(self) -> None:
        """Every run's samples, one row a run, its name beside it (image models), or a CSV of sentences."""
        from explorer.io.export import auto_scale, save_image_grid, save_sentences

        shown = [(run, card.view.items) for run, card in zip(self.runs, self.cards) if card.view.count]
        if not shown:
            self.statusBar().showMessage("Nothing to export: no samples are drawn yet", 10_000)
            return
        if all(isinstance(items, np.ndarray) for _, items in shown):
            shapes = {items.shape[1:] for _, items in shown}
            if len(shapes) > 1:
                self.prompts.error("Export failed", "the runs' images differ in size, so they cannot share a grid")
                return
            width = max(len(items) for _, items in shown)
            rows = [np.concatenate([items, np.full((width - len(items),) + items.shape[1:], 255, np.uint8)])
                    for _, items in shown]
            path = self._ask("Export compared samples", "compare-samples.png", "PNG image (*.png)")
            if path:
                scale = auto_scale(rows[0].shape[1])
                self._write(lambda p: save_image_grid(p, np.concatenate(rows), width, scale=scale,
                                                      row_labels=[run.name for run, _ in shown]), path)
            return
        path = self._ask("Export compared samples", "compare-samples.csv", "CSV table (*.csv);;Text (*.txt)")
        if path:
            sentences = [str(s) for _, items in shown for s in items]
            names = [run.name for run, items in shown for _ in items]
            self._write(lambda p: save_sentences(p, sentences, {"run": names}), path)


def _cell_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    return printable(value, SETTING_CHARS)
