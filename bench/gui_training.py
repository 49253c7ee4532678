"""Training from the app against training headless, side by side in one bench: the app's Training tab (the window
opened on a shipped model, as at launch) starts the `train` child with every curve drawn live and each epoch's
snapshot opened in the window, as a user has it; the same `train` command runs without the app; in a third run a
precise timer measures how long the window's event loop stalls (apart, because its wake-ups cost the run some
speed). Alternating, so a busy moment of the machine does not favour one side. Results go to docs/PERFORMANCE.md.

    python bench/gui_training.py [--dataset fashion-mnist] [--epochs 4] [--repeats 7]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402

from bench.report import machine, write_section  # noqa: E402

STALL_TIMER_MS = 5
LATENT = 10


def options(args) -> dict:
    return {"model": "vae", "dataset": args.dataset, "latent_dim": LATENT, "epochs": args.epochs, "batch_size": 128,
            "device": args.device}


def throughput(checkpoint: Path) -> float:
    """Mean examples/s over the epochs after the first (the first pays for warm-up)."""
    from explorer.io.checkpoint import read_metadata

    rates = [row["examples_per_s"] for row in read_metadata(checkpoint)["history"]]
    return statistics.mean(rates[1:] if len(rates) > 1 else rates)


def headless(args, folder: Path) -> float:
    from explorer.training.options import to_cli_args

    command = [sys.executable, "-m", "explorer", "train", *to_cli_args(options(args)), "--run-dir", str(folder)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return throughput(folder / "checkpoint.safetensors")


def in_app(window, args, folder: Path, monitor=None) -> float:
    """One run from the Training tab; ``monitor`` (a StallMonitor) times the event loop meanwhile."""
    from explorer.training.run import RunSpec

    panel = window.training
    panel.refresh_each_epoch.setChecked(True)
    loop = QEventLoop()
    panel.run_finished.connect(loop.quit)
    panel.run_failed.connect(loop.quit)
    if monitor is not None:
        monitor.start()
    panel.start_spec(RunSpec.create(run_dir=str(folder), **options(args)))
    loop.exec()
    if monitor is not None:
        monitor.stop()
    panel.run_finished.disconnect(loop.quit)
    panel.run_failed.disconnect(loop.quit)
    return throughput(folder / "checkpoint.safetensors")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--print-only", action="store_true", help="print the results, do not write the docs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-gui-training-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    from explorer.gui.app import make_application, shipped_checkpoint
    from explorer.gui.main_window import MainWindow
    from explorer.gui.stall_monitor import StallMonitor

    app = make_application()
    window = MainWindow()
    window.remember_layout = False
    window.resize(1400, 900)
    window.show()
    window.open_at_launch(shipped_checkpoint())  # as the app opens: on a shipped model, then the user trains
    while window.loading:
        app.processEvents()
    window.show_training()
    app.processEvents()
    headless(argparse.Namespace(**dict(vars(args), epochs=1)), work / "warm")  # data and caches warm
    rows, stalls = [], []
    for repeat in range(args.repeats):
        monitor = StallMonitor(interval_ms=STALL_TIMER_MS)
        runs = {}
        order = ("timed", "app", "headless") if repeat % 2 == 0 else ("headless", "app", "timed")
        for who in order:
            folder = work / f"{who}-{repeat}"
            if who == "headless":
                runs[who] = headless(args, folder)
            else:
                runs[who] = in_app(window, args, folder, monitor if who == "timed" else None)
            print(f"run {repeat + 1} {who}: {runs[who]:,.0f} examples/s", flush=True)
        stalls += monitor.stalls_ms
        rows.append((runs["app"], runs["headless"], runs["timed"]))
    window.close()
    import numpy as np

    stall = np.asarray(stalls)
    ratios = [a / h for a, h, _ in rows]
    table = "\n".join(f"| {i + 1} | {a:,.0f} | {h:,.0f} | {a / h:.2f}x | {t:,.0f} |"
                      for i, (a, h, t) in enumerate(rows))
    body = f"""## Training in the app (`bench/gui_training.py`)

Machine: {machine()}; {os.cpu_count()} cores. VAE (MLP, z={LATENT}) on {args.dataset}, {args.epochs} epochs, batch
128, device {args.device}. In the app (opened on a shipped model, as at launch): the Training tab's child process,
every curve live, each epoch's snapshot opened in the window; headless: the same `train` command alone. Examples/s
are the mean over epochs after the first. The event loop's stalls are timed in a third run of each round, apart:
the timer's own {1000 // STALL_TIMER_MS} wake-ups a second cost the run several percent (last column).

| run | in the app | headless | app / headless | in the app, stall timer on |
|---|---|---|---|---|
{table}

Median **{statistics.median(ratios):.2f}x** (target ≥ 0.95x). The window's event loop while the app trained (a
{STALL_TIMER_MS} ms timer, {len(stall):,} ticks): stall p50 {np.percentile(stall, 50):.1f} ms, p99
**{np.percentile(stall, 99):.1f} ms**, max {stall.max():.1f} ms (targets: p99 < 20 ms, max < 100 ms). Runs of the same
command differ by up to ±10% from one minute to the next on this shared machine: compare the median of many rounds.
"""
    print(body)
    if not args.print_only:
        print(f"wrote {write_section('gui_training', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
