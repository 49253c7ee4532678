"""Measures how long the GUI thread's event loop is blocked: a precise timer that should fire every few
milliseconds records how late each tick comes (used by the responsiveness benchmark and its tests)."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer


class StallMonitor(QObject):
    def __init__(self, interval_ms: int = 5, parent=None):
        super().__init__(parent)
        self.interval_s = interval_ms / 1000.0
        self.stalls_ms: list[float] = []
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.stalls_ms = []
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.stalls_ms.append(max(0.0, (now - self._last - self.interval_s) * 1000.0))
        self._last = now

    def stats(self) -> dict:
        """p50, p99 and max stall in milliseconds over the ticks seen, and how many ticks there were."""
        if not self.stalls_ms:
            return {"ticks": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        stalls = np.asarray(self.stalls_ms)
        return {"ticks": len(stalls), "p50_ms": float(np.percentile(stalls, 50)),
                "p99_ms": float(np.percentile(stalls, 99)), "max_ms": float(stalls.max())}
