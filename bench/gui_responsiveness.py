"""GUI responsiveness, measured in one run: the event loop's stalls while a model trains in the app, training
throughput inside the app against the headless trainer on the same settings (the GUI's cost), the time of a
10 x 11 traversal refresh and of an interpolation refresh (decode + draw), and UMAP time on 10k and 70k latents.
Results go to docs/PERFORMANCE.md.

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
from explorer.training.objectives import ObjectiveConfig  # noqa: E402
from explorer.training.run import RunSpec, TrainingRun  # noqa: E402
from explorer.training.trainer import EpochEvent, TrainConfig  # noqa: E402

LATENT = 10
STEPS = 11
STALL_TIMER_MS = 10


def make_spec(args, out: str | None) -> RunSpec:
    train = TrainConfig(epochs=args.epochs, batch_size=128, device=args.device, objective=ObjectiveConfig())
    return RunSpec(model="vae", dataset=args.dataset, latent_dim=LATENT, train=train, out=out)


def throughput(history: list[dict]) -> float:
    """Mean examples/s over the epochs after the first (the first pays for warm-up)."""
    rates = [r["examples_per_s"] for r in history]
    return statistics.mean(rates[1:] if len(rates) > 1 else rates)


def headless_run(args) -> float:
    records = []

    def on_event(event):
        if isinstance(event, EpochEvent):
            records.append(event.record)

    TrainingRun(make_spec(args, None), on_event=on_event).execute()
    return throughput(records)


def in_app_run(app, window, args, out: str, monitor=None) -> float:
    """Train in the window's worker with live curves; ``monitor`` (a StallMonitor) times the event loop meanwhile."""
    panel = window.training
    panel.refresh_each_epoch.setChecked(False)  # measure the curves' cost, not per-epoch previews
    loop = QEventLoop()
    panel.run_finished.connect(loop.quit)
    panel.run_failed.connect(loop.quit)
    if monitor is not None:
        monitor.start()
    panel.start_spec(make_spec(args, out))
    loop.exec()
    if monitor is not None:
        monitor.stop()
    panel.worker.wait()
    panel.run_finished.disconnect(loop.quit)
    panel.run_failed.disconnect(loop.quit)
    return throughput(panel.history)


def refresh_ms(app, refresh, repeats: int = 20) -> float:
    """Median time of one refresh including drawing it."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        refresh()
        app.processEvents()
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

    headless_run(argparse.Namespace(**dict(vars(args), epochs=1)))  # warm-up: first use of torch and the data
    out = str(Path(settings_dir) / "bench.safetensors")
    from explorer.gui.stall_monitor import StallMonitor

    # Two in-app runs: a fast timer on the GUI thread competes for Python's GIL with the training thread, so the
    # stalls are timed in one run and the throughput is measured in another, with the app as a user has it.
    monitor = StallMonitor(interval_ms=STALL_TIMER_MS)
    in_app_run(app, window, args, out, monitor)
    stalls = monitor.stats()
    in_app = in_app_run(app, window, args, out)
    headless = headless_run(args)

    window.open_checkpoint(out)
    traversal = window.traversal
    traversal.steps.setValue(STEPS)
    traversal.all_dims.setChecked(True)
    traversal_ms = refresh_ms(app, traversal.refresh)
    session, interpolation = window.session, window.interpolation
    interpolation.steps.setValue(10)
    interpolation.set_endpoints(0, 1)
    interpolation_ms = refresh_ms(app, interpolation.refresh)

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

Machine: {machine()}. VAE (MLP, z={LATENT}) on {args.dataset}, {args.epochs} epochs, batch 128, device {args.device}.

| measure | result | target |
|---|---|---|
| event-loop stall while training in the app, p50 / p99 / max ({STALL_TIMER_MS} ms timer) | {stalls['p50_ms']:.1f} / {stalls['p99_ms']:.1f} / {stalls['max_ms']:.1f} ms ({stalls['ticks']} ticks) | p99 < 50 ms |
| training throughput in the app / headless | {in_app:,.0f} / {headless:,.0f} examples/s = {in_app / headless:.2f}x | ≥ 0.95x |
| traversal refresh, {LATENT} dims x {STEPS} steps (decode + draw) | {traversal_ms:.1f} ms | < 16 ms |
| interpolation refresh, 10 steps (decode + draw + path on the map) | {interpolation_ms:.1f} ms | |
| UMAP on {len(subset):,} latents | {umap_subset:.1f} s | |
| UMAP on {len(means):,} latents | {umap_all:.1f} s | |

Throughput is the mean over epochs after the first, in a run without the stall timer (which, polling the GUI thread
every {STALL_TIMER_MS} ms, takes Python's GIL from the training thread and would itself slow training). UMAP times
include numba compilation only on a cold cache.
"""
    print(body)
    if not args.print_only:
        print(f"wrote {write_section('gui_responsiveness', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
