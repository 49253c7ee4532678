"""Processes that crunch numbers while a person works in the window (a run the app started, the map worker) lower
their own CPU priority: the window's thread then gets a core the moment it has something to draw, and they still
get every cycle it leaves idle."""
from __future__ import annotations

import os

TRAINING_NICE = 10  # a run started from the app: below the window, above the map worker
MAP_WORKER_NICE = 19  # a map is never worth a slower run


def lower_priority(niceness: int) -> None:
    """Add ``niceness`` to this process's nice value (POSIX); elsewhere, run as it is."""
    try:
        os.nice(niceness)
    except (AttributeError, OSError):  # Windows has no nice(): a lower priority is a courtesy, not a need
        pass
