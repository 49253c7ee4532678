"""Write a file so that it is either whole or absent: into a temp file beside it, fsync, then rename over.

The target must be a regular file or a new path (a device node, a FIFO or a folder is refused, never replaced); a
symlink is followed, so the file it points to is replaced and the link kept. An existing file keeps its
permission bits (a 0600 checkpoint stays 0600). A failed write leaves the old file intact and removes the temp
file. A writer killed mid-write (SIGKILL, power loss) leaves its temp file behind; it is named after the target and
the writer's process id (``.NAME.PID-XXXX.partial``), and the next write to the same target removes those whose
writer is gone and that belong to this user: never a file of a live process, another user or another program.
"""
from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from explorer.errors import ExplorerError

TEMP_SUFFIX = ".partial"
_TEMP_TAIL = re.compile(r"(\d+)-[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))  # what follows .NAME. in our temp names


class WriteError(ExplorerError):
    """A file could not be written (missing or read-only folder, full disk, not a regular file, ...)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output_path(path, what: str = "file") -> Path:
    """The path to write for ``path``: a regular file (symlinks followed) or a new name in an existing folder.
    Raises WriteError naming the path for an empty name, a folder, a device, a FIFO or a missing folder."""
    if path is None or not str(path).strip():
        raise WriteError(f"the {what} to write needs a file name, got {str(path or '')!r}")
    path = Path(path)
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device or a pipe, not a regular file"
        raise WriteError(f"cannot write {path}: it is {kind}; give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: folder {Path(path).parent} does not exist")
    return target


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def remove_stale_temp_files(target: Path) -> list[Path]:
    """Remove temp files of earlier writes to ``target`` whose writer process is gone; returns what was removed."""
    removed = []
    prefix = _temp_prefix(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        tail = _TEMP_TAIL.fullmatch(entry.name[len(prefix):]) if entry.name.startswith(prefix) else None
        if tail is None or _process_alive(int(tail.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or not a pid we can ask about: leave its files alone
    return True


@contextlib.contextmanager
def atomic_path(path, what: str = "file") -> Iterator[Path]:
    """Yield a temp path to write; on success it replaces ``path``, on any failure it is removed and an
    existing ``path`` is left untouched."""
    target = check_output_path(path, what)
    remove_stale_temp_files(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f"{_temp_prefix(target)}{os.getpid()}-", suffix=TEMP_SUFFIX,
                                            dir=target.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: folder {target.parent} is not writable ({exc.strerror})") from exc
    os.close(handle)
    try:
        yield Path(tmp_name)
        os.chmod(tmp_name, mode)
        with open(tmp_name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp_name, target)
        _sync_folder(target.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if os.path.lexists(tmp_name):
            os.unlink(tmp_name)


def write_atomic(path, data: bytes, what: str = "file") -> Path:
    """Write ``data`` to ``path`` atomically; WriteError (e.g. the disk is full) leaves the old file intact."""
    with atomic_path(path, what) as tmp:
        with open(tmp, "wb") as out:
            out.write(data)
    return Path(path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every system lets a folder be opened, so this is best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
