"""The one background-work idiom: the newest task wins, superseded tasks are skipped or interrupted, partial
results and progress arrive on the GUI thread before the result, failures reach a handler, threads end on stop."""
import threading

import pytest
from PySide6.QtCore import QObject, QThread

from explorer.errors import ConfigError
from explorer.gui.concurrent import TaskRunner, WorkerThread


class Recorder(QObject):
    """Receives a runner's results and notes on which thread each arrived."""

    def __init__(self):
        super().__init__()
        self.done, self.partial, self.failed, self.progress, self.threads = [], [], [], [], set()

    def on_done(self, value):
        self.threads.add(QThread.currentThread())
        self.done.append(value)

    def on_partial(self, value):
        self.threads.add(QThread.currentThread())
        self.partial.append(value)

    def on_failed(self, error):
        self.failed.append(error)

    def on_progress(self, fraction, text):
        self.progress.append((fraction, text))


@pytest.fixture
def worker():
    thread = WorkerThread("test work")
    yield thread
    thread.stop()


@pytest.fixture
def recorder():
    return Recorder()


def runner_for(worker, recorder):
    return TaskRunner(worker, recorder.on_done, recorder.on_partial, recorder.on_failed, recorder.on_progress)


def wait_for(gate: threading.Event, value, state):
    assert gate.wait(10)
    return value


def square(value, state):
    return value * value


def test_the_newest_task_wins_and_an_unstarted_one_is_skipped(qtbot, worker, recorder):
    runner = runner_for(worker, recorder)
    gate, ran = threading.Event(), []

    def note(value, state):
        ran.append(value)
        return value

    runner.start(wait_for, gate, "first")
    runner.start(note, "skipped")  # supersedes the first, then is superseded before it starts
    runner.start(note, "newest")
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy)
    assert recorder.done == ["newest"] and ran == ["newest"]
    assert recorder.threads == {QThread.currentThread()}  # handlers run on the GUI thread


def test_a_running_task_sees_it_was_superseded(qtbot, worker, recorder):
    runner = runner_for(worker, recorder)
    started, saw_interruption = threading.Event(), threading.Event()

    def loop(state):
        started.set()
        for _ in range(1000):
            if state.is_interruption_requested():
                saw_interruption.set()
                return "stopped early"
            threading.Event().wait(0.01)
        return "ran to the end"

    runner.start(loop)
    assert started.wait(10)
    runner.start(square, 3)
    qtbot.waitUntil(lambda: not runner.busy)
    assert saw_interruption.is_set() and recorder.done == [9]


def test_partial_results_and_progress_arrive_before_the_result(qtbot, worker, recorder):
    runner = runner_for(worker, recorder)

    def rows(state):
        done = []
        for row in range(3):
            done = done + [row]
            state.set_progress((row + 1) / 3, f"row {row}")
            state.set_partial_result(done, force=True)
        return done

    runner.start(rows)
    qtbot.waitUntil(lambda: not runner.busy)
    assert recorder.partial == [[0], [0, 1], [0, 1, 2]] and recorder.done == [[0, 1, 2]]
    assert recorder.progress[-1] == (1.0, "row 2")


def test_a_failure_reaches_the_failure_handler(qtbot, worker, recorder):
    runner = runner_for(worker, recorder)

    def fail(state):
        raise ConfigError("no such class")

    runner.start(fail)
    qtbot.waitUntil(lambda: not runner.busy)
    assert recorder.done == [] and isinstance(recorder.failed[0], ConfigError)
    runner.start(square, 4)  # the worker lives on after a failure
    qtbot.waitUntil(lambda: not runner.busy)
    assert recorder.done == [16]


def test_without_a_handler_a_failure_goes_to_the_excepthook(qtbot, worker, monkeypatch):
    seen = []
    monkeypatch.setattr("sys.excepthook", lambda kind, error, trace: seen.append(error))
    runner = TaskRunner(worker, Recorder().on_done)

    def fail(state):
        raise ConfigError("bad setting")

    runner.start(fail)
    qtbot.waitUntil(lambda: not runner.busy)
    assert isinstance(seen[0], ConfigError)


def test_runners_on_one_thread_keep_their_own_newest_task(qtbot, worker):
    first, second = Recorder(), Recorder()
    a, b = runner_for(worker, first), runner_for(worker, second)
    a.start(square, 2)
    b.start(square, 5)
    qtbot.waitUntil(lambda: not worker.busy)
    assert first.done == [4] and second.done == [25]


def test_stop_interrupts_the_running_task_and_ends_the_thread(qtbot, recorder):
    worker = WorkerThread("stopped work")
    runner = runner_for(worker, recorder)
    started = threading.Event()

    def endless(state):
        started.set()
        while not state.is_interruption_requested():
            threading.Event().wait(0.01)
        return "interrupted"

    runner.start(endless)
    assert started.wait(10)
    worker.stop()
    assert worker.isFinished() and not runner.busy
    runner.start(square, 2)  # a stopped worker takes no more work
    assert not worker.isRunning()
