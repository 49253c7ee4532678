"""The Training tab's Sweep box: the form's settings trained for each value of one numeric setting and several
seeds, through the same ``train --sweep`` command a user would type, run as a child process (QProcess) whose trials
are its own children. It names the first trial's folder once it exists (the tab follows it), shows the sweep's
progress lines, and says when the sweep has ended."""
from __future__ import annotations

import collections
import os
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox

from explorer.io.display import printable

POLL_MS = 500
OUTPUT_LINES = 64


class SweepBox(QGroupBox):
    start_requested = Signal()  # the tab answers with start(settings, folder)
    trial_started = Signal(str)  # the first trial's run folder, once the sweep has made it
    finished = Signal(str, str, str)  # the sweep's folder, its status (finished, stopped, failed), a message

    def __init__(self, parent=None):
        super().__init__("Sweep", parent)
        from explorer.training.sweep import MAX_JOBS, MAX_SEEDS

        self.setToolTip("Train these settings once for each value of one setting and each seed, one run folder a "
                        "trial (train --sweep); File > Watch a Run… follows any trial, Compare shows the sweep.")
        self.option = QComboBox()
        self.option.setToolTip("The numeric setting to sweep.")
        self.values = QLineEdit()
        self.values.setPlaceholderText("1,2,4,8,16")
        self.values.setToolTip("The setting's values, separated by commas (each checked against its bounds).")
        self.seeds = QSpinBox()
        self.seeds.setRange(1, MAX_SEEDS)
        self.seeds.setValue(2)
        self.seeds.setToolTip("Seeds per value, counting up from the form's seed.")
        self.jobs = QSpinBox()
        self.jobs.setRange(1, MAX_JOBS)
        self.jobs.setValue(max(1, min(4, (os.cpu_count() or 2) // 2)))
        self.jobs.setToolTip("Trials trained at once, each a process of its own.")
        self.start_button = QPushButton("Start sweep")
        self.stop_button = QPushButton("Stop sweep")
        self.stop_button.setToolTip("Stop the running trials (each saves its checkpoint); the same sweep started "
                                    "again resumes them.")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        form = QFormLayout(self)
        form.addRow("Setting", self.option)
        form.addRow("Values", self.values)
        form.addRow("Seeds", self.seeds)
        form.addRow("At once", self.jobs)
        form.addRow(buttons)
        form.addRow(self.status)
        self.process: QProcess | None = None
        self.folder: Path | None = None
        self.first_trial: Path | None = None
        self._output = collections.deque(maxlen=OUTPUT_LINES)
        self._partial = b""
        self._stopping = False
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self._look_for_first_trial)
        self.start_button.clicked.connect(self.start_requested)
        self.stop_button.clicked.connect(self.stop)
        self._set_running(False)

    def set_kind(self, kind: str, domain: str) -> None:
        """Offer the numeric settings that mean something for ``kind`` on ``domain`` data (the seed aside)."""
        from explorer.training.options import applicable

        kept = self.option.currentData()
        self.option.clear()
        for option in applicable(kind, domain):
            if option.type in ("int", "float") and option.name != "seed":
                self.option.addItem(option.title, option.name)
        index = self.option.findData(kept if kept is not None else "beta")
        self.option.setCurrentIndex(max(0, index))

    def sweep_text(self) -> str:
        return f"{self.option.currentData()}={self.values.text().strip()}"

    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self, settings: dict, folder: Path) -> None:
        """Start ``train --sweep`` over the form's ``settings`` in ``folder``; ExplorerError (naming the setting
        or value) before anything starts when the sweep is not valid."""
        from explorer.training.options import to_cli_args
        from explorer.training.sweep import Sweep, plan

        sweep = Sweep.create(folder, self.sweep_text(), self.seeds.value(), settings)
        sweep.check_folder()
        first = plan(sweep)[0].trial
        self.folder, self.first_trial, self._stopping = Path(folder), first.folder, False
        self._output.clear()
        process = self.process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONUNBUFFERED", "1")
        root = str(Path(__file__).resolve().parents[3])
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        process.setProcessEnvironment(env)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "explorer", "train", *to_cli_args(settings), "--sweep", self.sweep_text(),
                              "--seeds", str(self.seeds.value()), "--jobs", str(self.jobs.value()), "--run-dir",
                              str(folder), "--control", "stdin", "--low-priority"])
        process.setWorkingDirectory(root)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self.status.setText(f"Starting the sweep in {folder}…")
        self._set_running(True)
        process.start()
        self.poll_timer.start()

    def stop(self) -> None:
        if self.process is not None:
            self._stopping = True
            self.process.write(b"stop\n")
            self.status.setText("Stopping the sweep: each running trial saves…")

    def stop_and_wait(self, timeout_ms: int = 120_000) -> None:
        """Stop the sweep and wait for it (closing the window)."""
        process = self.process
        if process is None:
            return
        self.stop()
        process.closeWriteChannel()
        if not process.waitForFinished(timeout_ms):
            process.kill()
            process.waitForFinished(5_000)

    def output(self) -> str:
        return "\n".join(self._output)

    def _read_output(self) -> None:
        data = self._partial + bytes(self.process.readAllStandardOutput())
        *lines, self._partial = data.split(b"\n")
        for line in lines:
            text = printable(line.decode("utf-8", "replace").rstrip(), 500)
            if text:
                self._output.append(text)
                self.status.setText(text)

    def _look_for_first_trial(self) -> None:
        from explorer.training.run_folder import RUN_FILE

        if self.first_trial is not None and (self.first_trial / RUN_FILE).is_file():
            self.poll_timer.stop()
            self.trial_started.emit(str(self.first_trial))

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._end("failed", f"could not start {sys.executable}: {self.process.errorString()}")

    def _on_finished(self, exit_code: int, _exit_status) -> None:
        self._read_output()
        if exit_code == 0:
            self._end("finished", self.output())
        else:
            self._end("stopped" if self._stopping else "failed", self.output())

    def _end(self, status: str, message: str) -> None:
        if self.process is None:
            return
        self.process = None
        self.poll_timer.stop()
        self._set_running(False)
        self.status.setText({"finished": "Sweep finished.", "stopped": "Sweep stopped; start it again to resume.",
                             "failed": "Sweep failed."}[status])
        self.finished.emit(str(self.folder), status, message)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for widget in (self.option, self.values, self.seeds, self.jobs):
            widget.setEnabled(not running)
