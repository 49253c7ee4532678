"""The image domain: turns latents into pictures (uint8 arrays) and stored thumbnails back into model inputs."""
from __future__ import annotations

import numpy as np
import torch

from explorer.models.base import LatentModel


class ImageDomain:
    name = "image"

    def __init__(self, shape: tuple[int, ...]):
        self.shape = tuple(shape)  # (C, H, W)

    @torch.no_grad()
    def render(self, model: LatentModel, z: torch.Tensor, cond: torch.Tensor | None = None, **_options) -> np.ndarray:
        """Decode latents (N, D) to uint8 images (N, H, W) (or (N, H, W, C) for colour)."""
        model.eval()
        means = model.pixel_means(z.to(model.device), None if cond is None else cond.to(model.device))
        return to_uint8(means)

    def to_input(self, items: np.ndarray) -> torch.Tensor:
        return from_uint8(items)


def to_uint8(pixels: torch.Tensor) -> np.ndarray:
    """Float pixels (N, C, H, W) in [0, 1] -> uint8 (N, H, W) for one channel, (N, H, W, C) otherwise."""
    array = (pixels.detach().float().clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).cpu().numpy()
    return array[:, 0] if array.shape[1] == 1 else array.transpose(0, 2, 3, 1)


def from_uint8(items: np.ndarray) -> torch.Tensor:
    """uint8 thumbnails (N, H, W) grey or (N, H, W, C) colour -> float model input (N, C, H, W) in [0, 1]."""
    x = torch.as_tensor(np.asarray(items), dtype=torch.float32) / 255.0
    if x.dim() == 3:
        x = x.unsqueeze(1)
    else:
        x = x.permute(0, 3, 1, 2)
    return x.contiguous()
