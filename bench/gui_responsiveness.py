"""GUI responsiveness of the exploration panels, measured in one run: the time of a 10 x 11 traversal refresh and of
an interpolation refresh (decode + draw), and UMAP time on 10k and 70k latents. (Training in the app is measured by
bench/gui_training.py.) Results go to docs/PERFORMANCE.md.

    python bench/gui_responsiveness.py [--dataset fashion-mnist] [--epochs 4] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402

from bench.report import machine, write_section  # noqa: E402
from explorer.training.run import RunSpec, TrainingRun  # noqa: E402

LATENT = 10
STEPS = 11


def train_model(args, out: str) -> None:
    spec = RunSpec.create(model="vae", dataset=args.dataset, latent_dim=LATENT, epochs=args.epochs, batch_size=128,
                          device=args.device, out=out)
    TrainingRun(spec).execute()


def refresh_ms(app, window, panel, repeats: int = 20) -> float:
    """Median time from asking a shown panel to refresh to its result drawn: the decode runs on the window's model
    thread, so this waits for the session to be idle again, the event loop running meanwhile."""
    window.tabs.setCurrentWidget(panel)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        panel.refresh()
        app.processEvents()
        while window.session.busy:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def umap_seconds(latents: np.ndarray) -> float:
    from explorer.analysis.projection import configure_numba_cache, project

    configure_numba_cache()
    start = time.perf_counter()
    project(latents, "umap", seed=0)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--print-only", action="store_true", help="print the results, do not write the docs")
    args = parser.parse_args()

    settings_dir = tempfile.mkdtemp(prefix="bench-settings-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    from explorer.gui.app import make_application
    from explorer.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.remember_layout = False
    window.show()
    app.processEvents()

    out = str(Path(settings_dir) / "bench.safetensors")
    train_model(args, out)
    window.open_checkpoint(out)
    while window.session.busy or window.session.explorer is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
    traversal = window.traversal
    traversal.steps.setValue(STEPS)
    traversal.all_dims.setChecked(True)
    traversal_ms = refresh_ms(app, window, traversal)
    session, interpolation = window.session, window.interpolation
    interpolation.steps.setValue(10)
    interpolation.set_endpoints(0, 1)
    interpolation_ms = refresh_ms(app, window, interpolation)

    from explorer.analysis.metrics import posterior_stats
    from explorer.data.registry import load_dataset

    dataset = load_dataset(args.dataset)
    model = session.explorer.model
    means = np.concatenate([posterior_stats(model, split)[0].cpu().numpy() for split in (dataset.train,
                                                                                          dataset.test)])
    subset = means[:10_000]
    umap_subset = umap_seconds(subset)
    umap_all = umap_seconds(means)
    window.close()

    body = f"""## GUI responsiveness (`bench/gui_responsiveness.py`)

Machine: {machine()}. VAE (MLP, z={LATENT}) trained on {args.dataset} for {args.epochs} epochs.

| measure | result | target |
|---|---|---|
| traversal refresh, {LATENT} dims x {STEPS} steps (request to drawn: decode on the model thread + draw) | {traversal_ms:.1f} ms | < 16 ms |
| interpolation refresh, 10 steps (request to drawn, with the path on the map) | {interpolation_ms:.1f} ms | |
| UMAP on {len(subset):,} latents | {umap_subset:.1f} s | |
| UMAP on {len(means):,} latents | {umap_all:.1f} s | |

UMAP times include numba compilation only on a cold cache.
"""
    print(body)
    if not args.print_only:
        print(f"wrote {write_section('gui_responsiveness', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
