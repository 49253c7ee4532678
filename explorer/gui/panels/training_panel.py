"""Training: the run's settings (a form built from the same option list as the CLI, presets, an Advanced section),
Start / Pause-Resume / Stop, live curves, the per-dimension KL heat map and a progress line. A run is a child
process running ``train`` (see gui/training_process.py); a watched run folder is drawn the same way. A checkpoint
opened from a file shows its history here as per-epoch curves."""
from __future__ import annotations

import datetime
import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.errors import ExplorerError
from explorer.gui.panels.sweep_box import SweepBox
from explorer.gui.panels.training_curves import TrainingCurves
from explorer.gui.panels.training_form import fit_dataset_to_kind, run_folder_name, sweep_folder_names, training_form
from explorer.gui.settings import runs_dir
from explorer.gui.training_process import RunWatcher, TrainingProcess
from explorer.gui.widgets.option_form import OptionForm
from explorer.gui.widgets.scrolling import vertical_scroll
from explorer.training.events import CheckpointEvent, EndEvent, EpochEvent, StartEvent, StateEvent, StepEvent

CUSTOM = "Custom settings"
FORM_WIDTH = 330  # px: labels and fields side by side without a horizontal scroll bar


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    return str(datetime.timedelta(seconds=int(seconds)))


class TrainingPanel(QWidget):
    run_finished = Signal(str, str)  # the final checkpoint's path ("" if none was written), status
    checkpoint_written = Signal(str)  # an epoch's snapshot, to show while training goes on
    run_failed = Signal(str, str)  # title, message
    sweep_finished = Signal(object)  # a sweep preset's checkpoint paths, to compare side by side
    watch_refused = Signal(str)  # why a watched folder cannot be followed

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.process: TrainingProcess | None = None
        self.watcher: RunWatcher | None = None
        self.resume_path: str | None = None
        self.run_path: Path | None = None  # the run folder being drawn
        self.last_checkpoint = ""
        self.status = "idle"  # idle | running | paused | stopping | finished | stopped | failed | crashed
        self._queue: list = []  # the sweep's runs still to train
        self._sweep_paths: list[str] = []
        self._last_step: StepEvent | None = None
        self.curves = TrainingCurves()

        self.controls = QWidget()
        self.form: OptionForm | None = None  # built on first show: the option list imports the model kinds
        self.presets = QComboBox()
        self.presets.setToolTip("Fill the form with a lecture's model: the VAE, β-VAE, capacity β-VAE, CVAE with a "
                                "learned prior, Bowman's sentence VAE...")
        self.resume_label = QLabel()
        self.resume_label.setWordWrap(True)
        self.resume_label.setTextFormat(Qt.TextFormat.PlainText)
        self.resume_cancel = QPushButton("Train a new model instead")
        self.resume_cancel.setToolTip("Forget the model to continue; Start trains a new one.")
        self.resume_cancel.clicked.connect(self.cancel_continue)
        self.sweep_box = SweepBox()
        self.sweep_box.start_requested.connect(self.start_sweep)
        self.sweep_box.trial_started.connect(self._follow_trial)
        self.refresh_each_epoch = QCheckBox("Show the model after each epoch")
        self.refresh_each_epoch.setChecked(True)
        self.refresh_each_epoch.setToolTip("After every epoch, open the run's latest snapshot in the map and panels.")
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train with these settings in a separate process (the window stays free).")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause the run after the current step; press again to resume.")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run; the model as it is now is saved and opened.")
        self.progress = QProgressBar()
        self.progress.setToolTip("Progress of the whole run.")
        self.progress_label = QLabel("Not training.")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.setMinimumWidth(10)  # a long path wraps instead of widening the column
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)

        self.form_holder = QVBoxLayout()
        self.form_holder.addWidget(QLabel("Preset"))
        self.form_holder.addWidget(self.presets)
        self.form_holder.addWidget(self.resume_label)
        self.form_holder.addWidget(self.resume_cancel)
        form_widget = QWidget()
        form_widget.setLayout(self.form_holder)
        scroll = self.scroll = vertical_scroll(form_widget)
        left = QVBoxLayout(self.controls)
        left.addWidget(scroll, 1)
        left.addWidget(self.refresh_each_epoch)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.progress_label)

        splitter = QSplitter()
        splitter.addWidget(self.controls)
        splitter.addWidget(self.curves)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([FORM_WIDTH, 4 * FORM_WIDTH])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button.clicked.connect(self.stop)
        session.model_changed.connect(self._on_model_changed)
        self._show_resume()
        self._set_running(False)

    # The form
    def ensure_form(self) -> OptionForm:
        """Build the form from the option list (the first time it is needed: it imports torch and the models)."""
        if self.form is not None:
            return self.form
        from explorer.training.presets import presets

        self.form = training_form()
        self.form_holder.addWidget(self.form, 1)
        self.form_holder.addWidget(self.sweep_box)
        self.controls.setMinimumWidth(min(FORM_WIDTH, self.form.sizeHint().width() + 40))
        self.form.fields["model"].widget.currentTextChanged.connect(self._on_kind_changed)
        self.form.fields["dataset"].widget.currentTextChanged.connect(self._on_kind_changed)
        self._presets = presets()
        self.presets.addItem(CUSTOM)
        for preset in self._presets.values():
            self.presets.addItem(preset.name, preset.id)
            self.presets.setItemData(self.presets.count() - 1, preset.description, Qt.ItemDataRole.ToolTipRole)
        self.presets.currentIndexChanged.connect(self._on_preset)
        self._on_kind_changed()
        self._set_running(self.running)
        return self.form

    def showEvent(self, event) -> None:
        self.ensure_form()
        self.curves.draw_stale()
        super().showEvent(event)

    def _on_kind_changed(self, *_args) -> None:
        kind, domain = fit_dataset_to_kind(self.form)
        self.sweep_box.set_kind(kind, domain)

    def _on_preset(self, index: int) -> None:
        preset = self._presets.get(self.presets.itemData(index)) if index > 0 else None
        if preset is not None:
            self.form.set_values(preset.options)
            self._on_kind_changed()

    def selected_preset(self):
        index = self.presets.currentIndex()
        return self._presets.get(self.presets.itemData(index)) if index > 0 else None

    def build_spec(self, run_dir: str | None = None, values: dict | None = None):
        """The RunSpec the form describes (ExplorerError naming the field for a bad value)."""
        from explorer.training.run import RunSpec

        form = self.ensure_form()
        values = form.values() if values is None else values
        run_dir = run_dir or str(self.runs_folder() / run_folder_name(values))
        return RunSpec.create(run_dir=run_dir, resume=self.resume_path, **values)

    @staticmethod
    def runs_folder() -> Path:
        folder = runs_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # Continuing the open model
    def continue_from(self, checkpoint_path: str, options: dict) -> None:
        """Set the form up to continue training ``checkpoint_path`` with its own settings (``options``)."""
        from explorer.training.run import RESUMABLE

        form = self.ensure_form()
        self.presets.setCurrentIndex(0)
        form.set_values(options)
        self._on_kind_changed()
        self.resume_path = str(checkpoint_path)
        form.set_enabled(False, keep=RESUMABLE)
        self._show_resume()

    def cancel_continue(self) -> None:
        self.resume_path = None
        if self.form is not None:
            self.form.set_enabled(True)
        self._show_resume()

    def _show_resume(self) -> None:
        continuing = self.resume_path is not None
        self.resume_label.setVisible(continuing)
        self.resume_cancel.setVisible(continuing)
        self.presets.setEnabled(not continuing and not self.running)
        if continuing:
            self.resume_label.setText(f"Continuing {Path(self.resume_path).name}: Start trains it for the epochs "
                                      "below, with its optimizer state and history. Its model and data are fixed.")

    # Plots
    def _on_steps(self, events: list[StepEvent]) -> None:
        self.curves.add_steps(events)
        last = self._last_step = events[-1]
        self.progress.setMaximum(max(1, last.total_steps))
        self.progress.setValue(last.global_step)
        self._show_progress()

    def _show_progress(self) -> None:
        last = self._last_step
        if last is None:
            return
        where = (f"epoch {last.epoch} · step {last.step}/{last.steps_per_epoch} · "
                 f"{last.examples_per_s:,.0f} examples/s · ETA {format_seconds(last.eta_s)}")
        if self.status == "paused":
            self.progress_label.setText(f"Paused at {where} once resumed.")
        elif self.status == "stopping":
            self.progress_label.setText("Stopping: finishing the step and saving…")
        else:
            self.progress_label.setText(where)

    def _on_model_changed(self) -> None:
        # While a run is drawn live, and when its own snapshots open, its curves stay; any other checkpoint shows
        # its own history.
        if not self.running and self.session.path != self.last_checkpoint:
            self.curves.show_history(self.session.explorer.checkpoint.history)

    # Events, from the child or a watched folder
    def on_events(self, events: list) -> None:
        steps = [e for e in events if isinstance(e, StepEvent)]
        for event in events:
            if isinstance(event, StartEvent):
                self.progress_label.setText(f"Training {event.label} on {event.dataset} ({event.train_size:,} "
                                            f"examples, {event.device}" +
                                            (f", {event.world_size} ranks" if event.world_size > 1 else "") + ")…")
            elif isinstance(event, EpochEvent):
                if steps:
                    self._on_steps(steps)
                    steps = []
                self.curves.add_epoch(event.record)
            elif isinstance(event, StateEvent):
                self.status = event.state
                self._show_progress()
            elif isinstance(event, CheckpointEvent):
                self._on_checkpoint_event(event)
            elif isinstance(event, EndEvent) and event.status == "failed":
                self.progress_label.setText("Training failed.")
        if steps:
            self._on_steps(steps)

    def _on_checkpoint_event(self, event) -> None:
        """Follow a checkpoint the run says it wrote: a file inside its run folder, named relative to it."""
        from explorer.training.run_folder import file_in_run

        if self.run_path is None:
            return
        try:
            path = str(file_in_run(self.run_path, event.path, "a checkpoint event's file"))
        except ExplorerError as error:
            self.progress_label.setText(f"Not following a checkpoint: {error}")
            return
        self.last_checkpoint = path
        if not event.final and self.refresh_each_epoch.isChecked():
            self.checkpoint_written.emit(path)

    # Run control
    @property
    def running(self) -> bool:
        return self.process is not None or self.watcher is not None

    is_running = running

    def start(self) -> None:
        """Start what the form describes: one run, or each run of a sweep preset in turn."""
        if self.running:
            return
        preset = self.selected_preset()
        if preset is not None and len(preset.runs) > 1 and self.resume_path is None:
            names = sweep_folder_names(preset.runs)
            specs = [self.build_spec(run_dir=str(self.runs_folder() / name), values=dict(run))
                     for name, run in zip(names, preset.runs)]
            self._sweep_paths = []
            self._queue = specs[1:]
            self._sweep_then = preset.then
            self.start_spec(specs[0])
        else:
            self._queue = []
            self.start_spec(self.build_spec())

    def start_sweep(self) -> None:
        """Train the form's settings for each value and seed the Sweep box names, in a folder of its own."""
        try:
            values = self.ensure_form().values()
            name = run_folder_name(values, f"-sweep-{self.sweep_box.option.currentData()}")
            self.sweep_box.start(values, self.runs_folder() / name)
        except ExplorerError as error:
            self.run_failed.emit("Cannot start the sweep", str(error))

    def _follow_trial(self, folder: str) -> None:
        """Draw the sweep's first trial as it trains (File > Watch a Run… picks another)."""
        if not self.running:
            self.watch(folder)

    def start_spec(self, spec, environment: dict | None = None) -> None:
        """Train ``spec`` in a child process (``environment`` adds variables to the child's, for tests)."""
        self.curves.clear()
        self._last_step = None
        self.last_checkpoint = ""
        self.run_path = Path(spec.run_dir) if spec.run_dir else None
        self.process = TrainingProcess(spec, self, environment)
        self.process.events.connect(self.on_events)
        self.process.ended.connect(self._on_ended)
        self.status = "running"
        self.progress.setValue(0)
        self.progress_label.setText("Starting the training process: loading data and building the model…")
        self._set_running(True)
        self.process.start()

    def watch(self, folder: str) -> None:
        """Draw a run folder written by another process, following it as it grows; ``watch_refused`` says why
        when it is not a run that can be read (found by the watcher's first poll, off the GUI thread)."""
        if self.running:
            return
        watcher = RunWatcher(folder, self)
        self.curves.clear()
        self._last_step = None
        self.run_path = Path(folder)
        self.last_checkpoint = ""
        self.watcher = watcher
        watcher.events.connect(self.on_events)
        watcher.checkpoint.connect(self._on_run_checkpoint)
        watcher.ended.connect(self._on_ended)
        watcher.silent.connect(self._on_silent)
        watcher.refused.connect(self._on_watch_refused)
        self.status = "running"
        self.progress_label.setText(f"Watching {folder}…")
        self._set_running(True)
        watcher.start()

    def _on_run_checkpoint(self, path: str) -> None:
        self.last_checkpoint = path

    def _on_watch_refused(self, why: str) -> None:
        self._finish("failed", f"Stopped watching: {why}")
        self.watch_refused.emit(why)

    def _on_silent(self, why: str) -> None:
        self.progress_label.setText(f"The watched run went silent: {why}.")

    def _on_pause_toggled(self, paused: bool) -> None:
        if self.process is None:
            return
        self.process.send("pause" if paused else "resume")
        self.pause_button.setText("Resume" if paused else "Pause")

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self._finish("stopped", "Stopped watching.")
            return
        if self.process is not None:
            self._queue = []
            self.status = "stopping"
            self.process.stop()
            self._show_progress()
            if self._last_step is None:
                self.progress_label.setText("Stopping: saving…")

    def stop_and_wait(self) -> None:
        """Stop the run and wait for its process to save and exit (closing the window)."""
        if self.process is not None:
            process = self.process
            self.stop()
            process.wait()  # QProcess emits finished (and so ended) from inside the wait
        elif self.watcher is not None:
            self.stop()
        self.sweep_box.stop_and_wait()

    def _on_ended(self, status: str, message: str) -> None:
        path = self.last_checkpoint if self.last_checkpoint and Path(self.last_checkpoint).is_file() else ""
        if status in ("finished", "stopped"):
            words = {"finished": "Finished", "stopped": "Stopped early"}[status]
            self._finish(status, f"{words}; saved to {path}" if path else words)
            if self._queue and status == "finished":
                self._sweep_paths.append(path)
                self.start_spec(self._queue.pop(0))
                return
            if self._sweep_paths and status == "finished":
                paths, self._sweep_paths = self._sweep_paths + [path], []
                self.run_finished.emit(path, status)
                if self._sweep_then == "compare":
                    self.sweep_finished.emit(paths)
                return
            self.run_finished.emit(path, status)
            return
        title = "Training failed" if status == "failed" else "Training crashed"
        self._finish(status, title + ".")
        kept = f"\n\nThe last good checkpoint is kept: {path}" if path else ""
        self.run_failed.emit(title, f"{message}{kept}")

    def _finish(self, status: str, text: str) -> None:
        self.curves.draw_stale()
        self.status = status
        self._queue = [] if status != "finished" else self._queue
        self.process = None
        self.watcher = None
        self.progress_label.setText(text.replace("/", "/\u200b"))  # a long path may wrap after any folder
        self.progress_label.setToolTip(text)
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        if self.form is not None:
            if running:
                self.form.set_enabled(False)
            elif self.resume_path is not None:
                from explorer.training.run import RESUMABLE

                self.form.set_enabled(False, keep=RESUMABLE)
            else:
                self.form.set_enabled(True)
        self.presets.setEnabled(not running and self.resume_path is None)
        self.pause_button.setEnabled(running and self.process is not None)
        self.stop_button.setEnabled(running)
        self.stop_button.setText("Stop watching" if self.watcher is not None else "Stop")
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)
