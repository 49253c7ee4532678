"""How a parent steers a training child: one command a line on the child's stdin (``pause``, ``resume``,
``stop``), which works the same on Linux, macOS and Windows. End of input means the parent is gone (it exited or
crashed): the run stops, saves and exits, so no orphan keeps a CPU busy. SIGTERM (and SIGHUP) stop it the same way."""
from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from typing import TextIO

COMMANDS = ("pause", "resume", "stop")


class StdinControl:
    """Reads commands on a daemon thread and calls ``on_command(name)``; ``stop`` on end of input."""

    def __init__(self, on_command: Callable[[str], None], stream: TextIO | None = None):
        self.on_command = on_command
        self.stream = stream if stream is not None else sys.stdin
        self.thread = threading.Thread(target=self._read, name="training-control", daemon=True)

    def start(self) -> StdinControl:
        self.thread.start()
        return self

    def _read(self) -> None:
        for line in self.stream:
            command = line.strip().lower()
            if command in COMMANDS:
                self.on_command(command)
        self.on_command("stop")


def stop_on_termination(on_stop: Callable[[], None]) -> None:
    """SIGTERM (and SIGHUP where it exists) ask the run to stop and save instead of killing it mid-write."""
    def handler(signum, frame):
        on_stop()

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), handler)
