"""Where a training run's events go on the command line: the run folder's events.jsonl, JSON lines for the app, or
a progress bar and one line per epoch for a person."""
from __future__ import annotations

import os
import sys
import threading
import time


class EventSink:
    """Where a run's events go: the run folder's events.jsonl (rank 0), JSON lines on stdout (for the app), or a
    progress bar and one line per epoch (for a person). Step events are written in batches, a few a second."""

    BATCH_SECONDS = 0.25

    def __init__(self, folder=None, json_lines: bool = False, human: bool = True):
        self.folder, self.json_lines = folder, json_lines
        self.progress = EpochProgress() if human and not json_lines else None
        self._steps: list = []
        self._last_flush = 0.0
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        from explorer.training.events import StepEvent, event_to_json

        with self._lock:
            if self.progress is not None:
                self.progress(event)
            if isinstance(event, StepEvent):
                self._steps.append(event)
                if time.monotonic() - self._last_flush >= self.BATCH_SECONDS:
                    self._flush()
                return
            self._flush()
            self._write(event_to_json(event))

    def _flush(self) -> None:
        from explorer.training.events import events_to_json

        self._last_flush = time.monotonic()
        if self._steps:
            line, self._steps = events_to_json(self._steps), []
            self._write(line)

    def _write(self, line: str) -> None:
        if self.folder is not None:
            self.folder.append(line)
        if self.json_lines:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def close(self) -> None:
        with self._lock:
            self._flush()
        if self.progress is not None:
            self.progress.close()


def bar_wanted() -> bool:
    """A progress bar within the epoch for a person at a terminal: not when the output goes to a file or a pipe,
    nor in CI (whose logs keep every redraw)."""
    return not os.environ.get("CI") and sys.stdout.isatty() and sys.stderr.isatty()


class EpochProgress:
    """A tqdm bar over each epoch's steps on stderr (only on a terminal, and not in CI), and one line per epoch on
    stdout."""

    def __init__(self):
        self._bar = None

    def __call__(self, event) -> None:
        from explorer.training.events import EpochEvent, StartEvent, StepEvent

        if isinstance(event, StartEvent):
            print(f"training {event.label} ({event.latent_dim} latent dims) on {event.dataset}: {event.train_size} "
                  f"train / {event.test_size} test, device {event.device}"
                  + (f", {event.world_size} ranks" if event.world_size > 1 else ""), flush=True)
        elif isinstance(event, StepEvent):
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=event.steps_per_epoch, desc=f"epoch {event.epoch}", leave=False,
                                 unit="step", file=sys.stderr, disable=not bar_wanted())
            self._bar.n = event.step
            self._bar.set_postfix({name: f"{value:.2f}" for name, value in event.scalars.items()
                                   if value is not None} | {"ex/s": f"{event.examples_per_s:.0f}"}, refresh=False)
            self._bar.refresh()
        elif isinstance(event, EpochEvent):
            self.close()
            r = event.record
            print(f"epoch {r['epoch']:3d}/{event.epochs}  train loss {r['train_loss']:8.2f}  "
                  f"test -ELBO {r['test_elbo']:8.2f}  recon {r['test_recon']:8.2f}  KL {r['test_kl']:6.2f}  "
                  f"AU {r['active_units']}  {r['seconds']:.1f}s", flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
