"""The figures behind the Lessons menu, written to docs/QUALITY.md: the autoencoder against the VAE of the same
architecture, the VAE that leaves dimensions inactive, and the sweep preset "Samples for different latent sizes"
(its four VAEs trained here, as the app trains them, into build/latent-sizes/).

    python bench/lessons.py [--skip-sweep]
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.io.checkpoint import load_checkpoint  # noqa: E402

TRAINED = ROOT / "trained"
INACTIVE_KL = 0.01  # nats: the inspector greys a dimension below this
SAMPLES = 1000


def digit_classifier(dataset):
    """Logistic regression on the training images (as the CVAE's conditional accuracy uses)."""
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(max_iter=300).fit(dataset.train.x.flatten(1).numpy(), dataset.train.y.numpy())
    return classifier


def prior_sample_confidence(model, classifier, n: int = SAMPLES, seed: int = 0) -> float:
    """The classifier's mean top-class probability on decodes of z ~ N(0, I): near its score on real digits when
    samples look like digits, lower for smudges."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        z = model.sample_prior(n, None, generator=generator)
        images = model.pixel_means(z, None).flatten(1).cpu().numpy()
    return float(classifier.predict_proba(images).max(1).mean())


def code_statistics(model, split) -> tuple[float, float, float]:
    """Mean norm of the test images' codes (posterior means), and the smallest and largest per-dimension σ."""
    with torch.no_grad():
        codes = model.encode(split.x, None).mean.cpu().numpy()
    sigma = codes.std(0)
    return float(np.linalg.norm(codes, axis=1).mean()), float(sigma.min()), float(sigma.max())


def autoencoder_section(dataset, classifier) -> str:
    real = float(classifier.predict_proba(dataset.test.x.flatten(1).numpy()).max(1).mean())
    rows, stats = [], {}
    for name in ("ae-mnist5k.safetensors", "vae-mnist5k.safetensors"):
        checkpoint = load_checkpoint(TRAINED / name)
        model = checkpoint.model.eval()
        norm, low, high = code_statistics(model, dataset.test)
        confidence = prior_sample_confidence(model, classifier)
        stats[model.kind] = (norm, confidence, model.latent_dim)
        rows.append(f"| {name} | {checkpoint.label} | {model.config['hidden']} | {model.latent_dim} | "
                    f"{norm:.1f} | {low:.2f}–{high:.2f} | {confidence:.3f} |")
    (ae_norm, ae_confidence, latent_dim), (vae_norm, vae_confidence, _) = stats["ae"], stats["vae"]
    prior_norm = float(torch.randn(SAMPLES, latent_dim, generator=torch.Generator().manual_seed(0)).norm(dim=1).mean())
    return "\n".join([
        "### Why not a plain autoencoder? (Lessons ▸ Why not a plain autoencoder?)",
        "",
        "The autoencoder and the VAE share the encoder and decoder (MLP, the same hidden layer and latent size, "
        "the same 60 epochs); only the VAE's objective has the KL term. Codes are the test images' posterior means; "
        f"samples are {SAMPLES} decodes of z ~ N(0, I), judged by a logistic-regression digit classifier trained on "
        f"the training images (its mean confidence on the real test digits: {real:.3f}).",
        "",
        "| file | model | hidden | z | mean ‖code‖ | σ of a code dimension | classifier confidence on samples |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Samples from N(0, I) have a mean norm of {prior_norm:.1f}. The VAE's codes sit on that scale "
        f"({vae_norm:.1f}, σ ≈ 1 a dimension), so its samples decode to digits; the autoencoder's spread "
        f"{ae_norm / prior_norm:.1f} times wider ({ae_norm:.1f}), so the prior's samples fall in the hollow middle of "
        f"that cloud where no digit was encoded: the classifier's confidence on them is {ae_confidence:.2f}, against "
        f"{vae_confidence:.2f} for the VAE's.",
    ])


def inactive_section() -> str:
    rows, figures = [], []
    for name in ("vae-mnist5k.safetensors", "vae-z64-mnist5k.safetensors"):
        checkpoint = load_checkpoint(TRAINED / name)
        metrics, dims = checkpoint.metrics, checkpoint.model.latent_dim
        inactive = int((np.asarray(metrics["kl_per_dim"]) < INACTIVE_KL).sum())
        figures.append((dims, metrics["kl"], metrics["active_units"], inactive))
        rows.append(f"| {name} | {dims} | {len(checkpoint.history)} | {metrics['elbo']:.2f} | {metrics['kl']:.2f} | "
                    f"{metrics['active_units']}/{dims} | {inactive} |")
    (small, small_kl, _, _), (large, large_kl, large_au, large_inactive) = figures
    return "\n".join([
        "### Inactive dimensions (Lessons ▸ Inactive dimensions)",
        "",
        f"The same VAE with {small} and with {large} latent dimensions (metrics on the test split as saved with "
        "each model; AU counts dimensions whose posterior mean varies over the data, Cov > 0.01).",
        "",
        f"| file | z | epochs | −ELBO | KL | active units | dims with KL < {INACTIVE_KL} nats (greyed) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Given {large} dimensions, the VAE spends {large_kl:.1f} nats of KL (the {small}-dimensional one "
        f"{small_kl:.1f}) through {large_au} active units and leaves {large_inactive} dimensions on the prior: the "
        "inspector greys them and their traversal rows at the bottom do not change the digit.",
    ])


def train_sweep(preset_id: str, folder: Path) -> list[Path]:
    """Train each run of a sweep preset with the CLI into its own run folder; returns their checkpoints."""
    from explorer.cli import main as cli
    from explorer.training.presets import preset

    checkpoints = []
    for run in preset(preset_id).runs:
        run_dir = folder / "-".join(f"{key}{value}" for key, value in run.items() if key not in ("model", "dataset"))
        if run_dir.exists():
            shutil.rmtree(run_dir)
        flags = [item for key, value in run.items() for item in (f"--{key.replace('_', '-')}", str(value))]
        if cli(["train", *flags, "--run-dir", str(run_dir)]) != 0:
            raise SystemExit(f"training {run} failed")
        checkpoints.append(run_dir / "checkpoint.safetensors")
    return checkpoints


def latent_sizes_section(dataset, classifier, checkpoints: list[Path]) -> str:
    rows = []
    for path in checkpoints:
        checkpoint = load_checkpoint(path)
        model, metrics = checkpoint.model.eval(), checkpoint.metrics
        rows.append(f"| {model.latent_dim} | {len(checkpoint.history)} | {metrics['elbo']:.2f} | "
                    f"{metrics['recon']:.2f} | {metrics['kl']:.2f} | {metrics['active_units']}/{model.latent_dim} | "
                    f"{prior_sample_confidence(model, classifier):.3f} |")
    return "\n".join([
        "### Samples for different latent sizes (Lessons ▸ Samples for different latent sizes)",
        "",
        "The sweep preset `vae-latent-sizes` (resources/presets) trained as the app trains it, one run folder a "
        "run; the app then opens the four side by side in Compare (docs/screenshots/compare-latent-sizes.png). "
        "Kingma & Welling (2014) show the samples of such models in their figure 5.",
        "",
        "| z | epochs | −ELBO | recon | KL | active units | classifier confidence on samples |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-sweep", action="store_true", help="leave the latent-size sweep's section as it is")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    dataset = load_dataset("mnist-5k")
    classifier = digit_classifier(dataset)
    body = "\n\n".join(["## The lectures' lessons (`bench/lessons.py`)", autoencoder_section(dataset, classifier),
                        inactive_section()])
    print(f"wrote {write_section('lessons', body, doc='QUALITY.md')}")
    if not args.skip_sweep:
        checkpoints = train_sweep("vae-latent-sizes", ROOT / "build" / "latent-sizes")
        section = latent_sizes_section(dataset, classifier, checkpoints)
        print(f"wrote {write_section('latent_sizes', section, doc='QUALITY.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
