"""The map at a million points: the level-of-detail map (density image under a density-aware sample, hover through
the grid index) side by side with the plain scatter it replaced (one scatter item per class holding every point,
hover through a KD-tree in screen pixels), offscreen in a 1280x720 window, on the same points.

Cases: dSprites-32's 737,280 items through *Whole Dataset* (pressed to every layer drawn, the window's memory,
then pan, zoom and hover with the item's thumbnail), 70,000 points (Fashion-MNIST's size) and a synthetic
5,000,000-point map of random latents placed by the model's map head. A pan frame moves the view 1/40 of its width
and repaints (40 frames one way, so the layers are recomputed several times on the way); a zoom frame scales it by
0.92 (15 in, 15 out). Frames include whatever the map's worker sends back meanwhile.

    python bench/map_lod.py [--dsprites CHECKPOINT]   (an image model of dsprites-32; without one an untrained
                                                         VAE is saved first: its map is the cost, not its quality)
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WINDOW = (1280, 720)
PANS, ZOOMS, HOVERS = 40, 30, 200
PLAIN_BUDGET_S = 20.0  # the plain scatter's frames at 5M points take seconds each: as many as fit in this


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def log(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text} (resident {rss_mb():,.0f} MB)", file=sys.stderr, flush=True)


def p(values, q: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, q))


def untrained_dsprites_checkpoint(path: Path) -> Path:
    """An untrained VAE of dsprites-32 with its preview set and PCA map, saved as the app saves a model."""
    import torch

    from explorer.analysis.preview import encode_preview, preview_map, set_map
    from explorer.data.registry import load_dataset
    from explorer.io.checkpoint import save_checkpoint
    from explorer.models.registry import build_model, image_model_config
    from explorer.training.trainer import TrainConfig

    torch.manual_seed(0)
    dataset = load_dataset("dsprites-32")
    model = build_model(image_model_config("vae", dataset.shape, len(dataset.class_names), latent_dim=10,
                                           arch="mlp")).eval()
    preview = encode_preview(model, dataset.test)
    set_map(preview, preview_map(preview.means, "pca"))
    meta = {"label": "untrained VAE (bench)", "dataset": dict(dataset.describe(), options={}),
            "train_config": TrainConfig(epochs=1).to_dict(), "history": [], "metrics": {}}
    return save_checkpoint(path, model, meta, preview)


class PlainScatter:
    """The map as it was: one ScatterPlotItem per class with every point, nearest point by a KD-tree."""

    def __init__(self, points: np.ndarray, labels: np.ndarray):
        import pyqtgraph as pg

        from explorer.gui.widgets.style import class_brush

        self.widget = pg.PlotWidget()
        self.widget.resize(*WINDOW)
        self.widget.show()
        self.points = points
        for cls in np.unique(labels):
            index = np.flatnonzero(labels == cls)
            self.widget.addItem(pg.ScatterPlotItem(points[index, 0], points[index, 1], size=5, pen=None,
                                                   brush=class_brush(int(cls))))
        self.widget.plotItem.autoRange()
        self._tree = None

    def nearest(self, x: float, y: float) -> int:
        from scipy.spatial import cKDTree

        scale = np.asarray(self.widget.plotItem.vb.viewPixelSize())
        if self._tree is None:
            self._tree = cKDTree(self.points / scale)
        distance, index = self._tree.query([x / scale[0], y / scale[1]], distance_upper_bound=8.0)
        return int(index) if np.isfinite(distance) else -1


def frames(app, widget, view, step, count: int) -> list[float]:
    times = []
    for i in range(count):
        start = time.perf_counter()
        step(view, i)
        app.processEvents()
        widget.grab()
        times.append(time.perf_counter() - start)
    return times


def pan_step(view, i):
    from PySide6.QtCore import QPointF

    (x0, x1), _ = view.viewRange()
    view.translateBy(QPointF((x1 - x0) / 40, 0))


def measure(app, widget, view, nearest, points, preview=None, budget_s: float | None = None) -> dict:
    """Pan and zoom frame times and hover times on one map."""
    first = frames(app, widget, view, pan_step, 1)
    pans_n = PANS if budget_s is None else int(np.clip(budget_s / 2 / max(first[0], 1e-3), 3, PANS))
    zooms_n = ZOOMS if budget_s is None else max(4, min(ZOOMS, pans_n) // 2 * 2)
    pans = first + frames(app, widget, view, pan_step, pans_n - 1)
    view.autoRange()
    zooms = frames(app, widget, view, lambda v, i: zoom_step_n(v, i, zooms_n), zooms_n)
    rng = np.random.default_rng(0)
    hovers = []
    for x, y in points[rng.integers(0, len(points), HOVERS)]:
        start = time.perf_counter()
        index = nearest(float(x), float(y))
        if index >= 0 and preview is not None:
            preview(index)
        hovers.append(time.perf_counter() - start)
    return {"pan": pans, "zoom": zooms, "hover": hovers}


def zoom_step_n(view, i, count):
    factor = 0.92 if i < count // 2 else 1 / 0.92
    view.scaleBy((factor, factor))


def lod_map(app, worker, points, labels):
    from explorer.gui.widgets.latent_scatter import LatentScatter

    scatter = LatentScatter(worker)
    scatter.resize(*WINDOW)
    scatter.show()
    scatter.set_points(points, labels)
    wait_for(app, scatter)
    return scatter


def wait_for(app, scatter) -> None:
    while scatter.layers.busy:
        app.processEvents()
        time.sleep(0.002)
    app.processEvents()


def side_by_side(app, worker, name: str, points, labels, lod=None, preview=None) -> list[str]:
    """Table rows comparing the level-of-detail map with the plain scatter on ``points``."""
    if lod is None:
        start = time.perf_counter()
        lod = lod_map(app, worker, points, labels)
        lod.grab()
        lod_set = time.perf_counter() - start
    else:
        lod_set = None
    log(f"{name}: level of detail drawn")
    new = measure(app, lod, lod.plotItem.vb, lod.nearest, points, preview)
    wait_for(app, lod)
    log(f"{name}: level of detail measured")
    start = time.perf_counter()
    plain = PlainScatter(points, labels)
    plain.widget.grab()
    plain_set = time.perf_counter() - start
    log(f"{name}: plain scatter drawn")
    old = measure(app, plain.widget, plain.widget.plotItem.vb, plain.nearest, points, preview,
                  budget_s=PLAIN_BUDGET_S if len(points) > 1_000_000 else None)
    plain.widget.close()
    rows = [f"| {name} | set and first drawn | "
            f"{'—' if lod_set is None else f'{lod_set:.2f} s'} | {plain_set:.2f} s |"]
    for key, label in (("pan", "pan frame"), ("zoom", "zoom frame"), ("hover", "hover" + (
            " + thumbnail" if preview else ""))):
        rows.append(f"| {name} | {label} p50 / p95 (of {len(new[key])} / {len(old[key])}) | "
                    f"{p(new[key], 50):.1f} / **{p(new[key], 95):.1f} ms** | "
                    f"{p(old[key], 50):.1f} / {p(old[key], 95):.1f} ms |")
    return rows


def whole_dataset(app, path: str):
    """*Whole Dataset* pressed to every layer drawn, in the app's window; the window's memory after it."""
    from explorer.gui.dialogs import HeadlessPrompts
    from explorer.gui.main_window import MainWindow

    window = MainWindow(prompts=HeadlessPrompts())
    window.remember_layout = False
    window.resize(*WINDOW)
    window.show()
    if not window.open_checkpoint(path):
        raise SystemExit(f"could not open {path}")
    while window.session.busy:
        app.processEvents()
        time.sleep(0.005)
    panel = window.map_panel
    log("checkpoint open")
    before = rss_mb()
    start = time.perf_counter()
    panel.whole_button.click()
    while window.session.busy or panel.scatter.layers.busy or window.session.explorer.preview_explorer is None:
        app.processEvents()
        time.sleep(0.005)
        if not window.session.busy and not panel.whole_button.isChecked():
            raise SystemExit(f"the whole dataset could not be mapped: {panel.status.text()}")
    window.grab()
    log("whole dataset drawn")
    return window, time.perf_counter() - start, before, rss_mb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsprites", help="an image model of dsprites-32 (default: an untrained VAE saved first)")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from bench.report import machine, write_section
    from explorer.analysis.mapview.layers import POINT_BUDGET
    from explorer.gui.app import make_application
    from explorer.gui.concurrent import WorkerThread

    load_before = os.getloadavg()[0]
    app = make_application()
    path = args.dsprites or str(untrained_dsprites_checkpoint(Path(tempfile.mkdtemp()) / "dsprites.safetensors"))
    window, pressed, rss_before, rss_after = whole_dataset(app, path)
    panel, scatter = window.map_panel, window.map_panel.scatter
    explorer = window.session.explorer
    rows = side_by_side(app, None, f"dSprites-32, {len(scatter.points):,}", scatter.points, scatter.labels,
                        lod=scatter, preview=panel._preview)
    rng = np.random.default_rng(0)
    worker = WorkerThread("map view")
    centres = rng.normal(0, 3, size=(10, explorer.means.shape[1])).astype(np.float32)
    for count, name in ((70_000, "70,000 (Fashion-MNIST's size)"), (5_000_000, "synthetic, 5,000,000")):
        labels = rng.integers(0, 10, count)
        latents = centres[labels] + rng.normal(0, 1, size=(count, centres.shape[1])).astype(np.float32)
        points = explorer.project_new(latents)
        rows += side_by_side(app, worker, name, points, labels)
    worker.stop()
    window.close()
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    body = f"""
## The map at a million points (`bench/map_lod.py`)

Machine: {machine()}; shared with other engineers' jobs while this ran ({load}). Offscreen, one process, the map
{WINDOW[0]}x{WINDOW[1]}; the level-of-detail map draws at most {POINT_BUDGET:,} points over a density image.
The model: {Path(path).name}{' (an untrained VAE saved by the bench: the timing is the point, not the map)'
                               if not args.dsprites else ''}; 70k and 5M points are random latents from ten
clusters placed by its map head.

*Whole Dataset* on dSprites-32 ({len(scatter.points):,} items) pressed to every layer drawn (load, encode, place,
prepare the index, draw): **{pressed:.1f} s**; the window's memory (resident) {rss_before:,.0f} MB before,
**{rss_after:,.0f} MB** after.

| points | measure | level of detail | plain scatter |
|---|---|---|---|
""" + "\n".join(rows) + "\n"
    print(body)
    print(f"wrote {write_section('map_lod', body)}")


if __name__ == "__main__":
    main()
