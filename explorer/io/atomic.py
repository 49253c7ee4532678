"""Write a file so that it is either whole or absent: into a temp file beside it, fsync, then rename over."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from explorer.errors import ExplorerError


class WriteError(ExplorerError):
    """A file could not be written (missing or read-only folder, full disk, ...)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temp path to write; on success it replaces ``path``, on any failure it is removed and an
    existing ``path`` is left untouched."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: folder {folder} does not exist")
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: folder {folder} is not writable ({exc.strerror})") from exc
    os.close(handle)
    try:
        yield Path(tmp_name)
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the user's usual mode
        with open(tmp_name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
