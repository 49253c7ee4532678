"""Named presets: the settings of a lecture's model (VAE, β-VAE, capacity β-VAE, CVAE with a learned prior,
Bowman's sentence VAE...) as JSON files in resources/presets. A preset is a dict of option values; a sweep preset
lists several runs (``runs``) and what to open when they are done (``then``: "compare")."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from explorer.errors import ConfigError
from explorer.resources import resource
from explorer.training.options import complete

PRESET_FOLDER = resource("presets")
MAX_RUNS = 16


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    description: str
    runs: tuple[dict, ...]  # option values of each run (one for an ordinary preset)
    then: str | None = None  # "compare": open the runs' checkpoints side by side when all are done
    order: int = 0  # where the app lists it

    @property
    def options(self) -> dict:
        """The options of a single-run preset (the first run of a sweep)."""
        return self.runs[0]


def load_preset_file(path: Path) -> Preset:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"preset {path.name} cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise ConfigError(f"preset {path.name} needs a JSON object with a name")
    runs = data.get("runs", [data.get("options")])
    if not isinstance(runs, list) or not 1 <= len(runs) <= MAX_RUNS or not all(isinstance(r, dict) for r in runs):
        raise ConfigError(f"preset {path.name}: expected options (an object) or runs (1 to {MAX_RUNS} objects)")
    for run in runs:
        complete(run)  # every value checked against its option now, not when the run starts
    then = data.get("then")
    if then not in (None, "compare"):
        raise ConfigError(f"preset {path.name}: 'then' must be \"compare\" or absent, got {then!r}")
    order = data.get("order", 0)
    if not isinstance(order, int):
        raise ConfigError(f"preset {path.name}: 'order' must be an integer")
    return Preset(path.stem, data["name"], str(data.get("description", "")), tuple(runs), then, order)


def presets() -> dict[str, Preset]:
    """Every shipped preset by id, in the order the app lists them."""
    found = [load_preset_file(path) for path in sorted(PRESET_FOLDER.glob("*.json"))]
    return {p.id: p for p in sorted(found, key=lambda p: (p.order, p.id))}


def preset(preset_id: str) -> Preset:
    found = presets()
    if preset_id not in found:
        raise ConfigError(f"unknown preset {preset_id!r}; expected one of {', '.join(found)}")
    return found[preset_id]
