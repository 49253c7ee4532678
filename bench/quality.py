"""Evaluate every shipped checkpoint in trained/ on its dataset's test split and write the table to docs/QUALITY.md.

    python bench/quality.py [--nll-samples 100]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from explorer.analysis.metrics import conditional_accuracy, evaluate  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.io.checkpoint import load_checkpoint  # noqa: E402


def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nll-samples", type=int, default=100)
    parser.add_argument("--text-nll-samples", type=int, default=100)
    parser.add_argument("--lm", help="a language-model checkpoint trained on the same split with the same budget: "
                                     "the sentence VAE's baseline")
    args = parser.parse_args(argv)
    rows = []
    for path in sorted((ROOT / "trained").glob("*.safetensors")):
        checkpoint = load_checkpoint(path)
        info = checkpoint.dataset
        dataset = load_dataset(info["id"], **info.get("options", {}))
        k = args.text_nll_samples if dataset.domain == "text" else args.nll_samples
        metrics = evaluate(checkpoint.model, dataset.test, nll_samples=k)
        accuracy = None
        if checkpoint.model.conditional and dataset.domain == "image":
            accuracy = conditional_accuracy(checkpoint.model, dataset)
        rows.append((path.name, checkpoint, metrics, accuracy))
        print(f"{path.name}: -ELBO {metrics['elbo']:.2f}")
    lines = [
        "## Shipped models (`trained/`)",
        "",
        f"`python bench/quality.py --nll-samples {args.nll_samples}`: each model on its dataset's test split. "
        "Rebuild them with `make shipped-models` (the exact commands are in the Makefile).",
        "",
        "| file | model | dataset | z | epochs | -ELBO | recon | KL | IW-NLL (k) | AU | MI | PPL | reconstruction BLEU-4 "
        "/ token acc. | conditional accuracy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, checkpoint, m, accuracy in rows:
        recon = "–" if "recon_bleu" not in m else f"{m['recon_bleu']:.1f} / {100 * m['recon_token_accuracy']:.0f}%"
        acc = "–" if accuracy is None else (f"**{accuracy['accuracy']:.3f}** (classifier on real test digits: "
                                             f"{accuracy['classifier_test_accuracy']:.3f})")
        lines.append(
            f"| {name} | {checkpoint.label} | {checkpoint.dataset['id']} | {checkpoint.model.latent_dim} | "
            f"{len(checkpoint.history)} | {fmt(m['elbo'])} | {fmt(m['recon'])} | {fmt(m['kl'])} | "
            f"{fmt(m.get('nll_iw'))} ({args.text_nll_samples if m.get('ppl') else args.nll_samples}) | {m['active_units']}/{checkpoint.model.latent_dim} | "
            f"{fmt(m['mutual_info'])} | {fmt(m.get('ppl'))} | {recon} | {acc} |")
    lines += ["", "Conditional accuracy: 100 samples per class drawn from p(z|c) and decoded, then labelled by a "
              "logistic-regression classifier trained on the same training images; the fraction labelled c."]
    print(f"wrote {write_section('shipped_models', chr(10).join(lines), doc='QUALITY.md')}")
    by_kind = {row[1].model.kind: row for row in rows}
    if args.lm and "sentence-vae" in by_kind:
        from bench.sentence_quality import write_sentence_section

        _, vae, vae_metrics, _ = by_kind["sentence-vae"]
        ae = by_kind["sentence-ae"][1] if "sentence-ae" in by_kind else None
        write_sentence_section(vae, vae_metrics, ae, load_checkpoint(args.lm), args.text_nll_samples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
