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
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from explorer.atomic import WriteError, atomic_path
from explorer.errors import ConfigError, TrainingError
from explorer.files import describe_kind, open_regular, read_json
from explorer.io.display import printable
from explorer.training.events import events_from_json

RUN_FILE, EVENTS_FILE, CHECKPOINT_FILE = "run.json", "events.jsonl", "checkpoint.safetensors"
STATUSES = ("starting", "running", "finished", "stopped", "failed")
MAX_RUN_FILE = 1 << 20  # run.json is small; a larger one is not ours
MAX_EVENT_LINE = 1 << 20
MAX_EVENTS_FILE = 1 << 34  # a run's whole events.jsonl (a long run's step batches are a few hundred MB at most)
EVENTS_CHUNK = 16 << 20  # read at most this much of events.jsonl per poll


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
    """Read a run folder's run.json; TrainingError naming the folder when it is not one. A run folder comes from
    anywhere (synced from a server): its files are read only if they are regular files inside it, never opened
    to find out (a FIFO would block), and the checkpoint run.json names must be a file inside it too."""
    path = Path(path)
    if not path.is_dir():
        raise TrainingError(f"{path} is not a folder; a run folder holds {RUN_FILE} and {EVENTS_FILE}")
    run_file = file_in_run(path, RUN_FILE, "its run file")
    if not present_regular(run_file, "run file"):
        raise TrainingError(f"{path} is not a run folder: it has no {RUN_FILE}")
    info = read_json(run_file, "run file", MAX_RUN_FILE, TrainingError)
    if not isinstance(info, dict) or info.get("status") not in STATUSES:
        raise TrainingError(f"{run_file} is not a Latent Explorer run file (no valid status)")
    name = info.get("checkpoint")
    checkpoint = None
    if name is not None and name != "":
        candidate = file_in_run(path, name, f"the checkpoint named in {RUN_FILE}")
        checkpoint = candidate if present_regular(candidate, "checkpoint") else None
    return RunInfo(path, info, checkpoint)


def name_in_run(folder, path) -> str | None:
    """How a run's own files name ``path``: relative to the run folder; None when it lies outside (a run folder
    names only its own files)."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else None


def file_in_run(folder, name, what: str) -> Path:
    """``name``, read from a run's own files, as the path of a file inside ``folder``: a relative name, no '..',
    still inside the folder once its symlinks are followed; TrainingError saying what is wrong otherwise."""
    folder = Path(folder)
    if not isinstance(name, str) or not name or "\0" in name:
        raise TrainingError(f"{folder}: {what} must be a file name inside the run folder, got "
                            f"{printable(repr(name), 120)}")
    relative = PurePath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise TrainingError(f"{folder}: {what} is {printable(name, 200)}, which is not inside the run folder (a "
                            f"run's files are named relative to it)")
    candidate = folder / relative
    try:
        leaves = not candidate.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise TrainingError(f"{candidate} cannot be followed: {exc}") from None
    if leaves:
        raise TrainingError(f"{candidate} ({what}) is a symlink that leads out of the run folder")
    return candidate


def present_regular(path: Path, what: str) -> bool:
    """Whether ``path`` exists, without opening it; TrainingError when it is a FIFO, a device, a folder..."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise TrainingError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise TrainingError(f"{what} {path} is {describe_kind(mode)}, not a regular file")
    return True


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
        """The new events; TrainingError when events.jsonl is not a regular file inside its folder."""
        events = []
        path = file_in_run(self.path.parent, self.path.name, "its events file")
        if not present_regular(path, "events file"):
            return events
        try:
            with open_regular(path, "events file", MAX_EVENTS_FILE, TrainingError) as handle:
                handle.seek(self.offset)
                chunk = handle.read(EVENTS_CHUNK)
        except TrainingError:
            if not path.exists():  # removed between the two looks
                return events
            raise
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
            if len(line) > MAX_EVENT_LINE:
                self.skipped += 1
                continue
            try:
                events += events_from_json(line.decode("utf-8"))
            except (UnicodeDecodeError, TrainingError):
                self.skipped += 1
        return events

    def silent_for(self) -> float:
        return time.monotonic() - self.last_growth
