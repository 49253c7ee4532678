"""GUI tests run offscreen, with settings and data folders in a temporary place, and fail any test that leaves
a QThread running (after napari's dangling_qthreads)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported anywhere

import gc  # noqa: E402
import traceback  # noqa: E402
from weakref import WeakKeyDictionary  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QThread  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch, qapp):
    """Never read or write the user's settings or data folders."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from explorer.gui.widgets.style import configure_pyqtgraph

    configure_pyqtgraph()
    yield


@pytest.fixture(autouse=True)
def collect_garbage_after_each_test(qapp):
    """Delete each test's Qt objects and collect its Python garbage right after it, at one known point: a cyclic
    collection that runs later, in the middle of building another window, has crashed in pyqtgraph."""
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qapp.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def dangling_qthreads(monkeypatch, qtbot):
    """Fail a test that leaves a QThread running (it would abort the process when collected)."""
    started = WeakKeyDictionary()
    base_start = QThread.start

    def start_and_remember(self, *args):
        started[self] = "".join(traceback.format_stack(limit=8))
        base_start(self, *args)

    monkeypatch.setattr(QThread, "start", start_and_remember)
    yield
    running = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                running.append(where)
                thread.quit()
                thread.wait(10_000)
        except RuntimeError:  # the C++ object is already gone
            pass
    if running:
        pytest.fail("QThread(s) still running after the test, started at:\n" + "\n---\n".join(running))


def train_tiny(out, model="vae", epochs=1):
    """A real one-epoch digits model saved to ``out`` (a couple of seconds on a CPU core)."""
    from explorer.training.run import RunSpec, TrainingRun

    spec = RunSpec.create(model=model, dataset="digits", latent_dim=4, out=str(out), epochs=epochs, batch_size=64,
                          device="cpu")
    TrainingRun(spec).execute()
    return str(out)


def settle(qtbot, window, timeout: int = 20_000) -> None:
    """Wait until every panel has its results: decodes and encodes run in the window's worker threads."""
    qtbot.waitUntil(lambda: not window.session.busy, timeout=timeout)


def show_tab(qtbot, window, panel) -> None:
    """Bring a tool tab to the front, as a user does (hidden tabs refresh when shown), and wait for its results."""
    window.tabs_dock.show()
    window.tabs.setCurrentWidget(panel)
    settle(qtbot, window)


@pytest.fixture(scope="session")
def vae_path(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("models") / "vae.safetensors")


@pytest.fixture(scope="session")
def cvae_path(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("models") / "cvae.safetensors", model="cvae")


class RecordingPrompts:
    """Answers the window's questions without a modal dialog and records what it was told."""

    def __init__(self):
        self.errors: list[tuple[str, str]] = []
        self.confirm_answer = True
        self.confirmations: list[str] = []
        self.next_path: str | None = None
        self.next_text: str | None = None
        self.save_requests: list[tuple[str, str, str]] = []  # (caption, default path, filters) asked for
        self.next_paths: list[str] = []  # what a multiple-file open dialog answers

    def error(self, title, text):
        self.errors.append((title, text))

    def confirm(self, title, text):
        self.confirmations.append(title)
        return self.confirm_answer

    def ask_text(self, title, label):
        return self.next_text

    def save_path(self, caption, default_path, filters):
        self.save_requests.append((caption, default_path, filters))
        return self.next_path

    def open_path(self, caption, folder, filters):
        return self.next_path

    def open_folder(self, caption, folder):
        return self.next_path

    def open_paths(self, caption, folder, filters):
        return list(self.next_paths)


@pytest.fixture
def prompts():
    return RecordingPrompts()


@pytest.fixture
def window(qtbot, prompts):
    from explorer.gui.main_window import MainWindow

    main_window = MainWindow(prompts=prompts)
    qtbot.addWidget(main_window)
    main_window.resize(1200, 800)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.training.stop_and_wait()
    main_window.session.stop()


@pytest.fixture
def vae_window(window, vae_path, qtbot):
    assert window.open_checkpoint(vae_path)
    settle(qtbot, window)
    return window
