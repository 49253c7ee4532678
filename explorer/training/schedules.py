"""KL weight schedules w(t) in [0, 1] over training steps (Bowman et al. 2016; Fu et al. 2019)."""
from __future__ import annotations

import math
from typing import Callable

from explorer.errors import ConfigError


def make_schedule(spec: dict) -> Callable[[int], float]:
    kind = spec.get("kind", "constant")
    if kind == "constant":
        return lambda step: 1.0
    if kind == "linear":
        warmup = max(1, int(spec.get("warmup_steps", 10000)))
        return lambda step: min(1.0, step / warmup)
    if kind == "logistic":
        k, x0 = float(spec.get("k", 0.0025)), float(spec.get("x0", 2500))
        return lambda step: 1.0 / (1.0 + math.exp(-k * (step - x0)))
    if kind == "cyclical":
        cycles, ratio = int(spec.get("cycles", 4)), float(spec.get("ratio", 0.5))
        total = int(spec.get("total_steps") or 0)
        if cycles < 1 or not 0 < ratio <= 1 or total < 1:
            raise ConfigError(f"cyclical schedule needs cycles >= 1, 0 < ratio <= 1 and total_steps >= 1, got {spec}")
        period = total / cycles

        def cyclical(step: int) -> float:
            phase = (step % period) / period
            return min(1.0, phase / ratio)

        return cyclical
    raise ConfigError(f"unknown KL schedule {kind!r}; expected constant, linear, logistic or cyclical")
