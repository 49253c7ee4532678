"""Runs side by side: each run's per-epoch history, metrics and settings, read from a checkpoint's metadata (no
model is built) or from a run folder (run.json, the epochs in events.jsonl, its latest checkpoint), as the curves
and the table the Compare view shows and exports."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.errors import ConfigError, ExplorerError
from explorer.metric_catalog import METRICS, Curve

MAX_RUNS = 16  # as many as a sweep preset can start


TABLE_METRICS = tuple(metric for metric in METRICS if metric.compare)  # the columns of the Compare table


@dataclass
class ComparedRun:
    name: str
    source: Path  # what was opened: a checkpoint, or a run folder
    checkpoint: Path | None  # where the model is (None while a run folder has written none)
    meta: dict
    status: str = ""  # a run folder's: starting, running, finished, stopped or failed

    @property
    def live(self) -> bool:
        """A run folder whose run has not ended: worth reading again."""
        return self.status in ("starting", "running")

    @property
    def history(self) -> list[dict]:
        return list(self.meta.get("history") or [])

    @property
    def metrics(self) -> dict:
        return dict(self.meta.get("metrics") or {})

    @property
    def label(self) -> str:
        return str(self.meta.get("label") or self.model_config.get("kind", "?"))

    @property
    def model_config(self) -> dict:
        return dict(self.meta.get("model_config") or {})

    @property
    def latent_dim(self) -> int | None:
        value = self.model_config.get("latent_dim")
        return int(value) if isinstance(value, int) else None

    @property
    def has_kl(self) -> bool:
        """Whether the model has a KL term (an unknown kind, from a newer version, is taken to have one)."""
        from explorer.models.registry import kinds

        kind = self.model_config.get("kind")
        cls = kinds().get(kind) if isinstance(kind, str) else None
        return True if cls is None else bool(cls.info.has_kl)

    @property
    def dataset(self) -> str:
        return str((self.meta.get("dataset") or {}).get("id", "?"))


def read_compared(path) -> ComparedRun:
    """A checkpoint file's run (its metadata only) or a run folder's; an ExplorerError naming the file or folder
    when it is neither."""
    from explorer.io.checkpoint import read_metadata
    from explorer.training.run_folder import CHECKPOINT_FILE, RUN_FILE

    path = Path(path)
    if path.is_dir():
        return _read_run_folder(path)
    in_run_folder = path.name == CHECKPOINT_FILE and (path.parent / RUN_FILE).is_file()
    return ComparedRun(name=path.parent.name if in_run_folder else path.stem, source=path, checkpoint=path,
                       meta=read_metadata(path))


def _read_run_folder(path: Path) -> ComparedRun:
    """What a run folder says so far: its latest checkpoint's metadata, with the epochs and metrics its events
    reported since (a run still training, or one that ended after its last save)."""
    from explorer.io.checkpoint import read_metadata
    from explorer.training.events import EndEvent, EpochEvent, StartEvent
    from explorer.training.run_folder import EVENTS_FILE, EventTail, read_run

    run = read_run(path)
    meta = dict(read_metadata(run.checkpoint)) if run.checkpoint else {}
    events = EventTail(path / EVENTS_FILE).read()
    history = [event.record for event in events if isinstance(event, EpochEvent) and isinstance(event.record, dict)]
    starts = [event for event in events if isinstance(event, StartEvent)]
    ends = [event for event in events if isinstance(event, EndEvent)]
    if len(history) >= len(meta.get("history") or []):
        meta["history"] = history
    if ends and isinstance(ends[-1].metrics, dict) and ends[-1].metrics:
        meta["metrics"] = ends[-1].metrics
    if starts:
        start = starts[-1]
        meta.setdefault("label", start.label)
        meta.setdefault("model_config", {"kind": start.kind, "latent_dim": start.latent_dim})
        meta.setdefault("dataset", {"id": start.dataset, "train_size": start.train_size,
                                    "test_size": start.test_size})
    if isinstance(run.info.get("options"), dict):
        meta.setdefault("run_options", run.info["options"])
    return ComparedRun(name=path.name, source=path, checkpoint=run.checkpoint, meta=meta, status=run.status)


def _keys(run: ComparedRun) -> set[Path]:
    """What makes two runs the same: the file or folder opened, and the checkpoint it holds."""
    return {path.resolve() for path in (run.source, run.checkpoint) if path is not None}


def read_new_runs(paths, shown: list[ComparedRun], task=None) -> tuple[list[ComparedRun], list[str]]:
    """The runs of ``paths`` that are not yet among ``shown`` nor earlier in ``paths`` (the same file, or a run
    folder and its checkpoint, counts once), and a message for each that could not be read. Reads files: run it
    off the GUI thread (``task``, a background task's state, stops it between files)."""
    known = set().union(*(_keys(run) for run in shown))
    added, problems = [], []
    for path in paths:
        if task is not None:
            task.check()
        if Path(path).resolve() in known:
            continue
        try:
            run = read_compared(path)
        except (ExplorerError, OSError) as error:
            problems.append(f"{path}: {error}" if str(path) not in str(error) else str(error))
            continue
        if not _keys(run) & known:
            known |= _keys(run)
            added.append(run)
    return added, problems


def reread_runs(runs: list[ComparedRun], task=None) -> dict[Path, ComparedRun]:
    """The runs read again, by source; one that cannot be read just now (half-written for a moment) is left out."""
    fresh = {}
    for run in runs:
        if task is not None:
            task.check()
        try:
            fresh[run.source] = read_compared(run.source)
        except (ExplorerError, OSError):
            continue
    return fresh


def distinct_names(runs: list[ComparedRun]) -> None:
    """Give runs that share a name (checkpoint.safetensors of several folders...) their folder's name too."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    for run in runs:
        if counts[run.name] > 1:
            run.name = f"{run.source.parent.name}/{run.name}"


def check_count(runs: list) -> None:
    if len(runs) > MAX_RUNS:
        raise ConfigError(f"at most {MAX_RUNS} runs can be compared at once, got {len(runs)}")


def curve_values(run: ComparedRun, curve: Curve) -> tuple[str | None, np.ndarray, np.ndarray]:
    """(the key drawn, epochs, values) of one run for one plot; (None, empty, empty) when it has none.
    Missing or non-numeric values are NaN, so a line breaks there rather than dropping to zero."""
    history = run.history
    if curve.needs == "kl" and not run.has_kl:
        return None, np.zeros(0), np.zeros(0)
    for key in curve.keys:
        values = np.asarray([_number(row.get(key)) for row in history], dtype=np.float64)
        finite = values[np.isfinite(values)]
        if len(finite) and (key != "capacity" or finite.max() > 0):  # a capacity of 0 throughout means none
            epochs = [_number(row.get("epoch", i + 1)) for i, row in enumerate(history)]
            return key, np.asarray(epochs, dtype=np.float64), values
    return None, np.zeros(0), np.zeros(0)


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    return float(value)


def table_header() -> list[str]:
    return ["run", "model", "dataset", "latent size", "epochs"] + [metric.label for metric in TABLE_METRICS]


def table_row(run: ComparedRun) -> list:
    """One run's row: names as text, numbers as numbers, None where the run has no such value."""
    values = [metric.value(run.metrics) if metric.needs != "kl" or run.has_kl else None for metric in TABLE_METRICS]
    return [run.name, run.label, run.dataset, run.latent_dim, len(run.history)] + values


def settings_lines(run: ComparedRun) -> list[str]:
    """Everything the run was trained with, one "name: value" a line (nested settings as dotted names): the
    options it was started with where it records them, else its training config; and the model's config."""
    lines = [f"file: {run.checkpoint or run.source}"] + ([f"status: {run.status}"] if run.status else [])
    sections = ("run_options", "model_config") if run.meta.get("run_options") else ("model_config", "train_config")
    for section in sections:
        lines += [f"{key}: {value}" for key, value in _flatten(run.meta.get(section) or {})]
    dataset = run.meta.get("dataset") or {}
    lines.append(f"dataset: {dataset.get('id', '?')} ({dataset.get('train_size', '?')} train / "
                 f"{dataset.get('test_size', '?')} test)")
    return lines


def _flatten(values: dict, prefix: str = ""):
    for key, value in values.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        elif value is not None:
            yield f"{prefix}{key}", value


def prior_samples(explorer, n: int, temperature: float = 1.0, seed: int = 0):
    """``n`` decodes of prior samples from a ModelExplorer and the grid's columns; a conditional model gives a
    row per class (ceil(n / classes) each), so every run shows about the same number of items."""
    if not explorer.conditional:
        return explorer.samples(n, temperature=temperature, seed=seed), max(1, math.ceil(math.sqrt(n)))
    per_class = max(1, math.ceil(n / explorer.num_classes))
    rows = [explorer.samples(per_class, temperature=temperature, class_index=c, seed=seed)
            for c in range(explorer.num_classes)]
    if isinstance(rows[0], np.ndarray):
        return np.concatenate(rows), per_class
    return [item for row in rows for item in row], per_class
