"""Take the README's screenshots of the real window: run under a display (e.g. `xvfb-run -s "-screen 0 1400x900x24"
.venv/bin/python docs/make_screenshots.py`). Each screen is grabbed from the X screen, not rendered offscreen."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"

from PySide6.QtCore import QSettings  # noqa: E402


def settle(app, seconds: float = 0.6, window=None) -> None:
    """Let the window paint for ``seconds``, and longer while its panels wait for decodes from the workers."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or (window is not None and window.session.busy):
        app.processEvents()
        time.sleep(0.02)


def shoot(app, window, name: str) -> None:
    settle(app, window=window)
    screen = app.primaryScreen()
    geometry = window.frameGeometry()
    pixmap = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height())
    pixmap.save(str(OUT / f"{name}.png"))
    print(f"wrote {OUT / name}.png")


def set_interpolation(window, a: int, b: int) -> None:
    """Pick A and B on the map, as a user does, and show the Interpolation tab."""
    for index, use in ((a, window.interpolation.use_selection_as_a), (b, window.interpolation.use_selection_as_b)):
        window.session.select(index)
        use()
    window.tabs.setCurrentWidget(window.interpolation)


def main() -> int:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp()  # the training run's checkpoint goes there, not to your runs
    from explorer.gui.app import make_application
    from explorer.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.remember_layout = False
    window.move(0, 0)
    window.resize(1400, 900)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    window.open_checkpoint(ROOT / "trained" / "vae-mnist5k.safetensors")
    window.session.select(7)
    window.tabs.setCurrentWidget(window.traversal)
    shoot(app, window, "traversal")
    window.traversal.all_dims.setChecked(True)
    shoot(app, window, "traversal-all-dimensions")
    set_interpolation(window, 3, 12)
    shoot(app, window, "interpolation")

    window.open_checkpoint(ROOT / "trained" / "cvae-mnist5k.safetensors")
    window.tabs.setCurrentWidget(window.samples)
    shoot(app, window, "samples-cvae")
    set_interpolation(window, 5, 9)
    shoot(app, window, "interpolation-cvae-class-swap")

    window.open_checkpoint(ROOT / "trained" / "beta-vae-mnist5k.safetensors")
    for name, index in (("A", 1), ("B", 2), ("C", 3)):
        window.arithmetic.set_operand(name, index)
    window.tabs.setCurrentWidget(window.arithmetic)
    shoot(app, window, "arithmetic")

    sentences = ROOT / "trained" / "sentence-vae-wordnet.safetensors"
    if sentences.exists():
        window.open_checkpoint(sentences)
        window.sentences.entry.setText("she sang a song in the garden")
        window.sentences.encode_typed()
        window.tabs.setCurrentWidget(window.sentences)
        shoot(app, window, "sentences")
        set_interpolation(window, 0, 4)
        shoot(app, window, "sentences-interpolation")

    window.tabs.setCurrentWidget(window.training)
    form = window.training
    form.dataset.setCurrentText("mnist-5k")
    form.epochs.setValue(30)
    form.start()
    settle(app, 12.0)
    shoot(app, window, "training")
    window.training.stop_and_wait()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
