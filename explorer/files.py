"""Opening files named by a user or by another file: regular files only, their size checked before reading; JSON
parsed with bounded nesting and no duplicate keys.

A FIFO, a device (/dev/zero, /dev/stdin), a socket or a folder would block or never end; each is refused with a
message naming the path. Opening never blocks: the file is opened non-blocking and checked with fstat on the same
descriptor, so what is checked is what is read.
"""
from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from explorer.errors import DataError, ExplorerError
from explorer.limits import MAX_JSON_DEPTH, MAX_SETTINGS_BYTES


def describe_kind(mode: int) -> str:
    """What a file that is not a regular one is, from its st_mode ("a FIFO (named pipe)", "a device"...)."""
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
            raise error(f"{what} {path} is {describe_kind(info.st_mode)}, not a regular file")
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


def read_json(path, what: str, max_bytes: int = MAX_SETTINGS_BYTES, error: type[ExplorerError] = DataError):
    """A JSON file (run.json, a preset, ...) read with the same care: a regular file under ``max_bytes``, no
    duplicate keys, bounded nesting."""
    return loads_json(read_regular(path, what, max_bytes, error), f"{what} {path}", error)


def loads_json(raw: bytes | str, what: str, error: type[ExplorerError] = DataError):
    """Parse JSON from a file: duplicate keys, nesting deeper than MAX_JSON_DEPTH, over-long numbers and invalid
    UTF-8 raise ``error``("<what> is not valid JSON ...")."""
    try:
        value = json.loads(raw, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, duplicate keys, a 5,000-digit number
        text = str(exc)
        raise error(f"{what} is not valid JSON ({text if len(text) <= 120 else text[:117] + '...'})") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise error(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"key {repr(duplicate)[:80]} appears twice")
    return result


def json_depth(value) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:
            stack.extend((child, depth + 1) for child in children)
    return deepest


def is_regular_file(path) -> bool:
    """True for an existing regular file (following symlinks), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
