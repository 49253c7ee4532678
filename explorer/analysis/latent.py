"""Latent-space geometry: interpolation (lerp, slerp), traversal of single dimensions, analogies and attribute
vectors. Pure tensor math on posterior means; decoding is the domain's job."""
from __future__ import annotations

import torch

from explorer.errors import ConfigError

QUANTILES = (0.05, 0.95)


def lerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    t = torch.linspace(0.0, 1.0, steps, dtype=a.dtype).unsqueeze(1)
    return (1 - t) * a + t * b


def slerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; White 2016 for generative models): follows the great circle
    between the directions of a and b while the norm goes linearly from |a| to |b|. Parallel vectors fall back
    to lerp."""
    norm_a, norm_b = a.norm(), b.norm()
    if norm_a < 1e-8 or norm_b < 1e-8:
        return lerp(a, b, steps)
    cos = torch.clamp(torch.dot(a / norm_a, b / norm_b), -1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4 or (torch.pi - omega).abs() < 1e-4:
        return lerp(a, b, steps)
    t = torch.linspace(0.0, 1.0, steps, dtype=a.dtype).unsqueeze(1)
    directions = (torch.sin((1 - t) * omega) * a / norm_a + torch.sin(t * omega) * b / norm_b) / torch.sin(omega)
    return directions * ((1 - t) * norm_a + t * norm_b)


def interpolate(a: torch.Tensor, b: torch.Tensor, steps: int, method: str = "lerp") -> torch.Tensor:
    if steps < 2:
        raise ConfigError(f"an interpolation needs at least 2 steps, got {steps}")
    if method == "lerp":
        return lerp(a, b, steps)
    if method == "slerp":
        return slerp(a, b, steps)
    raise ConfigError(f"unknown interpolation {method!r}; expected lerp or slerp")


def traversal_values(mode: str, steps: int, k: float = 3.0, data_values: torch.Tensor | None = None,
                     center: float = 0.0) -> torch.Tensor:
    """The values one dimension sweeps: center ± k prior standard deviations ('sigma'), the standard normal's
    quantiles 0.05..0.95 ('quantiles'), or the data's range of that dimension ('data')."""
    if steps < 2:
        raise ConfigError(f"a traversal needs at least 2 steps, got {steps}")
    if mode == "sigma":
        return torch.linspace(center - k, center + k, steps)
    if mode == "quantiles":
        probs = torch.linspace(QUANTILES[0], QUANTILES[1], steps)
        return torch.distributions.Normal(0.0, 1.0).icdf(probs)
    if mode == "data":
        if data_values is None or len(data_values) == 0:
            raise ConfigError("a traversal over the data's range needs the data's latent values")
        return torch.linspace(float(data_values.min()), float(data_values.max()), steps)
    raise ConfigError(f"unknown traversal mode {mode!r}; expected sigma, quantiles or data")


def traverse(z0: torch.Tensor, dim: int, values: torch.Tensor) -> torch.Tensor:
    """Copies of z0 (D,) with dimension ``dim`` set to each value: (S, D)."""
    if not 0 <= dim < z0.shape[-1]:
        raise ConfigError(f"dimension {dim} out of range 0..{z0.shape[-1] - 1}")
    grid = z0.unsqueeze(0).repeat(len(values), 1)
    grid[:, dim] = values.to(grid.dtype)
    return grid


def traversal_grid(z0: torch.Tensor, dims: list[int], values_per_dim: list[torch.Tensor]) -> torch.Tensor:
    """One traversal row per dimension, stacked: (len(dims) * S, D)."""
    return torch.cat([traverse(z0, dim, values) for dim, values in zip(dims, values_per_dim)])


def dims_by_kl(kl_per_dim: torch.Tensor) -> list[int]:
    """Dimensions ordered by their KL, most informative first."""
    return torch.argsort(torch.as_tensor(kl_per_dim), descending=True, stable=True).tolist()


def analogy(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """A − B + C: what C becomes when it changes the way B would turn into A."""
    return a - b + c


def attribute_vector(means: torch.Tensor, labels: torch.Tensor, class_x: int, class_y: int) -> torch.Tensor:
    """Mean latent of class x minus mean latent of class y."""
    centroids = []
    for cls in (class_x, class_y):
        members = means[labels == cls]
        if len(members) == 0:
            raise ConfigError(f"class {cls} has no items to average")
        centroids.append(members.mean(0))
    return centroids[0] - centroids[1]
