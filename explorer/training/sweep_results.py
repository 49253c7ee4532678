"""A sweep's results as Compare shows them: every figure its trials report against the swept setting (Locatello
et al. 2019, figure 1: a point per seed, the median of the seeds per value) and as a table, a row per value and a
column per seed. A trial's figures are its checkpoint's metrics, with those of ``evaluation.json`` in its folder
(what ``evaluate --json`` prints, saved there) over them; nested figures read as dotted names (dci.completeness)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.errors import ExplorerError
from explorer.limits import MAX_SETTINGS_BYTES
from explorer.metric_catalog import METRICS
from explorer.training.compare import ComparedRun, read_compared
from explorer.training.sweep import Manifest, read_manifest, value_text

EVALUATION_FILE = "evaluation.json"
MAX_DEPTH = 3  # how deep nested figures are read
MAX_KEY_CHARS = 80
MAX_FIGURES = 200  # of one trial


@dataclass
class SweepResults:
    manifest: Manifest
    runs: dict[str, ComparedRun]  # by trial name: the trials whose run folder could be read
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # by trial name: figure key -> value

    @property
    def option(self) -> str:
        return self.manifest.option

    def metric_keys(self) -> list[str]:
        """Every figure some trial has: the catalog's first, in its order, then the others by name."""
        found = {key for figures in self.figures.values() for key in figures}
        known = [m.key if m.key in found else f"{m.key}.{m.headline}" for m in METRICS]
        first = [key for key in known if key in found]
        return first + sorted(found - set(first))

    def points(self, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(setting values, seeds, figure values) of the trials that have ``key``."""
        rows = [(trial["value"], trial["seed"], self.figures.get(trial["name"], {}).get(key))
                for trial in self.manifest.trials]
        rows = [row for row in rows if row[2] is not None]
        return (np.asarray([r[0] for r in rows], dtype=np.float64), np.asarray([r[1] for r in rows], dtype=np.int64),
                np.asarray([r[2] for r in rows], dtype=np.float64))

    def medians(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(setting values, the median over seeds) for each value with at least one seed reporting ``key``."""
        settings, _, values = self.points(key)
        order = [v for v in self.manifest.values if np.any(settings == v)]
        return (np.asarray(order, dtype=np.float64),
                np.asarray([np.median(values[settings == v]) for v in order], dtype=np.float64))

    def table(self, key: str) -> tuple[list[str], list[list]]:
        """A row per value: the value, each seed's figure (None where that trial has none), their median."""
        seeds = list(self.manifest.seeds)
        header = [self.option] + [f"seed {seed}" for seed in seeds] + ["median"]
        by_trial = {(value_text(t["value"]), t["seed"]): self.figures.get(t["name"], {}).get(key)
                    for t in self.manifest.trials}
        rows = []
        for value in self.manifest.values:
            cells = [by_trial.get((value_text(value), seed)) for seed in seeds]
            present = [c for c in cells if c is not None]
            rows.append([value] + cells + [float(np.median(present)) if present else None])
        return header, rows


def metric_label(key: str) -> str:
    """A figure's name as the catalog gives it, else its key."""
    for metric in METRICS:
        if key in (metric.key, f"{metric.key}.{metric.headline}"):
            return metric.title
    return key


def read_sweep(root) -> SweepResults:
    """A sweep folder's manifest and whatever its trials' folders hold so far (a trial not started yet, or whose
    folder cannot be read, has no figures)."""
    manifest = read_manifest(root)
    runs, figures = {}, {}
    for trial in manifest.trials:
        folder = Path(root) / trial["name"]
        if not folder.is_dir():
            continue
        try:
            run = read_compared(folder)
        except (ExplorerError, OSError):
            continue
        runs[trial["name"]] = run
        found = dict(flat_figures(run.metrics), **_evaluation(folder))
        figures[trial["name"]] = dict(list(found.items())[:MAX_FIGURES])
    return SweepResults(manifest, runs, figures)


def _evaluation(folder: Path) -> dict[str, float]:
    path = folder / EVALUATION_FILE
    try:
        if not path.is_file() or path.stat().st_size > MAX_SETTINGS_BYTES:
            return {}
        return dict(flat_figures(json.loads(path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}


def flat_figures(values, prefix: str = "", depth: int = 0):
    """(dotted key, number) of every finite number in nested dicts (lists, such as per-dimension KL, are left
    out)."""
    if not isinstance(values, dict) or depth > MAX_DEPTH:
        return
    for key, value in values.items():
        name = f"{prefix}{key}"
        if len(name) > MAX_KEY_CHARS or not name.isprintable():
            continue
        if isinstance(value, dict):
            yield from flat_figures(value, name + ".", depth + 1)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            yield name, float(value)
