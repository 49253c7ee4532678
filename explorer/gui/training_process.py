"""Training runs outside the app's process: ``TrainingProcess`` starts the same ``train`` command a user would type,
as a child (QProcess), reads its events from its stdout and steers it through its stdin; ``RunWatcher`` follows a
run folder that any process writes (a run started from a terminal, or synced from a GPU server). Both emit the same
signals, so the Training tab draws either the same way. The GUI process never runs a training step."""
from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from explorer.errors import ExplorerError
from explorer.gui.concurrent import TaskRunner, WorkerThread
from explorer.training.events import EndEvent, events_from_json

STDERR_TAIL_BYTES = 16_384
WATCH_INTERVAL_MS = 250


def train_command(spec) -> list[str]:
    """The child's arguments: ``python -m explorer train <the spec's flags> --run-dir ... --control stdin
    --events stdout --low-priority``."""
    from explorer.training.options import to_cli_args

    args = ["-m", "explorer", "train", *to_cli_args(spec.options)]
    for flag, value in (("--out", spec.out), ("--run-dir", spec.run_dir), ("--resume", spec.resume)):
        if value:
            args += [flag, str(value)]
    return args + ["--control", "stdin", "--events", "stdout", "--low-priority"]


class TrainingProcess(QObject):
    """One training child. ``events`` carries lists of parsed events; ``ended`` (status, message) comes once, when
    the child has exited: status is the run's own ("finished", "stopped", "failed") or "crashed" when it died
    without saying why (a segfault, the out-of-memory killer), the message then being the tail of its stderr."""

    events = Signal(object)
    ended = Signal(str, str)

    def __init__(self, spec, parent=None, environment: dict | None = None):
        super().__init__(parent)
        self.spec = spec
        self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        root = str(Path(__file__).resolve().parents[2])
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        for key, value in (environment or {}).items():
            env.insert(key, value)
        self.process.setProcessEnvironment(env)
        self.process.setProgram(sys.executable)
        self.process.setArguments(train_command(spec))
        self.process.setWorkingDirectory(root)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._on_finished)
        self.process.errorOccurred.connect(self._on_error)
        self._stdout = b""
        self._stderr = collections.deque(maxlen=64)
        self._stderr_size = 0
        self._end: EndEvent | None = None
        self._reported = False

    def start(self) -> None:
        self.process.start()

    @property
    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def send(self, command: str) -> None:
        """pause, resume or stop."""
        if self.running:
            self.process.write(f"{command}\n".encode())

    def stop(self) -> None:
        self.send("stop")

    def wait(self, timeout_ms: int = 120_000) -> bool:
        """Block until the child exits (closing the window: it has been asked to stop and is saving)."""
        if not self.running:
            return True
        finished = self.process.waitForFinished(timeout_ms)
        if not finished:
            self.process.kill()
            self.process.waitForFinished(5_000)
        return finished

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")[-STDERR_TAIL_BYTES:]

    def _read_stdout(self) -> None:
        data = self._stdout + bytes(self.process.readAllStandardOutput())
        *lines, self._stdout = data.split(b"\n")
        events = []
        for line in lines:
            if not line.strip():
                continue
            try:
                events += events_from_json(line.decode("utf-8", "replace"))
            except ExplorerError:
                self._stderr.append(line + b"\n")  # something printed on stdout: keep it for a crash report
        for event in events:
            if isinstance(event, EndEvent):
                self._end = event
        if events:
            self.events.emit(events)

    def _read_stderr(self) -> None:
        self._stderr.append(bytes(self.process.readAllStandardError()))

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._report("crashed", f"could not start {sys.executable}: {self.process.errorString()}")

    def _on_finished(self, exit_code: int, exit_status) -> None:
        self._read_stdout()
        self._read_stderr()
        if self._end is not None and self._end.status in ("finished", "stopped"):
            self._report(self._end.status, self._end.message)
        elif self._end is not None:
            self._report("failed", self._end.message or self.stderr_tail())
        else:
            how = ("crashed" if exit_status == QProcess.ExitStatus.CrashExit
                   else f"exited with code {exit_code}")
            self._report("crashed", f"the training process {how} without finishing.\n\n{self.stderr_tail()}")

    def _report(self, status: str, message: str) -> None:
        if not self._reported:
            self._reported = True
            self.ended.emit(status, message)


class RunWatcher(QObject):
    """Follows a run folder as it grows: every quarter second a poll on the watcher's own worker thread (a folder
    on sshfs or NFS may block; a FIFO in it is refused, never opened) reads its new events. ``events`` carries
    them, ``checkpoint`` the checkpoint run.json names (a file inside the folder), ``ended`` comes when run.json
    says the run finished, stopped or failed, ``silent`` (once) when a running run has gone quiet or its process
    is gone, ``refused`` when the folder is not (or no longer) a run that can be read, saying why."""

    events = Signal(object)
    checkpoint = Signal(str)
    ended = Signal(str, str)
    silent = Signal(str)
    refused = Signal(str)

    def __init__(self, folder, parent=None):
        super().__init__(parent)
        from explorer.training.run_watch import RunFollower

        self.folder = Path(folder)
        self.follower = RunFollower(self.folder)
        self.worker = WorkerThread("run-watcher", self)
        self.task = TaskRunner(self.worker, self._on_poll, on_failed=self._on_failed, parent=self)
        self.timer = QTimer(self)
        self.timer.setInterval(WATCH_INTERVAL_MS)
        self.timer.timeout.connect(self.poll)
        self._said_silent = False
        self._checkpoint = None

    def start(self) -> None:
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        self.timer.stop()
        self.worker.stop()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def poll(self) -> None:
        if not self.task.busy:  # a poll still blocked on a slow folder is not queued behind
            self.task.start(self.follower.poll)

    def _on_poll(self, found) -> None:
        if not self.timer.isActive():
            return
        if found.events:
            self._said_silent = False
            self.events.emit(found.events)
        if found.info.checkpoint is not None and found.info.checkpoint != self._checkpoint:
            self._checkpoint = found.info.checkpoint
            self.checkpoint.emit(str(found.info.checkpoint))
        if found.info.ended:
            self.stop()
            self.ended.emit(found.info.status, str(found.info.info.get("message", "")))
        elif found.silence and not self._said_silent:
            self._said_silent = True
            self.silent.emit(found.silence)

    def _on_failed(self, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        if self.timer.isActive():
            self.stop()
            self.refused.emit(str(error))
