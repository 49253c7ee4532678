"""Pick the torch device: CUDA, then Apple's MPS, then the CPU, unless the user names one."""
from __future__ import annotations

import torch

from explorer.errors import ConfigError

DEVICE_TYPES = ("cpu", "cuda", "mps")  # torch also names meta, xla, ...: nothing this app can train or draw on


def pick_device(requested: str | None = "auto") -> torch.device:
    if requested in (None, "", "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(requested)
    except (RuntimeError, TypeError, ValueError):
        device = None
    if device is None or device.type not in DEVICE_TYPES:
        raise ConfigError(f"unknown device {str(requested)[:40]!r}; expected auto, cpu, cuda, cuda:N or mps")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {requested!r} asked for, but this torch build sees no CUDA GPU; use --device cpu")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"device {requested!r} asked for, but MPS is not available here; use --device cpu")
    return device
