"""The QThread that runs a training run in the app. It never touches widgets; it emits signals that the GUI
thread's QObjects receive (queued, since the receivers live in the GUI thread). Other background work goes through
explorer.gui.concurrent."""
from __future__ import annotations

import copy
import time
import traceback

from PySide6.QtCore import QThread, Signal

from explorer.errors import ExplorerError

STEP_BATCH_SECONDS = 0.2  # step events reach the GUI in batches, 5 a second: each redraw takes the GIL from training


def _describe_failure(error: BaseException) -> str:
    if isinstance(error, ExplorerError):
        return str(error)
    return f"unexpected error: {error!r}\n\n{traceback.format_exc()}"


class TrainingWorker(QThread):
    """Runs ``TrainingRun(spec).prepare()`` then ``.execute()``; stop, pause and resume may be called any time."""

    steps = Signal(object)  # list of StepEvent since the last batch
    epoch_done = Signal(object)  # EpochEvent
    epoch_checkpoint = Signal(object)  # a Checkpoint of a copy of the model after an epoch (when wanted)
    prepared = Signal()
    finished_run = Signal(object)  # the Checkpoint (also when stopped)
    failed = Signal(str)

    def __init__(self, spec, want_epoch_checkpoints: bool = False, parent=None):
        super().__init__(parent)
        from explorer.training.run import TrainingRun

        self.spec = spec
        self.training_run = TrainingRun(spec, on_event=self._on_event)
        self.want_epoch_checkpoints = want_epoch_checkpoints
        self._stop_requested = False
        self._pending: list = []
        self._last_flush = 0.0

    def request_stop(self) -> None:
        self._stop_requested = True
        self.training_run.request_stop()

    def set_want_epoch_checkpoints(self, wanted: bool) -> None:
        self.want_epoch_checkpoints = wanted

    def pause(self) -> None:
        self.training_run.pause()

    def resume(self) -> None:
        self.training_run.resume()

    def run(self) -> None:
        try:
            self.training_run.prepare()
            if self._stop_requested:  # a stop that came while the data was loading
                self.training_run.request_stop()
            self.prepared.emit()
            checkpoint = self.training_run.execute()
        except Exception as error:  # noqa: BLE001 - every failure must reach the GUI, not kill the thread
            self._flush()
            self.failed.emit(_describe_failure(error))
            return
        self._flush()
        self.finished_run.emit(checkpoint)

    def _on_event(self, event) -> None:
        from explorer.training.trainer import EpochEvent

        if isinstance(event, EpochEvent):
            self._flush()
            self.epoch_done.emit(event)
            if self.want_epoch_checkpoints and event.epoch < event.epochs and not self._stop_requested:
                self.epoch_checkpoint.emit(self._copy_checkpoint())
            return
        self._pending.append(event)
        now = time.perf_counter()
        if now - self._last_flush >= STEP_BATCH_SECONDS:
            self._flush()

    def _copy_checkpoint(self):
        """The model as it is now, copied so the GUI can decode with it while training goes on."""
        from explorer.io.checkpoint import Checkpoint
        from explorer.training.run import build_preview, run_label

        run = self.training_run
        model = copy.deepcopy(run.model).eval()
        meta = {"label": run_label(model.kind, run.spec.train.objective), "dataset": run.dataset.describe(),
                "train_config": run.spec.train.to_dict(), "history": list(run.trainer.history), "metrics": {},
                "model_config": model.config}
        return Checkpoint(model=model, meta=meta, preview=build_preview(model, run.dataset.test),
                          optimizer_state=None)

    def _flush(self) -> None:
        if self._pending:
            self._last_flush = time.perf_counter()
            batch, self._pending = self._pending, []
            self.steps.emit(batch)
