"""Training: the run's settings, Start / Pause-Resume / Stop, live curves, the per-dimension KL heat map and a
progress bar. The run trains in a TrainingWorker; a stopped or finished run's checkpoint is opened in the app.
A checkpoint opened from a file shows its history here as curves."""
from __future__ import annotations

import datetime
import math

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget)

from explorer.gui.settings import runs_dir
from explorer.gui.widgets.controls import float_box, int_box
from explorer.gui.widgets.curve_plot import CurvePlot
from explorer.gui.widgets.kl_heatmap import KLHeatmap
from explorer.gui.workers import TrainingWorker

DATASETS = ["digits", "mnist-5k", "mnist", "fashion-mnist", "wordnet-examples"]
SCHEDULES = ["constant", "linear", "logistic", "cyclical"]
DEVICES = ["auto", "cpu", "cuda", "mps"]


def format_seconds(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    return str(datetime.timedelta(seconds=int(seconds)))


class LazyComboBox(QComboBox):
    """A combo box that fills its choices (by calling ``fill``) just before its list first opens."""

    def __init__(self, fill, parent=None):
        super().__init__(parent)
        self._fill = fill

    def showPopup(self) -> None:
        self._fill()
        super().showPopup()


def uses_capacity(values) -> bool:
    """Whether a run had a capacity target (C(t) is worth a curve)."""
    values = np.asarray(values, dtype=np.float64)
    return bool(np.any(np.nan_to_num(values) > 0))


class TrainingPanel(QWidget):
    run_finished = Signal(object, str)  # Checkpoint, the path it was saved to
    epoch_checkpoint = Signal(object)  # a Checkpoint of the model as it is after an epoch (refresh option)
    run_failed = Signal(str)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.worker: TrainingWorker | None = None
        self.out_path = ""
        self._opening_own_result = False
        self._build_form()
        self._build_plots()
        self._clear_series()

        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train a new model with these settings (in the background).")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause the run after the current step; press again to resume.")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the run; the model as it is now is kept and opened.")
        self.progress = QProgressBar()
        self.progress.setToolTip("Progress of the whole run.")
        self.progress_label = QLabel("Not training.")
        buttons = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)

        controls = QWidget()
        left = QVBoxLayout(controls)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        form_widget = QWidget()
        form_widget.setLayout(self.form)
        scroll.setWidget(form_widget)
        left.addWidget(scroll, 1)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.progress_label)

        plots = self.plots_widget = QWidget()
        grid = QGridLayout(plots)
        grid.addWidget(self.loss_plot, 0, 0)
        grid.addWidget(self.weight_plot, 0, 1)
        grid.addWidget(self.elbo_plot, 0, 2)
        grid.addWidget(self.au_plot, 1, 0)
        grid.addWidget(self.heatmap, 1, 1, 1, 2)
        splitter = QSplitter()
        splitter.addWidget(controls)
        splitter.addWidget(plots)
        splitter.setStretchFactor(1, 4)
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self.start_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button.clicked.connect(self.stop)
        session.model_changed.connect(self._on_model_changed)
        self._set_running(False)

    # Settings
    def _build_form(self) -> None:
        self.model_kind = LazyComboBox(self.ensure_model_choices)
        self.model_kind.addItem("vae")  # the full list is filled when needed: it imports torch, slow to import
        self.model_kind.setToolTip("Which model to train (beta-vae is a VAE with β ≠ 1 or a capacity target).")
        self.dataset = QComboBox()
        self.dataset.setEditable(True)
        self.dataset.addItems(DATASETS)
        self.dataset.setToolTip("A dataset id, or text:PATH for your own corpus (one sentence a line).")
        self.arch = QComboBox()
        self.arch.addItems(["mlp", "conv"])
        self.arch.setToolTip("Encoder/decoder architecture for image models.")
        self.latent_dim = int_box(1, 512, 8, "Number of latent dimensions.")
        self.beta = float_box(0.0, 1000.0, 1.0, 0.5, "Weight of the KL term (1 = the plain ELBO; above 1 = β-VAE).")
        self.capacity = float_box(0.0, 1000.0, 0.0, 1.0, "Capacity target C in nats (0 = off): the KL is pushed "
                                                         "towards C(t), rising to C.")
        self.schedule = QComboBox()
        self.schedule.addItems(SCHEDULES)
        self.schedule.setToolTip("How the KL weight grows over training (KL annealing).")
        self.warmup = int_box(1, 1_000_000, 2000,
                              "Steps over which a linear or logistic schedule rises (cycles for cyclical).")
        self.free_bits = float_box(0.0, 10.0, 0.0, 0.05, "Free bits λ (nats per dimension): a dimension's KL below "
                                                         "λ is not penalised, which keeps dimensions from collapsing.")
        self.word_dropout = float_box(0.0, 1.0, 0.0, 0.05, "Sentence models: the chance each decoder input word is "
                                                           "replaced by <unk>, forcing the decoder to use z.")
        self.epochs = int_box(1, 10_000, 10, "How many passes over the training set.")
        self.batch_size = int_box(1, 65_536, 128, "Examples per optimisation step.")
        self.lr = float_box(1e-5, 1.0, 1e-3, 1e-4, "Adam's learning rate.", decimals=5)
        self.device = QComboBox()
        self.device.addItems(DEVICES)
        self.device.setToolTip("Where to train: auto picks a GPU when there is one.")
        self.refresh_each_epoch = QCheckBox("Refresh map and traversal at each epoch")
        self.refresh_each_epoch.setChecked(True)
        self.refresh_each_epoch.setToolTip("After every epoch, show the model as it is now in the map and panels.")
        self.form = QFormLayout()
        for name, widget in (("Model", self.model_kind), ("Dataset", self.dataset), ("Architecture", self.arch),
                             ("Latent size", self.latent_dim), ("β", self.beta), ("Capacity C (nats)", self.capacity),
                             ("KL schedule", self.schedule), ("Schedule steps", self.warmup),
                             ("Free bits (nats/dim)", self.free_bits), ("Word dropout", self.word_dropout),
                             ("Epochs", self.epochs), ("Batch size", self.batch_size), ("Learning rate", self.lr),
                             ("Device", self.device)):
            self.form.addRow(name, widget)
        self.form.addRow(self.refresh_each_epoch)

    def ensure_model_choices(self) -> None:
        if self.model_kind.count() > 1:
            return
        from explorer.training.run import MODEL_CHOICES

        current = self.model_kind.currentText()
        self.model_kind.clear()
        self.model_kind.addItems(MODEL_CHOICES)
        self.model_kind.setCurrentText(current)

    def _schedule_spec(self) -> dict:
        kind, steps = self.schedule.currentText(), self.warmup.value()
        if kind == "linear":
            return {"kind": "linear", "warmup_steps": steps}
        if kind == "logistic":
            return {"kind": "logistic", "k": 10.0 / steps, "x0": steps / 2}
        if kind == "cyclical":
            return {"kind": "cyclical", "cycles": max(1, steps // 1000), "ratio": 0.5}
        return {"kind": "constant"}

    def build_spec(self, out: str | None = None):
        """The RunSpec the form describes."""
        self.ensure_model_choices()
        from explorer.training.objectives import ObjectiveConfig
        from explorer.training.run import RunSpec
        from explorer.training.trainer import TrainConfig

        from explorer.training.run import TEXT_KINDS

        objective = ObjectiveConfig(beta=self.beta.value(), schedule=self._schedule_spec(),
                                    capacity=self.capacity.value() or None, free_bits=self.free_bits.value())
        kind = self.model_kind.currentText()
        model_options = {"word_dropout": self.word_dropout.value()} if kind in TEXT_KINDS else {}
        train = TrainConfig(epochs=self.epochs.value(), batch_size=self.batch_size.value(), lr=self.lr.value(),
                            device=self.device.currentText(), objective=objective)
        return RunSpec(model=kind, dataset=self.dataset.currentText().strip(), arch=self.arch.currentText(),
                       latent_dim=self.latent_dim.value(), model_options=model_options, train=train, out=out)

    # Plots
    def _build_plots(self) -> None:
        self.loss_plot = CurvePlot("Training loss per step (nats/example)", "step")
        self.loss_plot.setToolTip("Reconstruction, KL and the total loss the optimiser sees, per step.")
        self.weight_plot = CurvePlot("KL weight β(t) and capacity C(t)", "step")
        self.weight_plot.setToolTip("The effective KL weight and the capacity target over training.")
        self.elbo_plot = CurvePlot("Test −ELBO per epoch (nats/example)", "epoch")
        self.elbo_plot.setToolTip("The held-out negative ELBO after each epoch (lower is better).")
        self.au_plot = CurvePlot("Active units per epoch", "epoch")
        self.au_plot.setToolTip("How many latent dimensions carry information (posterior-mean variance > 0.01).")
        self.heatmap = KLHeatmap()
        self.heatmap.setToolTip("Each latent dimension's KL after each epoch: bright rows are in use.")
        self.plots = [self.loss_plot, self.weight_plot, self.elbo_plot, self.au_plot, self.heatmap]

    def _clear_series(self) -> None:
        self.step_series: dict[str, list[float]] = {k: [] for k in ("step", "recon", "kl", "loss", "beta",
                                                                    "capacity")}
        self.history: list[dict] = []
        for plot in (self.loss_plot, self.weight_plot, self.elbo_plot, self.au_plot):
            plot.clear_curves()
        self.heatmap.set_values(np.zeros((0, 0)))

    def on_steps(self, events: list) -> None:
        """A batch of StepEvents from the worker: extend the step curves and the progress bar."""
        series = self.step_series
        for event in events:
            series["step"].append(event.global_step)
            for key in ("recon", "kl", "loss", "beta"):
                series[key].append(getattr(event, key))
            series["capacity"].append(np.nan if event.capacity is None else event.capacity)
        steps = series["step"]
        for key in ("recon", "kl", "loss"):
            self.loss_plot.set_curve(key, steps, series[key])
        self.weight_plot.set_curve("β(t)", steps, series["beta"])
        if uses_capacity(series["capacity"]):
            self.weight_plot.set_curve("C(t)", steps, series["capacity"])
        last = events[-1]
        self.progress.setMaximum(max(1, last.total_steps))
        self.progress.setValue(last.global_step)
        self.progress_label.setText(f"epoch {last.epoch} · step {last.step}/{last.steps_per_epoch} · "
                                    f"{last.examples_per_s:,.0f} examples/s · ETA {format_seconds(last.eta_s)}")

    def on_epoch(self, event) -> None:
        self.history.append(event.record)
        self._draw_history()

    def _draw_history(self) -> None:
        records = self.history
        epochs = [r["epoch"] for r in records]
        self.elbo_plot.set_curve("test −ELBO", epochs, [r.get("test_elbo", np.nan) for r in records], symbol="o")
        self.au_plot.set_curve("active units", epochs, [r.get("active_units", np.nan) for r in records],
                               symbol="o")
        kl = [r["kl_per_dim"] for r in records if r.get("kl_per_dim") is not None]
        if kl:
            self.heatmap.set_values(np.asarray(kl, dtype=np.float32))

    def show_history(self, history: list[dict]) -> None:
        """Curves of a finished run (from a checkpoint's metadata): per-epoch points."""
        self._clear_series()
        self.history = list(history)
        if not history:
            return
        steps = [r.get("step", r["epoch"]) for r in history]
        for key, name in (("train_recon", "recon"), ("train_kl", "kl"), ("train_loss", "loss")):
            self.loss_plot.set_curve(name, steps, [r.get(key, np.nan) for r in history], symbol="o")
        self.weight_plot.set_curve("β(t)", steps, [r.get("beta", np.nan) for r in history], symbol="o")
        capacity = [np.nan if r.get("capacity") is None else r["capacity"] for r in history]
        if uses_capacity(capacity):
            self.weight_plot.set_curve("C(t)", steps, capacity, symbol="o")
        self._draw_history()

    def _on_model_changed(self) -> None:
        # Opening this panel's own result keeps the live per-step curves; any other checkpoint shows its history.
        if self.is_running or self._opening_own_result:
            return
        self.show_history(self.session.explorer.checkpoint.history)

    # Run control
    @property
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start(self) -> None:
        if self.is_running:
            return
        folder = runs_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.out_path = str(folder / f"{self.model_kind.currentText()}-{self.dataset.currentText().strip()}-"
                                     f"{stamp}.safetensors".replace(":", "_").replace("/", "_"))
        self.start_spec(self.build_spec(out=self.out_path))

    def start_spec(self, spec) -> None:
        """Train ``spec`` in a worker thread."""
        self.out_path = spec.out or ""
        self._clear_series()
        self.worker = TrainingWorker(spec, want_epoch_checkpoints=self.refresh_each_epoch.isChecked(), parent=self)
        self.worker.prepared.connect(self._on_prepared)
        self.worker.steps.connect(self.on_steps)
        self.worker.epoch_done.connect(self.on_epoch)
        self.worker.epoch_checkpoint.connect(self.epoch_checkpoint)
        self.worker.finished_run.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._on_thread_finished)
        self.refresh_each_epoch.toggled.connect(self.worker.set_want_epoch_checkpoints)
        self.progress.setValue(0)
        self.progress_label.setText("loading data and building the model…")
        self._set_running(True)
        self.worker.start()

    def _on_prepared(self) -> None:
        self.progress_label.setText("training…")

    def _on_pause_toggled(self, paused: bool) -> None:
        if self.worker is None:
            return
        if paused:
            self.worker.pause()
            self.pause_button.setText("Resume")
        else:
            self.worker.resume()
            self.pause_button.setText("Pause")

    def stop(self) -> None:
        if self.worker is not None:
            self.progress_label.setText("stopping: finishing the step and saving…")
            self.worker.resume()
            self.worker.request_stop()

    def stop_and_wait(self) -> None:
        """Stop the run and join its thread (closing the window); the checkpoint is saved to the run's file."""
        if self.worker is not None:
            self.stop()
            self.worker.wait()

    def _on_finished(self, checkpoint) -> None:
        self.progress_label.setText(f"done: saved to {self.out_path}" if self.out_path else "done")
        self._opening_own_result = True
        try:
            self.run_finished.emit(checkpoint, self.out_path)
        finally:
            self._opening_own_result = False

    def _on_failed(self, message: str) -> None:
        self.progress_label.setText("training failed")
        self.run_failed.emit(message)

    def _on_thread_finished(self) -> None:
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        for widget in (self.start_button, *[self.form.itemAt(i).widget() for i in range(self.form.count())]):
            if widget is not None and widget is not self.refresh_each_epoch:
                widget.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)
