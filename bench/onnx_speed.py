"""An ONNX pair against the same module in torch, side by side: the shipped VAE (trained/vae-mnist5k) exported
with torch.onnx.export as the README shows, then 10,000 images encoded (batches of 1,000, as the app encodes a
dataset) and a traversal decoded (every latent dimension over 10 steps: 160 latents), each timed in alternating
rounds in one process with the same thread count.

    python bench/onnx_speed.py [--rounds 5] [--threads N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ITEMS, BATCH, STEPS = 10_000, 1000, 10


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, help="torch's and onnxruntime's threads (default: torch's)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)  # before the pair is opened: its runners take torch's thread count
    from bench.report import machine, write_section
    from explorer.data.registry import load_dataset
    from explorer.importers.onnx_folder import read_onnx_folder
    from explorer.io.checkpoint import load_checkpoint
    from tests.onnx_pairs import write_pair

    model = load_checkpoint(ROOT / "trained" / "vae-mnist5k.safetensors").model.eval()
    with tempfile.TemporaryDirectory() as folder:
        onnx_model, _ = read_onnx_folder(write_pair(model, Path(folder) / "pair", dataset="mnist-5k"))
    images = load_dataset("mnist-5k").train.x
    x = images.repeat(ITEMS // len(images) + 1, 1, 1, 1)[:ITEMS].float()
    sweep = torch.linspace(-3, 3, STEPS)
    z = torch.zeros(model.latent_dim * STEPS, model.latent_dim)
    for dim in range(model.latent_dim):
        z[dim * STEPS:(dim + 1) * STEPS, dim] = sweep

    def encode(m):
        return lambda: [m.encode(x[i:i + BATCH]) for i in range(0, ITEMS, BATCH)]

    def traverse(m):
        return lambda: m.pixel_means(z)

    with torch.no_grad():
        for m in (model, onnx_model):  # warm-up: first-call allocations and onnxruntime's graph set-up
            encode(m)()
            traverse(m)()
        times = {(name, job): [] for name in ("torch", "onnx") for job in ("encode", "traverse")}
        for _ in range(args.rounds):
            for name, m in (("torch", model), ("onnx", onnx_model)):
                times[(name, "encode")].append(timed(encode(m)))
                times[(name, "traverse")].append(timed(traverse(m)))
    median = {key: statistics.median(values) for key, values in times.items()}
    rows = []
    for job, what in (("encode", f"encode {ITEMS:,} MNIST images"),
                      ("traverse", f"decode a traversal ({len(z)} latents)")):
        ratio = median[("torch", job)] / median[("onnx", job)]
        rows.append(f"| {what} | {median[('torch', job)] * 1000:.1f} ms | {median[('onnx', job)] * 1000:.1f} ms | "
                    f"**{ratio:.2f}x** |")
    body = f"""
## An ONNX pair against the same module in torch (`bench/onnx_speed.py`)

The shipped VAE (MLP 784-400-16) exported with `torch.onnx.export` and opened as an ONNX pair, beside the same
module in torch; median of {args.rounds} alternating rounds after a warm-up. Speed-up = torch time / ONNX time
(above 1: ONNX is faster). {machine()}; load average {os.getloadavg()[0]:.1f} while it ran (the figures of a
busy machine are noisier than their ratio).

| job | torch | onnxruntime | speed-up |
|---|---|---|---|
""" + "\n".join(rows)
    print(body)
    print(f"wrote {write_section('onnx_speed', body)}")


if __name__ == "__main__":
    main()
