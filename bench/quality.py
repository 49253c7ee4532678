"""Evaluate every shipped image checkpoint in trained/ on its dataset's test split and write the table to
docs/QUALITY.md (the sentence models: bench/sentence_quality.py).

    python bench/quality.py [--nll-samples 100]
"""
from __future__ import annotations

import argparse
import math
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
    args = parser.parse_args(argv)
    rows = []
    for path in sorted((ROOT / "trained").glob("*.safetensors")):
        checkpoint = load_checkpoint(path)
        info = checkpoint.dataset
        if info["domain"] == "text":  # the sentence models have their section: bench/sentence_quality.py
            continue
        dataset = load_dataset(info["id"], **info.get("options", {}))
        metrics = evaluate(checkpoint.model, dataset.test, nll_samples=args.nll_samples)
        accuracy = None
        if checkpoint.model.conditional and dataset.domain == "image":
            accuracy = conditional_accuracy(checkpoint.model, dataset)
        rows.append((path.name, checkpoint, metrics, accuracy))
        print(f"{path.name}: -ELBO {metrics['elbo']:.2f}")
    lines = [
        "## Shipped models (`trained/`)",
        "",
        f"`python bench/quality.py --nll-samples {args.nll_samples}`: each image model on its dataset's test split (the sentence "
        "models: their section below). "
        "Rebuild them with `make shipped-models` (the exact commands are in the Makefile).",
        "",
        "| file | model | dataset | z | epochs | -ELBO | recon | KL | IW-NLL (k) | AU | MI | conditional accuracy "
        "| code accuracy | component fit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, checkpoint, m, accuracy in rows:
        acc = "–" if accuracy is None else (f"**{accuracy['accuracy']:.3f}** (classifier on real test digits: "
                                             f"{accuracy['classifier_test_accuracy']:.3f})")
        code = "–" if m.get("discrete_accuracy") is None else f"**{m['discrete_accuracy']['accuracy']:.3f}**"
        fit = "–" if m.get("component_fit") is None else f"**{m['component_fit']:.3f}**"
        lines.append(
            f"| {name} | {checkpoint.label} | {checkpoint.dataset['id']} | {latent_size(checkpoint.model)} | "
            f"{len(checkpoint.history)} | {fmt(m['elbo'])} | {fmt(m['recon'])} | {fmt(m['kl'])} | "
            f"{fmt(m.get('nll_iw'))} ({args.nll_samples}) | "
            f"{m['active_units']}/{checkpoint.model.latent_layout.continuous} | "
            f"{fmt(m['mutual_info'])} | {acc} | "
            f"{code} | {fit} |")
    lines += ["", "Conditional accuracy: 100 samples per class drawn from p(z|c) and decoded, then labelled by a "
              "logistic-regression classifier trained on the same training images; the fraction labelled c. "
              "Code accuracy: each test item's most probable category of a categorical latent, the categories "
              "matched one-to-one to the classes (Hungarian method), the fraction that agrees. Component fit: the "
              "fraction of test codes whose most likely prior component is their label's. An autoencoder's "
              "-ELBO and IW-NLL columns are its reconstruction (it has no KL)."]
    print(f"wrote {write_section('shipped_models', chr(10).join(lines), doc='QUALITY.md')}")
    zoo = [row for row in rows if "discrete_accuracy" in row[2] or "component_fit" in row[2]]
    if zoo:
        write_zoo_section(zoo)
    return 0


def latent_size(model) -> str:
    """z=D, or D + K_1 + ... for categorical latents."""
    layout = model.latent_layout
    return " + ".join([str(layout.continuous)] + [f"{k}-way" for k in layout.discrete])


def write_zoo_section(rows) -> None:
    """The JointVAE's code against the labels (its confusion matrix) and the AAE's codes in their components."""
    from explorer.analysis.metrics import matched_order

    lines = ["## The model zoo: what the codes recovered", ""]
    for name, checkpoint, m, _ in rows:
        options = checkpoint.meta.get("run_options", {})
        names = checkpoint.dataset.get("class_names", [])
        code = m.get("discrete_accuracy")
        if code is not None:
            order = matched_order(code["assignment"])
            kl_c = ", ".join(f"{v:.2f}" for v in m.get("kl_discrete", []))
            lines += [f"### {name}: {checkpoint.label}, unsupervised code accuracy **{code['accuracy']:.3f}**", "",
                      f"Continuous KL_z {sum(m['kl_per_dim']):.2f} nats (capacity {options.get('capacity')}), "
                      f"categorical KL_c {kl_c} nats (capacity {options.get('capacity_c')}, at most "
                      f"log {len(code['assignment'])} = {math.log(len(code['assignment'])):.2f}), γ = "
                      f"{options.get('gamma')}; -ELBO {m['elbo']:.2f}, IW-NLL {fmt(m.get('nll_iw'))}. Test items of "
                      "each class (rows) by their most probable category (columns, ordered by the class each was "
                      "matched to):", "",
                      "| class | " + " | ".join(f"c={k}" for k in order) + " |",
                      "|---|" + "---|" * len(order)]
            for c, row in enumerate(code["confusion"]):
                cells = [f"**{row[k]}**" if code["assignment"][k] == c else str(row[k]) for k in order]
                lines.append(f"| {names[c] if c < len(names) else c} | " + " | ".join(cells) + " |")
            lines.append("")
        if m.get("component_fit") is not None:
            per_class = m.get("component_fit_per_class", [])
            lines += [f"### {name}: {checkpoint.label}, component fit **{m['component_fit']:.3f}**", "",
                      f"Prior `{options.get('prior')}` with the label picking the component: the fraction of test "
                      f"codes that lie in their label's component is {m['component_fit']:.3f}; reconstruction "
                      f"{m['recon']:.2f} nats per image. Per class:", "",
                      "| " + " | ".join(names[c] if c < len(names) else str(c) for c in range(len(per_class))) + " |",
                      "|" + "---|" * len(per_class),
                      "| " + " | ".join(fmt(v, 3) for v in per_class) + " |", ""]
    print(f"wrote {write_section('model_zoo', chr(10).join(lines), doc='QUALITY.md')}")


if __name__ == "__main__":
    sys.exit(main())
