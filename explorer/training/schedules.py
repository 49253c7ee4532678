"""KL weight schedules w(t) in [0, 1] over training steps: linear warm-up, logistic (Bowman et al. 2016) and
cyclical (Fu et al. 2019)."""
from __future__ import annotations

import math
from collections.abc import Callable

from explorer.errors import ConfigError
from explorer.fields import SCHEDULE_KINDS


def make_schedule(spec: dict) -> Callable[[int], float]:
    """The weight at a global step for a spec such as {"kind": "linear", "warmup_steps": 1000}."""
    kind = spec.get("kind", "constant")
    if kind == "constant":
        return lambda step: 1.0
    if kind == "linear":
        warmup = int(spec.get("warmup_steps", 10000))
        if warmup < 0:
            raise ConfigError(f"linear KL warm-up needs warmup_steps >= 0, got {warmup}")
        return lambda step: min(1.0, step / warmup) if warmup else 1.0
    if kind == "logistic":
        k, x0 = float(spec.get("k", 0.0025)), float(spec.get("x0", 2500))
        if not k > 0:
            raise ConfigError(f"logistic KL schedule needs a slope k > 0, got {k}")
        return lambda step: _sigmoid(k * (step - x0))
    if kind == "cyclical":
        cycles, ratio = int(spec.get("cycles", 4)), float(spec.get("ratio", 0.5))
        total = int(spec.get("total_steps") or 0)
        if cycles < 1 or not 0 < ratio <= 1 or total < 1:
            raise ConfigError(f"cyclical KL schedule needs cycles >= 1, 0 < ratio <= 1 and total_steps >= 1, "
                              f"got {spec}")
        period = total / cycles

        def cyclical(step: int) -> float:
            # Each cycle ramps up over its first `ratio` and holds 1; after the last cycle the weight stays 1.
            if step >= total:
                return 1.0
            return min(1.0, (step % period) / period / ratio)

        return cyclical
    raise ConfigError(f"unknown KL schedule {kind!r}; expected one of {', '.join(SCHEDULE_KINDS)}")


def _sigmoid(x: float) -> float:
    # Written for both signs so that far-off steps neither overflow nor lose the small tail.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
