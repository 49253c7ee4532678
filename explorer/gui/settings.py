"""Where the app keeps what it remembers: QSettings in an INI file under the user's config folder (tests point
QSettings.setPath at a temporary folder), and finished training runs under the user's data folder. The last folder
is the last one the user chose; the app's own folders (its runs, the shipped models) never become it."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from explorer.resources import TRAINED

ORGANIZATION = "LatentExplorer"
APPLICATION = "Latent Explorer"
MAX_RECENT = 8


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def runs_dir() -> Path:
    """The folder where runs started in the app write their checkpoints."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / "latent-explorer" / "runs"


def is_shipped(path) -> bool:
    """A model shipped in trained/: opened read-only, never overwritten."""
    return Path(path).resolve().is_relative_to(TRAINED.resolve())


def _app_managed(path) -> bool:
    return is_shipped(path) or Path(path).resolve().is_relative_to(runs_dir().resolve())


def recent_files() -> list[str]:
    value = app_settings().value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


def add_recent_file(path: str) -> None:
    files = [path] + [f for f in recent_files() if f != path]
    settings = app_settings()
    settings.setValue("recent_files", files[:MAX_RECENT])
    settings.setValue("last_checkpoint", path)
    if not _app_managed(path):
        settings.setValue("last_folder", str(Path(path).parent))


def last_folder() -> str:
    return str(app_settings().value("last_folder", str(Path.home())))


def set_last_folder(path: str) -> None:
    app_settings().setValue("last_folder", str(Path(path).parent))


def last_checkpoint() -> str | None:
    value = app_settings().value("last_checkpoint")
    return str(value) if value else None
