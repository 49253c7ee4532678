"""Our trainer against the official PyTorch VAE example loop, side by side in one run.

Reference: pytorch/examples vae/main.py — MLP 784-400-20, Adam 1e-3, batch 128, a torch DataLoader that
collates one sample at a time, loss summed over the batch. Ours: the `vae` kind with the same layer sizes, trained by
explorer's Trainer (data as one tensor on the device, batched by index). Both see the same data for the same epochs;
we report the epoch-time ratio, the test -ELBO of each, and the GFLOP/s each achieves against plain matmuls of the
same shapes. Results go to docs/PERFORMANCE.md.

    python bench/train_throughput.py [--dataset fashion-mnist] [--epochs 10] [--device auto]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reference_vae_example import VAE as ReferenceVAE  # noqa: E402
from bench.reference_vae_example import IdxImages, train_epoch
from bench.reference_vae_example import loss_function as reference_loss  # noqa: E402
from bench.report import machine, write_section  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.device import pick_device  # noqa: E402
from explorer.models.base import Batch  # noqa: E402
from explorer.models.registry import build_model, image_model_config  # noqa: E402
from explorer.training.events import EpochEvent  # noqa: E402
from explorer.training.trainer import TrainConfig, Trainer  # noqa: E402

HIDDEN, LATENT, BATCH = 400, 20, 128


def train_reference(train_x, train_y, test_x, epochs, device, seed):
    torch.manual_seed(seed)
    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(IdxImages(train_x.numpy(), train_y.numpy()), batch_size=BATCH, shuffle=True)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        train_epoch(model, optimizer, loader, device)
        times.append(time.perf_counter() - start)
    return times, test_elbo(model, reference_summed_loss(model), test_x, device, seed)


@torch.no_grad()
def test_elbo(model, summed_loss, test_x, device, seed):
    """The example's test loss per example (one posterior sample per image), for either model."""
    model.eval()
    torch.manual_seed(seed)
    total = 0.0
    for start in range(0, len(test_x), 1000):
        total += float(summed_loss(test_x[start:start + 1000].to(device).float().div(255.0)))
    return total / len(test_x)


def reference_summed_loss(model):
    def loss(x):
        recon, mu, logvar = model(x)
        return reference_loss(recon, x, mu, logvar)

    return loss


def ours_summed_loss(model):
    def loss(x):
        terms = model.loss_terms(Batch(x.view(-1, 1, 28, 28)))
        return (terms["recon"] + terms["kl"]).sum()

    return loss


def train_ours(dataset, test_x, epochs, device, seed):
    config = image_model_config("vae", list(dataset.shape), latent_dim=LATENT, arch="mlp", hidden=[HIDDEN])
    model = build_model(config)
    times = []

    def on_event(event):
        if isinstance(event, EpochEvent):
            times.append(event.record["seconds"])

    trainer = Trainer(model, dataset, TrainConfig(epochs=epochs, batch_size=BATCH, lr=1e-3, seed=seed,
                                                  device=str(device)), on_event=on_event)
    trainer.run()
    return times, test_elbo(model, ours_summed_loss(model), test_x, device, seed)


def matmul_gflops(device, repeats=200) -> float:
    """GFLOP/s of the training step's GEMMs alone (forward, grad-input and grad-weight) at batch 128."""
    shapes = [(784, HIDDEN), (HIDDEN, 2 * LATENT), (LATENT, HIDDEN), (HIDDEN, 784)]
    weights = [torch.randn(i, o, device=device) for i, o in shapes]
    acts = [torch.randn(BATCH, i, device=device) for i, _ in shapes]
    grads = [torch.randn(BATCH, o, device=device) for _, o in shapes]
    flops = 3 * sum(2 * BATCH * i * o for i, o in shapes)

    def step():
        for w, a, g in zip(weights, acts, grads):
            a @ w
            g @ w.T
            a.T @ g

    for _ in range(20):
        step()
    _sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    _sync(device)
    return flops * repeats / (time.perf_counter() - start) / 1e9


def step_flops() -> int:
    shapes = [(784, HIDDEN), (HIDDEN, 2 * LATENT), (LATENT, HIDDEN), (HIDDEN, 784)]
    return 3 * sum(2 * i * o for i, o in shapes)  # per example: forward + two backward GEMMs


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    device = pick_device(args.device)
    dataset = load_dataset(args.dataset, args.data_dir)
    if dataset.shape != (1, 28, 28):
        raise SystemExit(f"{args.dataset} has shape {dataset.shape}; this bench needs 28x28 images")
    to_uint8 = lambda x: (x[:, 0] * 255 + 0.5).to(torch.uint8)  # noqa: E731
    train_x, test_x = to_uint8(dataset.train.x), to_uint8(dataset.test.x)

    print(f"{args.dataset}: {len(train_x)} train / {len(test_x)} test, {args.epochs} epochs each, device {device}")
    ref_times, ref_elbo = train_reference(train_x, dataset.train.y, test_x, args.epochs, device, args.seed)
    print(f"reference: median epoch {statistics.median(ref_times):.2f}s, test -ELBO {ref_elbo:.2f}")
    our_times, our_elbo = train_ours(dataset, test_x, args.epochs, device, args.seed)
    print(f"ours:      median epoch {statistics.median(our_times):.2f}s, test -ELBO {our_elbo:.2f}")
    ceiling = matmul_gflops(device)

    n = len(train_x)
    ref_epoch, our_epoch = statistics.median(ref_times), statistics.median(our_times)
    speedup = ref_epoch / our_epoch
    gap = (our_elbo - ref_elbo) / ref_elbo
    ref_gflops, our_gflops = n * step_flops() / ref_epoch / 1e9, n * step_flops() / our_epoch / 1e9
    body = f"""## Training throughput: our trainer vs the PyTorch VAE example

`python bench/train_throughput.py --dataset {args.dataset} --epochs {args.epochs}` on {device} ({machine()}).
Same model shapes (MLP 784-400-20), Adam 1e-3, batch {BATCH}, {n} training images, {args.epochs} epochs each.

| | reference (DataLoader) | ours (Trainer) | ratio |
|---|---|---|---|
| median epoch | {ref_epoch:.2f} s | {our_epoch:.2f} s | **{speedup:.2f}x faster** (target >= 1.15x) |
| examples / s | {n / ref_epoch:,.0f} | {n / our_epoch:,.0f} | |
| test -ELBO after {args.epochs} epochs (nats) | {ref_elbo:.2f} | {our_elbo:.2f} | {gap * 100:+.2f}% (target within 1%) |
| GFLOP/s (training GEMMs) | {ref_gflops:.1f} | {our_gflops:.1f} | of {ceiling:.1f} for plain matmuls of the same shapes ({our_gflops / ceiling:.0%} for ours) |
"""
    quality = f"""## Fashion-MNIST: the MLP VAE against the PyTorch example after {args.epochs} epochs

Measured by `python bench/train_throughput.py` (same model, optimiser, batch and epochs; one-sample test -ELBO on the
{len(test_x)} test images): reference **{ref_elbo:.2f}** nats, ours **{our_elbo:.2f}** nats, a gap of {gap * 100:+.2f}%
(target: within 1%).
"""
    write_section("fashion_quality", quality, doc="QUALITY.md")
    print(f"speed-up {speedup:.2f}x, -ELBO gap {gap * 100:+.2f}%; wrote {write_section('train_throughput', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
