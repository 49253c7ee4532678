"""Take the README's screenshots of the real window: run under a display (e.g. `xvfb-run -s "-screen 0 1400x900x24"
.venv/bin/python docs/make_screenshots.py`; add `zoo` or `sentences` for those screens only). Each screen is grabbed
from the X screen, not rendered offscreen."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"

from PySide6.QtCore import QSettings, Qt  # noqa: E402


def settle(app, seconds: float = 0.6, window=None) -> None:
    """Let the window paint for ``seconds``, and longer while its panels wait for decodes from the workers."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or (window is not None and window.session.busy):
        app.processEvents()
        time.sleep(0.02)


def shoot(app, window, name: str) -> None:
    settle(app, window=window)
    grab(app, window, name)


def grab(app, window, name: str) -> None:
    """Save what the X screen shows of ``window``."""
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


def shoot_compare(app, window, name: str) -> None:
    compare = window.compare_window
    compare.move(0, 0)
    compare.resize(1400, 900)
    settle(app, 1.0)
    while compare.busy:
        settle(app, 0.2)
    settle(app, 0.5)
    grab(app, compare, name)
    compare.close()


def shoot_lessons(app, window) -> None:
    """The Lessons menu's views, and the latent-size sweep in Compare when bench/lessons.py has trained it."""
    from explorer.gui import lessons

    by_title = {lesson.title: lesson for lesson in lessons.LESSONS}
    lessons.show(window, by_title["Why not a plain autoencoder?"])
    shoot_compare(app, window, "compare-ae-vae")
    lessons.show(window, by_title["Inactive dimensions"])
    window.session.select(7)
    window.resizeDocks([window.tabs_dock], [560], Qt.Orientation.Vertical)  # room for 64 rows
    shoot(app, window, "lesson-inactive-dimensions")
    window.resizeDocks([window.tabs_dock], [330], Qt.Orientation.Vertical)
    sweep = sorted((ROOT / "build" / "latent-sizes").glob("*/checkpoint.safetensors"),
                   key=lambda path: int(path.parent.name.split("-")[0].removeprefix("latent_dim")))
    if sweep:
        window.training.ensure_form()
        window.training.presets.setCurrentIndex(window.training.presets.findData("vae-latent-sizes"))
        window.training.sweep_finished.emit([str(path) for path in sweep])  # as when the app has trained them
        shoot_compare(app, window, "compare-latent-sizes")


def shoot_zoo(app, window) -> None:
    """The 2-D manifold of the shipped VAE, the JointVAE's categories and the AAE's petals, when they are shipped."""
    window.open_checkpoint(ROOT / "trained" / "vae-mnist5k.safetensors")
    window.session.select(7)
    window.tabs.setCurrentWidget(window.manifold)
    shoot(app, window, "manifold")
    joint = ROOT / "trained" / "joint-vae-mnist5k.safetensors"
    if joint.exists():
        window.open_checkpoint(joint)
        window.session.select(7)
        window.tabs.setCurrentWidget(window.traversal)
        settle(app, window=window)
        window.traversal.dims.setCurrentRow(window.traversal.dims.count() - 1)  # c0: a row of its categories
        shoot(app, window, "zoo-jointvae-categories")
    aae = ROOT / "trained" / "aae-petals-mnist5k.safetensors"
    if aae.exists():
        window.open_checkpoint(aae)
        window.session.select(7)
        window.tabs.setCurrentWidget(window.manifold)
        window.manifold.condition.setCurrentIndex(3)
        shoot(app, window, "zoo-aae-petals")


def shoot_sentences(app, window) -> None:
    """A typed sentence with its neighbours, and two typed sentences' paths in the VAE and the models beside it."""
    window.open_checkpoint(ROOT / "trained" / "sentence-vae-wordnet.safetensors")
    while not window.session.has_model or window.loading:  # the model loads in the background
        settle(app, 0.2)
    window.tabs.setCurrentWidget(window.sentences)
    window.sentences.entry.setText("She sang a song in the garden.")
    window.sentences.encode_typed()
    deadline = time.perf_counter() + 60
    while not window.sentences.reconstruction.text() and time.perf_counter() < deadline:
        settle(app, 0.2)
    shoot(app, window, "sentences")
    panel = window.interpolation
    window.tabs.setCurrentWidget(panel)
    for name, sentence in (("A", "The children played in the garden."), ("B", "He wrote a long letter to his mother.")):
        panel.typed[name].setText(sentence)
    panel.use_typed_a()
    panel.use_typed_b()
    shoot(app, window, "sentences-interpolation")


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

    only = {"zoo": shoot_zoo, "sentences": shoot_sentences}.get(sys.argv[1] if sys.argv[1:] else "")
    if only is not None:  # only the model zoo's or the sentence models' screens
        only(app, window)
        window.close()
        return 0
    shoot_zoo(app, window)
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

    shoot_sentences(app, window)
    shoot_lessons(app, window)

    window.tabs.setCurrentWidget(window.training)
    form = window.training.ensure_form()
    form.fields["dataset"].set("mnist-5k")
    form.fields["epochs"].set(30)
    window.training.start()
    settle(app, 12.0)
    shoot(app, window, "training")
    window.training.stop_and_wait()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
