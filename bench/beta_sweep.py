"""The β sweep on dsprites-32 as a table in docs/QUALITY.md: every run's disentanglement metrics (``evaluate --json``
of each checkpoint), a row per run, and the median MIG per β.

    python bench/beta_sweep.py FOLDER    # FOLDER holds beta{B}-seed{S}.json, one `evaluate --json` output per run

The runs: ``main.py train --dataset dsprites-32 --model vae --beta B --latent-dim 10 --hidden 512,256 --epochs 2
--batch-size 128 --lr 1e-3 --seed S`` (or ``train --sweep beta=...``, whose trials are these same commands).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402

NAME = re.compile(r"beta(?P<beta>[0-9.]+)-seed(?P<seed>\d+)\.json")
COLUMNS = (("kl", "KL", 2), ("active_units", "AU", 0), ("mig", "MIG", 3), ("sap", "SAP", 3),
           ("dci_disentanglement", "DCI D", 3), ("dci_completeness", "DCI C", 3),
           ("dci_informativeness", "DCI I", 3), ("factor_vae_score", "FactorVAE", 3),
           ("beta_vae_score", "β-VAE score", 3))


def runs(folder: Path) -> list[tuple[float, int, dict]]:
    found = []
    for path in sorted(folder.glob("beta*-seed*.json")):
        match = NAME.fullmatch(path.name)
        if match:
            found.append((float(match["beta"]), int(match["seed"]), json.loads(path.read_text())))
    return sorted(found, key=lambda run: run[:2])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    found = runs(args.folder)
    if not found:
        raise SystemExit(f"no beta*-seed*.json in {args.folder}")
    budget = found[0][2].get("disentanglement", {}).get("budget", {})
    lines = ["## The β sweep on dsprites-32 (`bench/beta_sweep.py`)", "",
             "β-VAEs (MLP 512-256, z = 10, batch 128, lr 1e-3, 2 epochs of the 722,534 training images), each "
             "evaluated by `evaluate --json` on the 14,746 test images (disentanglement metrics on posterior means, "
             f"the app's budget: {json.dumps(budget) if budget else 'see the metrics section'}).", "",
             "| β | seed | " + " | ".join(label for _, label, _ in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for beta, seed, metrics in found:
        cells = [f"{metrics[key]:.{digits}f}" if isinstance(metrics.get(key), (int, float)) else "–"
                 for key, _, digits in COLUMNS]
        lines.append(f"| {beta:g} | {seed} | " + " | ".join(cells) + " |")
    by_beta: dict[float, list[float]] = {}
    for beta, _, metrics in found:
        by_beta.setdefault(beta, []).append(metrics["mig"])
    lines += ["", "Median MIG per β (seeds in brackets): " + ", ".join(
        f"β = {beta:g}: **{statistics.median(values):.3f}** ({len(values)})" for beta, values in by_beta.items())
        + "."]
    print(f"wrote {write_section('beta_sweep', chr(10).join(lines), doc='QUALITY.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
