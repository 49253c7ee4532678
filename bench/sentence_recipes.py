"""Sentence VAE recipes against posterior collapse, each trained by the real `train` command on wordnet-examples and
evaluated on the held-out sentences; the ablation table in docs/QUALITY.md is written from every run done.

    python bench/sentence_recipes.py --run NAME [NAME ...]   # train (unless done) and evaluate these recipes
    python bench/sentence_recipes.py --report                # write the table from every evaluated run
    python bench/sentence_recipes.py --list

Checkpoints and results go to build/recipes/ (NAME.safetensors, NAME.json); a run already there is not redone.
Run it with OMP_NUM_THREADS=1 on a shared machine.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402

OUT = ROOT / "build" / "recipes"
NLL_SAMPLES = 100
ABLATION_NLL_SAMPLES = 20  # the short ablation runs: a looser bound, a quarter of the evaluation time
# What every sentence model here shares: the corpus, the architecture's size and the batch.
BASE = ["--dataset", "wordnet-examples", "--min-count", "5", "--embed-dim", "128", "--hidden-dim", "256",
        "--batch-size", "128", "--autosave-every", "0", "--no-optimizer-state"]
VAE = ["--model", "sentence-vae", "--latent-dim", "32"]

def _without(flags: list[str], *names: str) -> list[str]:
    """``flags`` without the named flags and their values (a switch has none)."""
    out, index = [], 0
    while index < len(flags):
        has_value = index + 1 < len(flags) and not flags[index + 1].startswith("--")
        if flags[index] not in names:
            out += flags[index:index + 1 + has_value]
        index += 1 + has_value
    return out


ABLATION = VAE + ["--pool", "max", "--bidirectional", "--lr", "3e-3", "--pretrain-epochs", "1", "--kl-schedule",
                  "linear", "--warmup-steps", "338", "--free-bits", "0.5"]
# name -> (what it tests, flags). Budgets are in the flags (--epochs), pre-training epochs included.
RECIPES: dict[str, tuple[str, list[str]]] = {
    "lm-6": ("LM baseline, 6 epochs", ["--model", "lm", "--epochs", "6"]),
    "lm-10-lr3e-3": ("LM baseline, 10 epochs, lr 3e-3", ["--model", "lm", "--epochs", "10", "--lr", "3e-3"]),
    "lm-10": ("LM baseline, 10 epochs", ["--model", "lm", "--epochs", "10"]),
    "vae-10": ("candidate: max-pooled bidirectional encoder, lr 3e-3, 3 epochs AE pre-training, decoder reset, "
               "linear KL warm-up over an epoch, free bits 0.5",
               VAE + ["--pool", "max", "--bidirectional", "--lr", "3e-3", "--pretrain-epochs", "3",
                      "--kl-schedule", "linear", "--warmup-steps", "338", "--free-bits", "0.5", "--epochs", "10"]),
    **{f"a3-{name}": (f"ablation, 3 epochs: {what}", flags + ["--epochs", "3"]) for name, (what, flags) in {
        "ref": ("max-pooled bidirectional encoder, lr 3e-3, 1 epoch AE pre-training, decoder reset, linear warm-up, "
                "free bits 0.5", ABLATION),
        "no-reset": ("the reference without the decoder reset", ABLATION + ["--no-reset-decoder"]),
        "no-pretrain": ("the reference without pre-training (linear warm-up from the start)",
                        _without(ABLATION, "--pretrain-epochs")),
        "no-pretrain-cyclical": ("no pre-training, cyclical β (2 cycles) instead",
                                 _without(ABLATION, "--pretrain-epochs", "--kl-schedule", "--warmup-steps")
                                 + ["--kl-schedule", "cyclical", "--cycles", "2"]),
        "last-uni": ("last state of a unidirectional encoder", _without(ABLATION, "--pool", "--bidirectional")
                     + ["--pool", "last"]),
        "max-uni": ("max-pooled unidirectional encoder", _without(ABLATION, "--bidirectional")),
        "mean-bi": ("mean-pooled bidirectional encoder", _without(ABLATION, "--pool") + ["--pool", "mean"]),
        "fb1": ("free bits 1 nat/dim", _without(ABLATION, "--free-bits") + ["--free-bits", "1"]),
        "fb2": ("free bits 2 nats/dim", _without(ABLATION, "--free-bits") + ["--free-bits", "2"]),
        "z64": ("64 latent dims", _without(ABLATION, "--latent-dim") + ["--latent-dim", "64"]),
        "wd0.25": ("word dropout 0.25", ABLATION + ["--word-dropout", "0.25"]),
        **{f"tf-{inject}": (f"Transformer decoder (2 layers, width 256), z injected as {inject}",
                            ABLATION + ["--decoder", "transformer", "--inject", inject])
           for inject in ("memory", "embedding", "both")},
    }.items()},
    "old-6": ("the previous shipped recipe: last state, cyclical β, free bits 0.125, word dropout 0.25",
              VAE + ["--pool", "last", "--kl-schedule", "cyclical", "--cycles", "3", "--free-bits", "0.125",
                     "--word-dropout", "0.25", "--epochs", "6"]),
    "ae-10-lr3e-3": ("sentence AE (no KL), max-pooled bidirectional encoder",
                     ["--model", "sentence-ae", "--latent-dim", "32", "--pool", "max", "--bidirectional",
                      "--epochs", "10", "--lr", "3e-3"]),
}


def train(name: str, flags: list[str]) -> float:
    """Train with the CLI; the seconds the training itself took (the sum of its epochs)."""
    from explorer.io.checkpoint import read_metadata

    out = OUT / f"{name}.safetensors"
    if not out.exists():
        command = [sys.executable, str(ROOT / "main.py"), "train", *BASE, *flags, "--out", str(out)]
        print(" ".join(command), flush=True)
        subprocess.run(command, check=True, cwd=ROOT)
    return sum(record.get("seconds", 0.0) for record in read_metadata(out)["history"])


def evaluate(name: str) -> dict:
    import torch

    from explorer.analysis.metrics import evaluate as evaluate_model
    from explorer.data.registry import load_dataset
    from explorer.io.checkpoint import load_checkpoint

    checkpoint = load_checkpoint(OUT / f"{name}.safetensors")
    info = checkpoint.dataset
    dataset = load_dataset(info["id"], **info.get("options", {}))
    torch.manual_seed(0)
    samples = (ABLATION_NLL_SAMPLES if name.startswith("a3-") else NLL_SAMPLES) if checkpoint.model.variational else 0
    metrics = evaluate_model(checkpoint.model, dataset.test, nll_samples=samples)
    metrics.pop("kl_per_dim", None)
    return dict(metrics, nll_samples=samples, epochs=len(checkpoint.history))


def run(name: str) -> dict:
    what, flags = RECIPES[name]
    result_path = OUT / f"{name}.json"
    if result_path.exists():
        return json.loads(result_path.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = train(name, flags)
    start = time.perf_counter()
    result = {"name": name, "what": what, "flags": flags, "train_seconds": seconds, **evaluate(name),
              "eval_seconds": time.perf_counter() - start, "threads": os.environ.get("OMP_NUM_THREADS")}
    result_path.write_text(json.dumps(result, indent=1))
    print(json.dumps(result), flush=True)
    return result


def fmt(value, digits=2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def report() -> None:
    results = [json.loads(path.read_text()) for path in sorted(OUT.glob("*.json"))]
    lines = [
        "## Sentence VAE recipes (ablation)",
        "",
        "`python bench/sentence_recipes.py --run NAME` trains each recipe with the `train` command on "
        "wordnet-examples (min count 5, embeddings 128, GRU 256, batch 128; the flags below add to these) and "
        "evaluates it on the 4,802 held-out sentences: KL, active units, mutual information, perplexity from the "
        f"ELBO and importance-weighted (k={NLL_SAMPLES}, {ABLATION_NLL_SAMPLES} for the 3-epoch ablation rows), and reconstruction (greedy decodes of the posterior "
        "means, <unk> allowed) as corpus BLEU-4, token accuracy and exact copies. Training minutes are wall time with "
        "one torch thread on a 2-core machine shared with other jobs: compare them loosely.",
        "",
        "| run | what | epochs | train (min) | −ELBO | KL | AU | MI | PPL | PPL (IW, k) | BLEU | token acc. | exact |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: list(RECIPES).index(r["name"]) if r["name"] in RECIPES else 999):
        lines.append(
            f"| `{r['name']}` | {r['what']} | {r['epochs']} | {r['train_seconds'] / 60:.1f} | {fmt(r['elbo'])} | "
            f"{fmt(r['kl'])} | {r['active_units']} | {fmt(r['mutual_info'])} | {fmt(r['ppl'], 1)} | "
            f"{fmt(r.get('ppl_iw'), 1)} ({r['nll_samples']}) | {fmt(r.get('recon_bleu'), 1)} | {fmt(r.get('recon_token_accuracy'))} | "
            f"{fmt(r.get('recon_exact'))} |")
    lines += ["", "Flags of each run (beside the shared ones above):", ""]
    lines += [f"- `{r['name']}`: `{' '.join(r['flags'])}`" for r in results]
    print(f"wrote {write_section('sentence_recipes', chr(10).join(lines), doc='QUALITY.md')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", nargs="+", default=[], choices=list(RECIPES), metavar="NAME")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    if args.list:
        for name, (what, flags) in RECIPES.items():
            print(f"{name:24s} {what}\n{'':24s} {' '.join(flags)}")
    for name in args.run:
        run(name)
    if args.report:
        report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
