"""Where the app's shipped files live: resources/ (presets, icon, stylesheet) and trained/ (shipped models)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"
TRAINED = ROOT / "trained"


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
