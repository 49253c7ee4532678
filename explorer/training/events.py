"""What a training run reports while it runs, as plain values that travel as JSON lines (a run folder's
``events.jsonl``, or a child process's stdout): step batches, epoch records, state changes, checkpoints written
and the end of the run."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields

from pydantic import TypeAdapter, ValidationError

from explorer.errors import TrainingError
from explorer.files import loads_json


@dataclass
class StepEvent:
    """Where a run is after a step. ``scalars`` are what the model's training step logged (loss, recon, kl, or an
    AAE's phases...); ``schedule`` the objective's values at that step (beta, capacity...)."""

    epoch: int
    step: int
    steps_per_epoch: int
    global_step: int
    total_steps: int
    scalars: dict[str, float | None]  # None: the value was not finite
    schedule: dict[str, float | None]
    examples_per_s: float | None
    eta_s: float | None


@dataclass
class EpochEvent:
    epoch: int
    epochs: int  # the last epoch of this run
    record: dict


@dataclass
class StateEvent:
    """The run was paused, resumed, or is stopping (saving before it exits)."""

    state: str  # "paused" | "running" | "stopping"


@dataclass
class CheckpointEvent:
    """A checkpoint was written: ``path`` (relative to the run folder when it lies inside it), after ``epoch``;
    ``final`` for the run's last save."""

    path: str
    epoch: int
    final: bool = False


@dataclass
class StartEvent:
    """The run has loaded its data and built its model."""

    kind: str
    label: str
    latent_dim: int
    dataset: str
    train_size: int
    test_size: int
    device: str
    world_size: int = 1
    first_epoch: int = 1
    epochs: int = 0


@dataclass
class EndEvent:
    """How the run ended: "finished", "stopped" (by the user, with a checkpoint) or "failed" (with a message)."""

    status: str
    message: str = ""
    metrics: dict = field(default_factory=dict)


EVENT_TYPES = {"step": StepEvent, "epoch": EpochEvent, "state": StateEvent, "checkpoint": CheckpointEvent,
               "start": StartEvent, "end": EndEvent}
_TYPE_NAMES = {cls: name for name, cls in EVENT_TYPES.items()}


def event_to_json(event) -> str:
    """One line of JSON (non-finite floats become null, which JSON has no other word for)."""
    return json.dumps({"type": _TYPE_NAMES[type(event)], **_finite(asdict(event))}, separators=(",", ":"))


def events_to_json(events: list) -> str:
    """Step events travel in batches: one line ``{"type": "steps", "events": [...]}``."""
    payload = [_finite(asdict(e)) for e in events]
    return json.dumps({"type": "steps", "events": payload}, separators=(",", ":"))


def events_from_json(line: str) -> list:
    """The events one line holds (a steps batch holds several); TrainingError for a line that is not an event: not
    JSON, nested too deep, a NaN or infinite number (a writer of ours sends null), a field of the wrong type."""
    try:
        data = loads_json(line, "a training event", TrainingError)
        if _has_non_finite(data):
            raise ValueError("a number is not finite")
        kind = data.pop("type")
        if kind == "steps":
            return [_build(StepEvent, item) for item in data["events"]]
        return [_build(EVENT_TYPES[kind], data)]
    except (TrainingError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise TrainingError(f"not a training event: {line[:200]!r}") from exc


_ADAPTERS = {cls: TypeAdapter(cls) for cls in EVENT_TYPES.values()}


def _build(cls, data: dict):
    names = {f.name for f in fields(cls)}
    return _ADAPTERS[cls].validate_python({key: value for key, value in data.items() if key in names})


def _has_non_finite(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
