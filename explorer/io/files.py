"""Opening files named by a user or by another file: regular files only, their size checked before reading.

A FIFO, a device (/dev/zero, /dev/stdin), a socket or a folder would block or never end; each is refused with a
message naming the path. Opening never blocks: the file is opened non-blocking and checked with fstat on the same
descriptor, so what is checked is what is read.
"""
from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import BinaryIO, Iterator

from explorer.errors import DataError, ExplorerError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@contextlib.contextmanager
def open_regular(path, what: str, max_bytes: int, error: type[ExplorerError] = DataError) -> Iterator[BinaryIO]:
    """Open ``path`` for binary reading if it is a regular file of at most ``max_bytes``; ``what`` names it in
    messages ("checkpoint", "corpus file", ...)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} {path} is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise error(f"{what} {path} is {info.st_size:,} bytes, above the limit of {max_bytes:,}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        try:
            yield handle
        except OSError as exc:
            raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def read_regular(path, what: str, max_bytes: int, error: type[ExplorerError] = DataError) -> bytes:
    """The whole content of a regular file of at most ``max_bytes``."""
    with open_regular(path, what, max_bytes, error) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after it was measured
        raise error(f"{what} {path} is above the limit of {max_bytes:,} bytes")
    return data


def is_regular_file(path) -> bool:
    """True for an existing regular file (following symlinks), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
