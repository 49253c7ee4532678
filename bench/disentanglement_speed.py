"""How long the five disentanglement metrics take on 10,000 posterior means with dSprites' factors (3 × 6 × 40 ×
32 × 32), at the app's budget and at disentanglement_lib's. The codes come from a fixed random linear map of the
factors plus noise (10 dimensions), so the figures are the metrics' own cost, not an encoder's; the interventional
scores' encodes are counted beside them.

    python bench/disentanglement_speed.py
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import machine, write_section  # noqa: E402
from explorer.analysis import disentanglement as dis  # noqa: E402
from explorer.data.factors import FACTORS  # noqa: E402

DIMS = 10
TARGET_S = 10.0


def representation(seed: int = 0):
    rng = np.random.default_rng(seed)
    sizes = np.array(FACTORS.sizes, dtype=np.float64)
    mixing = np.eye(len(sizes), DIMS) + 0.1 * rng.standard_normal((len(sizes), DIMS))

    def represent(classes):
        return (classes / sizes) @ mixing + 0.02 * rng.standard_normal((len(classes), DIMS))
    return represent


class Counting:
    def __init__(self, represent):
        self.represent, self.rows = represent, 0

    def __call__(self, classes):
        self.rows += len(classes)
        return self.represent(classes)


def timed(budget: dis.Budget) -> dict:
    rng = np.random.default_rng(0)
    represent = Counting(representation())
    times, cpu = {}, {}
    start, start_cpu = time.perf_counter(), time.process_time()
    train_f, test_f = dis.sample_factors(FACTORS.sizes, budget.points, rng), dis.sample_factors(
        FACTORS.sizes, budget.test_points, rng)
    train_z, test_z = dis.represent_all(represent, train_f), dis.represent_all(represent, test_f)
    for name, call in [("MIG", lambda: dis.mig(train_z, train_f)),
                       ("SAP", lambda: dis.sap(train_z, train_f, test_z, test_f)),
                       ("DCI", lambda: dis.dci(train_z, train_f, test_z, test_f)),
                       ("FactorVAE score", lambda: dis.factor_vae_score(FACTORS.sizes, represent, budget, 1)),
                       ("β-VAE score", lambda: dis.beta_vae_score(FACTORS.sizes, represent, budget, 2))]:
        begin, begin_cpu = time.perf_counter(), time.process_time()
        call()
        times[name], cpu[name] = time.perf_counter() - begin, time.process_time() - begin_cpu
    times["total"], cpu["total"] = time.perf_counter() - start, time.process_time() - start_cpu
    return {"wall": times, "cpu": cpu, "encodes": represent.rows}


def main() -> None:
    results = {name: timed(budget) for name, budget in dis.BUDGETS.items()}
    names = ["MIG", "SAP", "DCI", "FactorVAE score", "β-VAE score", "total"]
    rows = [f"| {name} | " + " | ".join(f"{results[b]['wall'][name]:.2f} s ({results[b]['cpu'][name]:.2f} s)"
                                      for b in dis.BUDGETS) + " |" for name in names]
    rows.append("| codes computed | " + " | ".join(f"{results[b]['encodes']:,}" for b in dis.BUDGETS) + " |")
    load = os.getloadavg()[0]
    app, app_cpu = results["app"]["wall"]["total"], results["app"]["cpu"]["total"]
    body = f"""
## Disentanglement metrics (`bench/disentanglement_speed.py`)

All five metrics on dSprites' factors with a {DIMS}-dimensional code (a fixed linear map of the factors plus noise,
so the time is the metrics', not an encoder's): MIG on 10,000 means, SAP and DCI trained on those 10,000 and
tested on 5,000 more, the FactorVAE and β-VAE scores at each budget (`explorer/analysis/disentanglement.py`).
Target: under {TARGET_S:.0f} s on 2 cores at the app's budget: **{app:.1f} s** wall, {app_cpu:.1f} s of CPU
({"met" if app < TARGET_S else "missed"} in wall time on this shared machine; the CPU seconds, summed over threads,
are what no load from other jobs can inflate).

| metric | app budget: wall (CPU) | disentanglement_lib's budget: wall (CPU) |
|---|---|---|
""" + "\n".join(rows) + f"""

Machine: {machine()}; {os.cpu_count()} cores, load average {load:.1f} after the run (other jobs shared them).
"""
    print(body)
    print(f"wrote {write_section('disentanglement_speed', body)}")


if __name__ == "__main__":
    main()
