"""Whole-process training time, as a user waits for it: `latent-explorer train` (autosave every epoch, the final
checkpoint with its metrics, preview set and map) against the PyTorch VAE example script doing the same epochs with
its per-epoch test loss, alternating A/B; and data-parallel training under torchrun, 2 CPU ranks against 1.
Results go to docs/PERFORMANCE.md.

    python bench/train_process.py [--dataset fashion-mnist] [--epochs 10] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine, write_section  # noqa: E402


def timed(command: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return seconds


def ours(args, out: Path, epochs: int) -> list[str]:
    return [sys.executable, "-m", "explorer", "train", "--dataset", args.dataset, "--latent-dim", "20", "--hidden",
            "400", "--batch-size", "128", "--epochs", str(epochs), "--autosave-every", "1", "--out", str(out)]


def examples_per_s(checkpoint: Path) -> float:
    """Mean examples/s over the epochs after the first, from a checkpoint's history."""
    from explorer.io.checkpoint import read_metadata

    rates = [row["examples_per_s"] for row in read_metadata(checkpoint)["history"]]
    return statistics.mean(rates[1:] if len(rates) > 1 else rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ddp-epochs", type=int, default=3)
    parser.add_argument("--print-only", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-train-"))
    reference = [sys.executable, str(ROOT / "bench" / "reference_vae_example.py"), "--dataset", args.dataset,
                 "--epochs", str(args.epochs)]
    timed(ours(args, work / "warm.safetensors", 1))  # first use of the data, the numba cache and torch
    pairs = []
    for repeat in range(args.repeats):
        order = ("ref", "ours") if repeat % 2 == 0 else ("ours", "ref")
        times = {}
        for who in order:
            times[who] = timed(reference if who == "ref" else ours(args, work / "ours.safetensors", args.epochs))
            print(f"run {repeat + 1} {who}: {times[who]:.1f} s", flush=True)
        pairs.append((times["ref"], times["ours"]))
    ratios = [o / r for r, o in pairs]

    torchrun = shutil.which("torchrun", path=str(Path(sys.executable).parent))
    one_out, two_out = work / "one.safetensors", work / "two.safetensors"
    one_s = timed(ours(args, one_out, args.ddp_epochs))
    two_s = timed([torchrun, "--standalone", "--nproc_per_node=2", *ours(args, two_out, args.ddp_epochs)[1:]])
    print(f"1 rank {one_s:.1f} s, 2 ranks {two_s:.1f} s", flush=True)

    rows = "\n".join(f"| {i + 1} | {r:.1f} s | {o:.1f} s | {o / r:.2f}x |" for i, (r, o) in enumerate(pairs))
    body = f"""## Whole-process training time (`bench/train_process.py`)

Machine: {machine()}; {os.cpu_count()} cores. {args.dataset}, MLP VAE 784-400-20, batch 128, {args.epochs} epochs.
Ours: `latent-explorer train` with a checkpoint autosaved after every epoch and the final save (metrics, preview
set, map). Reference: `bench/reference_vae_example.py`, the PyTorch example script with its per-epoch test loss.
Process start to exit, alternating which goes first.

| run | reference | ours | ours / reference |
|---|---|---|---|
{rows}

Median **{statistics.median(ratios):.2f}x** the reference's wall time (target ≤ 0.8x).

Data-parallel training under `torchrun --standalone --nproc_per_node=2` (gloo, 2 CPU ranks sharing the global batch
of 128) against one process, {args.ddp_epochs} epochs each: 1 rank {one_s:.1f} s and {examples_per_s(one_out):,.0f}
examples/s; 2 ranks {two_s:.1f} s and {examples_per_s(two_out):,.0f} examples/s ({one_s / two_s:.2f}x the speed). On
this {os.cpu_count()}-core machine the two ranks share the cores one process already uses, so no speed-up is
expected: the gain needs a core (or a GPU) per rank.
"""
    print(body)
    if not args.print_only:
        print(f"wrote {write_section('train_process', body)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
