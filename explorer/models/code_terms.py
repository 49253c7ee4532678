"""What unsupervised clustering adds to a categorical code, as terms a JointVAE may add to its loss: batch balance,
KL(mean over the batch of q(c|x) ‖ uniform), which keeps every category in use instead of a few carrying the
digits' styles; and invariance, KL(q(c|x) ‖ q(c|T(x))) for a small random shift, rotation and scaling T of each
image, which keeps a category about what an image is rather than where or how slanted it is."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_SHIFT = 0.1  # of the image's half-width: ±0.8 px of an 8x8 digit, ±1.4 px of a 28x28 one
MAX_ROTATION = math.radians(15)
MAX_SCALING = 0.1  # scale factors within 1 ± this


def batch_balance(logits: list[torch.Tensor]) -> torch.Tensor:
    """Σ over the categorical variables of KL(mean_batch q(c|x) ‖ uniform), in nats: 0 when the batch uses every
    category equally, log K when every item is sure of the same one."""
    total = logits[0].new_zeros(())
    for variable in logits:
        mean = variable.softmax(-1).mean(0)
        total = total + (mean * (mean.clamp_min(1e-12).log() + math.log(variable.shape[-1]))).sum()
    return total


def small_transforms(x: torch.Tensor, shift: float = MAX_SHIFT, rotation: float = MAX_ROTATION,
                     scaling: float = MAX_SCALING) -> torch.Tensor:
    """Each image of ``x`` (N, C, H, W) shifted, rotated and scaled at random within the given bounds (uniform
    draws from torch's generator), resampled bilinearly with zeros outside."""
    angle, scale = _uniform(x, rotation), 1 + _uniform(x, scaling)
    dx, dy = _uniform(x, shift), _uniform(x, shift)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, dx], 1), torch.stack([sin, cos, dy], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _uniform(x: torch.Tensor, bound: float) -> torch.Tensor:
    """One draw a row of ``x``, uniform in [-bound, bound]."""
    return (torch.rand(x.shape[0], device=x.device, dtype=x.dtype) * 2 - 1) * bound


def invariance(logits: list[torch.Tensor], moved_logits: list[torch.Tensor]) -> torch.Tensor:
    """Mean over the batch of Σ over the variables of KL(q(c|x) ‖ q(c|T(x))), in nats."""
    total = logits[0].new_zeros(())
    for here, there in zip(logits, moved_logits):
        p = here.log_softmax(-1)
        total = total + (p.exp() * (p - there.log_softmax(-1))).sum(-1).mean()
    return total
