"""One idiom for work off the GUI thread, after Orange3's ConcurrentWidgetMixin.

A panel owns one TaskRunner per kind of result it shows. ``runner.start(fn, *args)`` runs the plain function
``fn(*args, state)`` on a long-lived WorkerThread and supersedes the runner's previous task: a task that has not
started is skipped, a running one sees ``state.is_interruption_requested()`` (or ``state.check()`` raises), and only
the newest task's results reach the panel. ``state`` (a TaskState) also carries progress and partial results (a
grid of sentences row by row). Everything reaches the panel on the GUI thread, through the runner's own signals
queued across threads and received by the runner's own methods, which call the panel's handlers.

Several runners share one WorkerThread and its tasks run one after another in the order they were started: one
thread for model work keeps decodes off the GUI thread without making them compete for the two CPU cores.
"""
from __future__ import annotations

import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

PARTIAL_INTERVAL_S = 0.05  # partial results reach the GUI at most 20 times a second (the final result always)


class Interrupted(Exception):
    """Raised by ``TaskState.check()`` in a task that was superseded or stopped."""


class TaskState:
    """What a running task sees: it reports progress and partial results and asks whether to stop."""

    def __init__(self, runner: TaskRunner, task_id: int):
        self._runner = runner
        self.task_id = task_id
        self._interrupted = threading.Event()
        self._last_partial = time.monotonic()

    def request_interruption(self) -> None:
        self._interrupted.set()

    def is_interruption_requested(self) -> bool:
        return self._interrupted.is_set()

    def check(self) -> None:
        """Stop here (raise Interrupted) if a newer task has replaced this one."""
        if self._interrupted.is_set():
            raise Interrupted

    def set_progress(self, fraction: float, text: str = "") -> None:
        """How far the task is, 0..1, with a short note of what it is doing."""
        self._runner._progress.emit(self.task_id, float(fraction), text)

    def set_partial_result(self, value: Any, force: bool = False) -> None:
        """A result so far; sent to the GUI unless one went less than PARTIAL_INTERVAL_S ago (``force`` sends it
        anyway). Pass a new object each time: the GUI may read it after the task has moved on."""
        now = time.monotonic()
        if force or now - self._last_partial >= PARTIAL_INTERVAL_S:
            self._last_partial = now
            self._runner._partial.emit(self.task_id, value)


class _Job:
    __slots__ = ("state", "fn", "args")

    def __init__(self, state: TaskState, fn: Callable, args: tuple):
        self.state, self.fn, self.args = state, fn, args

    def run(self) -> None:
        state, runner = self.state, self.state._runner
        if state.is_interruption_requested():
            return
        try:
            result = self.fn(*self.args, state)
        except Interrupted:
            return
        except Exception as error:  # noqa: BLE001 - every failure reaches the GUI thread, never kills the worker
            runner._failed.emit(state.task_id, error)
            return
        runner._done.emit(state.task_id, result)


class WorkerThread(QThread):
    """A long-lived thread that runs the tasks of its runners one after another, in the order they were started."""

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(name)
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._runners: weakref.WeakSet[TaskRunner] = weakref.WeakSet()
        self._stopped = False

    def submit(self, job: _Job) -> None:
        if self._stopped:
            return
        if not self.isRunning():
            self.start()
        self._jobs.put(job)

    def run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job.run()

    def stop(self) -> None:
        """Interrupt every task, let the running one return, and end the thread (waits for it)."""
        self._stopped = True
        for runner in list(self._runners):
            runner.cancel()
        self._jobs.put(None)
        self.quit()
        self.wait()

    @property
    def busy(self) -> bool:
        """Whether any runner of this thread still waits for a result."""
        return any(runner.busy for runner in list(self._runners))


class TaskRunner(QObject):
    """Starts tasks on a WorkerThread for one view; the newest task wins. Handlers run on the GUI thread:
    ``on_done(result)``, ``on_partial(value)``, ``on_failed(error)`` (default: the app's excepthook, which shows
    an ExplorerError in a dialog) and ``on_progress(fraction, text)``."""

    _progress = Signal(int, float, str)
    _partial = Signal(int, object)
    _done = Signal(int, object)
    _failed = Signal(int, object)

    def __init__(self, worker: WorkerThread, on_done: Callable[[Any], None],
                 on_partial: Callable[[Any], None] | None = None,
                 on_failed: Callable[[BaseException], None] | None = None,
                 on_progress: Callable[[float, str], None] | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.on_done, self.on_partial, self.on_failed, self.on_progress = on_done, on_partial, on_failed, on_progress
        self._next_id = 0
        self._state: TaskState | None = None
        worker._runners.add(self)
        self._progress.connect(self._on_progress)
        self._partial.connect(self._on_partial)
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)

    def start(self, fn: Callable, *args) -> TaskState:
        """Run ``fn(*args, state)`` on the worker in place of the previous task."""
        self.cancel()
        self._next_id += 1
        self._state = TaskState(self, self._next_id)
        self.worker.submit(_Job(self._state, fn, args))
        return self._state

    def cancel(self) -> None:
        """Drop the current task: it is skipped if it has not started, asked to stop if it has."""
        if self._state is not None:
            self._state.request_interruption()
            self._state = None

    @property
    def busy(self) -> bool:
        return self._state is not None

    def _is_current(self, task_id: int) -> bool:
        return self._state is not None and self._state.task_id == task_id

    def _on_progress(self, task_id: int, fraction: float, text: str) -> None:
        if self._is_current(task_id) and self.on_progress is not None:
            self.on_progress(fraction, text)

    def _on_partial(self, task_id: int, value) -> None:
        if self._is_current(task_id) and self.on_partial is not None:
            self.on_partial(value)

    def _on_done(self, task_id: int, result) -> None:
        if self._is_current(task_id):
            self._state = None
            self.on_done(result)

    def _on_failed(self, task_id: int, error: BaseException) -> None:
        if not self._is_current(task_id):
            return
        self._state = None
        if self.on_failed is not None:
            self.on_failed(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)
