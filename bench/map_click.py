"""What a map click costs the user: on the shipped image VAE, the time from a click on a point to every visible panel
(the inspector and the Traversal tab's all-dimensions grid) drawn for it; on the shipped sentence VAE decoding by
beam search (width 5), how long the window's event loop stalls while those decodes run. Clicks go through the
session exactly as a click on the map does; the window is offscreen. Results go to docs/PERFORMANCE.md.

    python bench/map_click.py [--clicks 40]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402

from bench.report import machine, write_section  # noqa: E402

IMAGE_MODEL = ROOT / "trained" / "vae-mnist5k.safetensors"
TEXT_MODEL = ROOT / "trained" / "sentence-vae-wordnet.safetensors"
PROBE_MS = 5


def wait_idle(app, window) -> None:
    app.processEvents()
    while window.session.busy or window.session.explorer is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 2)


def open_model(app, window, path: Path) -> None:
    window.open_checkpoint(str(path))
    wait_idle(app, window)


def click_to_drawn_ms(app, window, items) -> np.ndarray:
    times = []
    for index in items:
        start = time.perf_counter()
        window.session.select(int(index))
        wait_idle(app, window)
        times.append((time.perf_counter() - start) * 1000.0)
    return np.array(times)


class StallProbe:
    """A timer due every PROBE_MS: how late each tick comes is how long the event loop was stalled."""

    def __init__(self):
        self.late: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def tick(self) -> None:
        self.late.append(max(0.0, self.clock.nsecsElapsed() / 1e6 - PROBE_MS))
        self.clock.restart()

    def stop(self) -> np.ndarray:
        self.timer.stop()
        return np.array(self.late)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--print-only", action="store_true")
    args = parser.parse_args()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from explorer.domains.decoding import DecodeConfig
    from explorer.gui.app import make_application
    from explorer.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.remember_layout = False
    window.resize(1280, 720)
    window.show()
    rng = np.random.default_rng(0)

    open_model(app, window, IMAGE_MODEL)
    window.tabs.setCurrentWidget(window.traversal)
    window.traversal.all_dims.setChecked(True)
    wait_idle(app, window)
    items = rng.choice(len(window.session.explorer.labels), args.clicks + 1, replace=False)
    click_to_drawn_ms(app, window, items[:1])  # the first decode loads what later ones reuse
    image = click_to_drawn_ms(app, window, items[1:])

    open_model(app, window, TEXT_MODEL)
    window.session.set_decode_config(DecodeConfig("beam", beam_width=5))
    window.tabs.setCurrentWidget(window.interpolation)
    window.interpolation.set_endpoints(0, 1)
    wait_idle(app, window)
    text_items = rng.choice(len(window.session.explorer.labels), max(args.clicks // 4, 5), replace=False)
    probe = StallProbe()
    probe.start()
    text = click_to_drawn_ms(app, window, text_items)
    stalls = probe.stop()
    window.close()
    load = os.getloadavg()[0]

    body = f"""## A click on the map (`bench/map_click.py`)

Machine: {machine()}; {os.cpu_count()} cores, load average {load:.1f} after the run; offscreen, the window at
1280x720. A click selects a point as the map does; timed until every visible panel has drawn its result.

| measure | result | target |
|---|---|---|
| image VAE ({IMAGE_MODEL.name}): click to the inspector and the all-dimensions traversal drawn, p50 / p95 of {len(image)} | {np.percentile(image, 50):.0f} / **{np.percentile(image, 95):.0f} ms** | p95 < 100 ms |
| sentence VAE ({TEXT_MODEL.name}), beam width 5: click to the inspector's reconstruction drawn, p50 / p95 of {len(text)} | {np.percentile(text, 50):.0f} / {np.percentile(text, 95):.0f} ms | |
| sentence VAE, beam width 5: the event loop's stall while those decodes run ({PROBE_MS} ms timer, {len(stalls)} ticks), p50 / p99 / max | {np.percentile(stalls, 50):.1f} / **{np.percentile(stalls, 99):.1f}** / {stalls.max():.1f} ms | p99 < 50 ms |
"""
    print(body)
    if not args.print_only:
        print(f"wrote {write_section('map_click', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
