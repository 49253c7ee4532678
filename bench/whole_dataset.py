"""The whole dataset on the map, as a user meets it: from pressing *Whole Dataset* to every item drawn (load, encode,
place with the map head, draw), then hovering (the nearest point and its thumbnail) and panning (one repaint per
step) over all of them. Offscreen, in one process; medians of --repeats for the mapping, percentiles for the rest.

    python bench/whole_dataset.py CHECKPOINT   (an image model whose dataset is on this machine, e.g. one trained
                                                with --dataset fashion-mnist)
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOVERS, PANS = 300, 60


def settle(app, window) -> None:
    while window.session.busy:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF

    from bench.report import machine, write_section
    from explorer.gui.app import make_application
    from explorer.gui.dialogs import HeadlessPrompts
    from explorer.gui.main_window import MainWindow

    load_before = os.getloadavg()[0]
    app = make_application()
    window = MainWindow(prompts=HeadlessPrompts())
    window.remember_layout = False
    window.show()
    if not window.open_checkpoint(args.checkpoint):
        raise SystemExit(f"could not open {args.checkpoint}")
    settle(app, window)
    panel, scatter = window.map_panel, window.map_panel.scatter
    mapping = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        panel.whole_button.click()
        settle(app, window)
        scatter.grab()
        mapping.append(time.perf_counter() - start)
        if window.session.explorer.preview_explorer is None:
            raise SystemExit(f"the whole dataset could not be mapped: {panel.status.text()}")
        items = len(scatter.points)
        if len(mapping) < args.repeats:
            panel.whole_button.click()  # back to the preview set
            settle(app, window)
    rng = np.random.default_rng(0)
    targets = scatter.points[rng.integers(0, items, HOVERS)]
    hovers = []
    for x, y in targets:
        start = time.perf_counter()
        index = scatter.nearest(float(x), float(y))
        if index >= 0:
            panel._preview(index)
        hovers.append(time.perf_counter() - start)
    view = scatter.plotItem.vb
    step = np.ptp(scatter.points[:, 0]) / 200
    pans = []
    for i in range(PANS):
        start = time.perf_counter()
        view.translateBy(QPointF(step if i % 20 < 10 else -step, 0))
        scatter.grab()
        pans.append(time.perf_counter() - start)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    name = Path(args.checkpoint).name
    body = f"""
## The whole dataset on the map (`bench/whole_dataset.py`)

Machine: {machine()}; shared with other engineers' jobs while this ran ({load}). {name}: {items:,} items (training
and test), offscreen, one process.

| measure | result |
|---|---|
| *Whole Dataset* pressed to every item drawn (load, encode, place with the head, draw), median of {args.repeats} | **{statistics.median(mapping):.1f} s** ({min(mapping):.1f}–{max(mapping):.1f}) |
| hover: nearest point and its thumbnail, p50 / p95 of {HOVERS} | {percentile(hovers, 50):.1f} / **{percentile(hovers, 95):.1f} ms** |
| pan: one step and a repaint of the whole map, p50 / p95 of {PANS} | {percentile(pans, 50):.1f} / **{percentile(pans, 95):.1f} ms** |
"""
    print(body)
    print(f"wrote {write_section('whole_dataset', body)}")
    window.close()


if __name__ == "__main__":
    main()
