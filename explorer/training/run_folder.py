"""A run folder: what ``train --run-dir DIR`` writes and what the app (or a colleague's laptop, after syncing it
from a GPU server) watches. ``run.json`` holds the run's settings, versions, pid and status (rewritten atomically);
``events.jsonl`` is an append-only stream of events, one JSON line each, flushed as they happen; the checkpoint
sits beside them (``checkpoint.safetensors`` unless ``--out`` names another file)."""
from __future__ import annotations

import datetime
import json
import os
import platform
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from explorer.atomic import WriteError, atomic_path
from explorer.errors import ConfigError, TrainingError
from explorer.training.events import events_from_json

RUN_FILE, EVENTS_FILE, CHECKPOINT_FILE = "run.json", "events.jsonl", "checkpoint.safetensors"
STATUSES = ("starting", "running", "finished", "stopped", "failed")
MAX_RUN_FILE = 1 << 20  # run.json is small; a larger one is not ours
MAX_EVENT_LINE = 1 << 20


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class RunFolder:
    """The writing side, used by rank 0 of a run."""

    def __init__(self, path, info: dict):
        self.path = Path(path)
        self.info = info
        self._events = open(self.path / EVENTS_FILE, "a", encoding="utf-8")

    @classmethod
    def create(cls, path, options: dict, argv: list[str], resume: str | None = None) -> RunFolder:
        """Make (or, to continue a run in its own folder, reopen) the folder and write its run.json."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--run-dir {path} exists and is not a folder")
        if (path / RUN_FILE).exists() and not _continues(path, resume):
            raise ConfigError(f"{path} already holds a run; choose a new --run-dir, or continue that run with "
                              f"--resume {path / CHECKPOINT_FILE} --run-dir {path}")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the run folder {path}: {exc.strerror or exc}") from exc
        import torch

        import explorer

        info = {"status": "starting", "options": options, "argv": argv, "resume": resume,
                "pid": os.getpid(), "host": socket.gethostname(), "started": now_iso(), "ended": None,
                "world_size": int(os.environ.get("WORLD_SIZE", "1")),
                "versions": {"latent_explorer": explorer.__version__, "torch": torch.__version__,
                             "python": platform.python_version()},
                "checkpoint": CHECKPOINT_FILE, "message": ""}
        folder = cls(path, info)
        folder.write_info()
        return folder

    def write_info(self) -> None:
        try:
            with atomic_path(self.path / RUN_FILE) as tmp:
                tmp.write_text(json.dumps(self.info, indent=2), encoding="utf-8")
        except WriteError as exc:
            raise TrainingError(str(exc)) from exc

    def update(self, **fields) -> None:
        self.info.update(fields)
        self.write_info()

    def append(self, line: str) -> None:
        self._events.write(line + "\n")
        self._events.flush()

    def close(self) -> None:
        self._events.close()


def _continues(path: Path, resume: str | None) -> bool:
    return resume is not None and Path(resume).resolve().parent == path.resolve()


@dataclass
class RunInfo:
    """A run folder as read: its run.json, and what its status means now."""

    path: Path
    info: dict
    checkpoint: Path | None

    @property
    def status(self) -> str:
        return str(self.info.get("status", "starting"))

    @property
    def ended(self) -> bool:
        return self.status in ("finished", "stopped", "failed")

    def process_alive(self) -> bool | None:
        """Whether the run's process still exists, when it ran on this machine (None when that cannot be told)."""
        pid = self.info.get("pid")
        if self.info.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # it exists but belongs to someone else
        return True


def read_run(path) -> RunInfo:
    """Read a run folder's run.json; TrainingError naming the folder when it is not one."""
    path = Path(path)
    run_file = path / RUN_FILE
    if not path.is_dir():
        raise TrainingError(f"{path} is not a folder; a run folder holds {RUN_FILE} and {EVENTS_FILE}")
    if not run_file.is_file():
        raise TrainingError(f"{path} is not a run folder: it has no {RUN_FILE}")
    if run_file.stat().st_size > MAX_RUN_FILE:
        raise TrainingError(f"{run_file} is larger than a run file can be ({MAX_RUN_FILE} bytes)")
    try:
        info = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingError(f"{run_file} cannot be read as JSON ({exc})") from exc
    if not isinstance(info, dict) or info.get("status") not in STATUSES:
        raise TrainingError(f"{run_file} is not a Latent Explorer run file (no valid status)")
    name = info.get("checkpoint")
    checkpoint = None
    if isinstance(name, str) and name:
        candidate = Path(name) if Path(name).is_absolute() else path / name
        checkpoint = candidate if candidate.is_file() else None
    return RunInfo(path, info, checkpoint)


@dataclass
class EventTail:
    """Reads the events a growing events.jsonl gained since the last call; a partly written last line waits for
    its end. A malformed line is skipped and counted (a run folder may come from anywhere)."""

    path: Path
    offset: int = 0
    skipped: int = 0
    last_growth: float = field(default_factory=time.monotonic)
    _pending: bytes = b""

    def read(self) -> list:
        events = []
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read(16 << 20)
        except FileNotFoundError:
            return events
        if not chunk:
            return events
        self.offset += len(chunk)
        self.last_growth = time.monotonic()
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()
        if len(self._pending) > MAX_EVENT_LINE:
            self._pending, self.skipped = b"", self.skipped + 1
        for line in lines:
            if not line.strip():
                continue
            try:
                events += events_from_json(line.decode("utf-8"))
            except (UnicodeDecodeError, TrainingError):
                self.skipped += 1
        return events

    def silent_for(self) -> float:
        return time.monotonic() - self.last_growth
