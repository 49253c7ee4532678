"""One long-lived child process that fits maps (``explorer.analysis.projection.project``) for the process that
started it: the app, or a training run whose final snapshot carries a UMAP map.

Started early (at the app's launch, at a run's start), it imports umap-learn and loads its compiled code while the
parent does other work, so a fit costs only the fit; numba compiles in it once per machine (the cache) and UMAP
is imported once per launch, not once per fit. A fit in another process also leaves the parent's GIL alone: the
app's window stays responsive and training keeps its pace. The child runs at a lower priority, with one thread.

The two processes exchange pickles over the child's stdin and stdout: both ends are this module, started by this
module (nothing read from a file is ever unpickled). A fit is answered with progress messages and then its
Projection or its error; fits run one at a time, and a fit the parent stopped waiting for runs to its end with its
result dropped, so a newer request never has to restart the worker (and import UMAP again). The child ends when
its stdin closes: when the parent closes it, exits or dies.

    python -m explorer.analysis.projection_worker   (started by ProjectionWorker, never by hand)
"""
from __future__ import annotations

import atexit
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from explorer.errors import ExplorerError

POLL_S = 0.05
SINGLE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                        "NUMBA_NUM_THREADS")}


class ProjectionWorkerError(ExplorerError):
    """The worker process could not be started or stopped during a fit."""


class ProjectionWorker:
    """The parent's side: ``start()`` (returns at once; the child warms up), ``fit(...)`` (blocks until the map is
    ready, reporting progress; safe to call from one thread at a time) and ``close()``."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._messages: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._running: int | None = None  # the request the child is working on
        self._next_id = 0
        self.warm_up_seconds: float | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def ready(self) -> bool:
        """The child has imported UMAP and loaded its compiled code."""
        return self.alive and self._ready.is_set()

    def start(self) -> None:
        """Start the child (if it is not running) and let it warm up in the background."""
        if self.alive:
            return
        import explorer

        env = dict(os.environ, **SINGLE_THREAD)
        root = str(Path(explorer.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        try:
            self._process = subprocess.Popen([sys.executable, "-m", _MODULE],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        except OSError as exc:
            raise ProjectionWorkerError(f"cannot start the map worker process: {exc}") from None
        self._messages, self._running = queue.Queue(), None
        self._ready.clear()
        threading.Thread(target=self._read, args=(self._process, self._messages), daemon=True,
                         name="map worker reader").start()

    def fit(self, points, method: str, seed: int = 0, progress: Callable[[float, str], None] | None = None,
            check: Callable[[], None] | None = None):
        """The Projection of ``points`` by ``method``, fitted in the child. ``progress(fraction, text)`` hears
        how far it is; ``check()`` is called while waiting and may raise to stop waiting (the child finishes that
        fit and drops it)."""
        report = progress or (lambda fraction, text: None)
        with self._lock:
            self.start()
            if not self._ready.is_set():
                report(0.0, "starting the map worker")
            self._wait_idle(check)
            self._next_id += 1
            request = self._next_id
            self._send(("fit", request, np.ascontiguousarray(points, dtype=np.float32), method, int(seed)))
            self._running = request
            while True:
                message = self._next_message(check)
                if message[0] == "progress" and message[1] == request:
                    report(message[2], message[3])
                elif message[0] in ("done", "failed") and message[1] == request:
                    self._running = None
                    if message[0] == "failed":
                        raise message[2]
                    return message[2]

    def close(self) -> None:
        """End the child: close its stdin (it exits after the fit under way) and kill it if it lingers."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # Inside
    def _send(self, message) -> None:
        try:
            pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._process.stdin.flush()
        except (OSError, ValueError) as exc:
            raise ProjectionWorkerError(f"the map worker process stopped ({exc})") from None

    def _wait_idle(self, check) -> None:
        """Wait for a fit the parent stopped waiting for to end (its result is dropped)."""
        while self._running is not None:
            message = self._next_message(check)
            if message[0] in ("done", "failed") and message[1] == self._running:
                self._running = None

    def _next_message(self, check):
        while True:
            if check is not None:
                check()
            try:
                message = self._messages.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if message[0] == "ready":
                self.warm_up_seconds = message[1]
                self._ready.set()
            elif message[0] == "exit":
                self._process = None
                raise ProjectionWorkerError(f"the map worker process stopped unexpectedly (exit status "
                                            f"{message[1]})")
            else:
                return message

    def _read(self, process: subprocess.Popen, messages: queue.Queue) -> None:
        """The reader thread: every message of the child, in order, then ("exit", status)."""
        try:
            while True:
                messages.put(pickle.load(process.stdout))
        except (EOFError, OSError, pickle.UnpicklingError):
            pass
        messages.put(("exit", process.wait()))


_MODULE = "explorer.analysis.projection_worker"
_shared: ProjectionWorker | None = None


def shared_worker() -> ProjectionWorker:
    """This process's one worker (started by the first caller, closed at exit)."""
    global _shared
    if _shared is None:
        _shared = ProjectionWorker()
        atexit.register(_shared.close)
    return _shared


# The child
def _serve(inbox, outbox) -> None:
    from explorer.analysis.projection import project

    def send(message) -> None:
        pickle.dump(message, outbox, protocol=pickle.HIGHEST_PROTOCOL)
        outbox.flush()

    start = time.perf_counter()
    _warm_up(project)
    send(("ready", time.perf_counter() - start))
    while True:
        try:
            _, request, points, method, seed = pickle.load(inbox)
        except EOFError:
            return
        try:
            result = project(points, method, seed,
                             progress=lambda fraction, text, request=request: send(("progress", request, fraction,
                                                                                     text)))
        except Exception as error:  # noqa: BLE001 - every failure goes back to the parent, the worker lives on
            send(("failed", request, _picklable(error)))
        else:
            send(("done", request, result))


def _warm_up(project) -> None:
    """Import UMAP and run a tiny fit: loads (or, on a cold cache, compiles) every function a fit uses."""
    points = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    project(points, "umap")


def _picklable(error: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - an exception type that does not pickle is sent as its message
        return ProjectionWorkerError(f"{type(error).__name__}: {error}")


def main() -> None:
    from explorer.priority import MAP_WORKER_NICE, lower_priority

    lower_priority(MAP_WORKER_NICE)
    inbox = sys.stdin.buffer
    outbox = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # a stray print cannot corrupt the channel
    _serve(inbox, outbox)


if __name__ == "__main__":
    main()
