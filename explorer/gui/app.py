"""Starting the app: pick what to open (the given checkpoint, else the last one used, else a shipped one from
trained/, else an empty window that says how to train one) and, with ``screenshot``, save a picture of the window
once it shows content and exit."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from explorer.errors import REFUSED_STATUS
from explorer.files import is_regular_file

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_TIMEOUT_S = 60.0


FIRST_SHIPPED = "vae-mnist5k.safetensors"  # the plain VAE is the friendliest first view


def shipped_checkpoint() -> str | None:
    found = sorted((REPO_ROOT / "trained").glob("*.safetensors"), key=lambda p: (p.name != FIRST_SHIPPED, p.name))
    return str(found[0]) if found else None


def checkpoint_to_open(argv_checkpoint: str | None) -> str | None:
    from explorer.gui import settings

    if argv_checkpoint:
        return argv_checkpoint
    last = settings.last_checkpoint()
    if last and is_regular_file(last):
        return last
    return shipped_checkpoint()


def make_application():
    from PySide6.QtWidgets import QApplication

    from explorer.gui import appearance, settings
    from explorer.gui.widgets.style import configure_pyqtgraph

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    appearance.apply(app)
    configure_pyqtgraph()
    return app


def window_has_content(window) -> bool:
    """The map has points and the inspector and traversal show decodes (or the window is empty by design; an
    embeddings file decodes nothing)."""
    if not window.session.has_points:
        return not window.loading
    if not window.session.has_model:
        return len(window.map_panel.scatter.points) > 0
    return (len(window.map_panel.scatter.points) > 0 and window.inspector.recon_view.count > 0
            and window.traversal.view.count > 0)


def wait_for_content(app, window) -> None:
    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    while not window_has_content(window) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):  # let layouts and pending paints settle
        app.processEvents()


def save_screenshot(window, out: str) -> int:
    if not window.grab().save(out, "PNG"):
        print(f"could not write the screenshot to {out}", file=sys.stderr)
        return 1
    print(out)
    return 0


def error_hook(window, previous):
    """An excepthook: a user error raised inside a slot (e.g. an invalid setting) shows a dialog; other errors
    go to ``previous`` (tracebacks)."""
    from explorer.errors import ExplorerError

    def hook(kind, error, trace):
        if isinstance(error, ExplorerError):
            window.prompts.error("Latent Explorer", str(error))
        else:
            previous(kind, error, trace)

    return hook


def run(argv_checkpoint: str | None = None, screenshot: str | None = None) -> int:
    """Open the main window; returns the process exit status."""
    if screenshot:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = make_application()
    from explorer.gui.dialogs import HeadlessPrompts
    from explorer.gui.main_window import DEFAULT_SIZE, MainWindow

    window = MainWindow(prompts=HeadlessPrompts() if screenshot else None)
    if screenshot:
        window.remember_layout = False
        window.default_layout(DEFAULT_SIZE)  # the offscreen screen is smaller than the window people see
    else:
        window.restore_layout()
    previous_hook, sys.excepthook = sys.excepthook, error_hook(window, sys.excepthook)
    try:
        return _show_and_run(app, window, argv_checkpoint, screenshot)
    finally:
        sys.excepthook = previous_hook
        dispose(window)


def dispose(window) -> None:
    """Destroy the window now, while Python and the QApplication are whole. Left to PySide's exit handler, the
    window's pyqtgraph items are torn down during interpreter shutdown, where a Python override called from a
    C++ destructor (a layout's resize while a scene clears) crashes the process (SIGSEGV in about half the runs)."""
    import shiboken6

    if shiboken6.isValid(window):
        window.close()
        shiboken6.delete(window)


def _show_and_run(app, window, argv_checkpoint: str | None, screenshot: str | None) -> int:
    path = checkpoint_to_open(argv_checkpoint)
    if path:
        window.show_exploring()  # not the Training tab, whose form loads torch before the map could show
    window.show()
    if path:
        window.statusBar().showMessage(f"Opening {path}…")
        app.processEvents()  # first paint before anything loads
        opened = window.open_at_launch(path)
        if screenshot and argv_checkpoint and not opened:
            return REFUSED_STATUS
        shipped = shipped_checkpoint()
        if not opened and not argv_checkpoint and shipped and shipped != path:
            # The last model used could not be opened (the dialog said why): show a shipped one instead.
            window.open_checkpoint(shipped)
            window.statusBar().showMessage(f"Could not open the last model used, {Path(path).name}; opened "
                                           f"{Path(shipped).name} instead", 30_000)
    if screenshot:
        wait_for_content(app, window)
        if argv_checkpoint and window.last_refusal:  # refused once its weights were read, after the map showed
            return REFUSED_STATUS
        return save_screenshot(window, screenshot)
    return app.exec()
