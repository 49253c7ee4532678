"""The β sweep on dsprites-32 as a table in docs/QUALITY.md: each trial's disentanglement metrics, a row per trial,
and the median MIG per β, read from the sweep folder as the Compare window reads it.

    python bench/beta_sweep.py SWEEP_FOLDER

A trial's figures are ``evaluate --json`` of its checkpoint, saved as evaluation.json in its folder (run here for
each finished trial that has none yet). The sweep:

    main.py train --dataset dsprites-32 --model vae --hidden 512,256 --latent-dim 10 --epochs 2 --batch-size 128 \\
        --lr 1e-3 --sweep beta=16,8,4,2,1 --seeds 2 --jobs 2 --run-dir SWEEP_FOLDER
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from explorer.training.sweep_results import EVALUATION_FILE, read_sweep  # noqa: E402

COLUMNS = (("kl", "KL", 2), ("active_units", "AU", 0), ("mig", "MIG", 3), ("sap", "SAP", 3),
           ("dci_disentanglement", "DCI D", 3), ("dci_completeness", "DCI C", 3),
           ("dci_informativeness", "DCI I", 3), ("factor_vae_score", "FactorVAE", 3),
           ("beta_vae_score", "β-VAE score", 3))


def evaluate_finished(root: Path) -> None:
    """``evaluate --json`` of every finished trial's checkpoint that has no evaluation.json beside it yet."""
    results = read_sweep(root)
    for name, run in results.runs.items():
        saved = root / name / EVALUATION_FILE
        if saved.exists() or run.status != "finished" or run.checkpoint is None:
            continue
        printed = subprocess.run([sys.executable, str(ROOT / "main.py"), "evaluate", str(run.checkpoint), "--json"],
                                 check=True, capture_output=True, text=True).stdout
        saved.write_text(printed, encoding="utf-8")
        print(f"evaluated {name}", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the sweep's --run-dir (holding sweep.json)")
    args = parser.parse_args(argv)
    evaluate_finished(args.folder)
    results = read_sweep(args.folder)
    if not any("mig" in figures for figures in results.figures.values()):
        raise SystemExit(f"no trial of {args.folder} has disentanglement metrics yet")
    budget = next((json.loads((args.folder / name / EVALUATION_FILE).read_text()).get("disentanglement", {})
                   .get("budget") for name in results.figures if (args.folder / name / EVALUATION_FILE).exists()),
                  None)
    settings = results.manifest.settings
    lines = ["## The β sweep on dsprites-32 (`bench/beta_sweep.py`)", "",
             f"β-VAEs (MLP {settings.get('hidden', '512,256')}, z = {settings.get('latent_dim', 10)}, batch "
             f"{settings.get('batch_size', 128)}, lr {settings.get('lr', 1e-3)}, {settings.get('epochs', 2)} epochs "
             "of the 722,534 training images), each evaluated by `evaluate --json` on the 14,746 test images "
             "(disentanglement metrics on posterior means, the app's budget: "
             f"{json.dumps(budget) if budget else 'see the metrics section'}). The same figures are the Compare "
             "window's sweep plot of this folder.", "",
             "| β | seed | " + " | ".join(label for _, label, _ in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for trial in sorted(results.manifest.trials, key=lambda t: (t["value"], t["seed"])):
        figures = results.figures.get(trial["name"], {})
        if "mig" not in figures:
            continue
        cells = [f"{figures[key]:.{digits}f}" if key in figures else "–" for key, _, digits in COLUMNS]
        lines.append(f"| {trial['value']:g} | {trial['seed']} | " + " | ".join(cells) + " |")
    values, medians = results.medians("mig")
    counts = {value: int((results.points("mig")[0] == value).sum()) for value in values}
    lines += ["", "Median MIG per β (seeds in brackets): " + ", ".join(
        f"β = {value:g}: **{median:.3f}** ({counts[value]})" for value, median in sorted(zip(values, medians)))
        + "."]
    print(f"wrote {write_section('beta_sweep', chr(10).join(lines), doc='QUALITY.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
