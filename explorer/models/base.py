"""The LatentModel contract every model kind fulfils, and the registry that rebuilds a model from its config.

A model knows how to encode, decode and compute its per-example ELBO terms. The *objective* (beta, capacity,
annealing, free bits) lives in ``explorer.training.objectives`` so one model serves VAE, beta-VAE and
capacity-annealed training. The GUI and CLI only use what is declared here.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from explorer.errors import ConfigError


@dataclass
class Posterior:
    """q(z|x) = N(mean, exp(logvar)). ``logvar`` is None for a deterministic encoder (plain or denoising AE);
    ``logits`` holds discrete-latent logits for models that have them."""

    mean: torch.Tensor
    logvar: torch.Tensor | None = None
    logits: torch.Tensor | None = None

    @property
    def std(self) -> torch.Tensor:
        if self.logvar is None:
            return torch.zeros_like(self.mean)
        return torch.exp(0.5 * self.logvar)

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Reparameterised sample z = mean + std * eps (the mean itself for a deterministic encoder)."""
        if self.logvar is None:
            return self.mean
        eps = torch.randn(self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype)
        return self.mean + self.std * eps

    def kl_per_dim(self, prior_mean: torch.Tensor | None = None, prior_logvar: torch.Tensor | None = None) -> torch.Tensor:
        """KL(q || p) per latent dimension in nats, shape (N, D). p defaults to N(0, I)."""
        if self.logvar is None:
            return torch.zeros_like(self.mean)
        if prior_mean is None:
            return 0.5 * (self.mean.pow(2) + self.logvar.exp() - 1.0 - self.logvar)
        if prior_logvar is None:
            prior_logvar = torch.zeros_like(prior_mean)
        return 0.5 * (
            prior_logvar - self.logvar
            + (self.logvar.exp() + (self.mean - prior_mean).pow(2)) / prior_logvar.exp()
            - 1.0
        )

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z|x) summed over dimensions; z may carry leading sample dimensions (K, N, D)."""
        logvar = self.logvar if self.logvar is not None else torch.zeros_like(self.mean)
        return gaussian_log_density(z, self.mean, logvar)


def gaussian_log_density(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, exp(logvar)) summed over the last dimension."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mean).pow(2) / logvar.exp()).sum(-1)


@dataclass
class Batch:
    """One minibatch. ``x`` is float pixels (N, C, H, W) in [0, 1] for images or token ids (N, T) for text;
    ``y`` integer labels (N,) or None; ``lengths`` token counts (N,) for text."""

    x: torch.Tensor
    y: torch.Tensor | None = None
    lengths: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> "Batch":
        move = lambda t: None if t is None else t.to(device, non_blocking=True)  # noqa: E731
        return Batch(move(self.x), move(self.y), move(self.lengths))

    def __len__(self) -> int:
        return self.x.shape[0]


class LatentModel(nn.Module):
    """Base class of every model the app can train, save, load and explore.

    Subclasses set the class attributes, build their modules from ``config`` and implement ``encode``, ``decode``
    and ``loss_terms``. ``config`` is a plain JSON-serialisable dict holding ``kind`` and every constructor
    argument, so ``build_model(model.config)`` rebuilds an identical architecture.
    """

    kind: str = ""
    domain: str = "image"  # "image" or "text": how decoded outputs are rendered
    variational: bool = True  # False for plain and denoising autoencoders (no KL, sampling from a prior is garbage)

    def __init__(self, config: dict):
        super().__init__()
        self.config = dict(config, kind=self.kind)

    @property
    def latent_dim(self) -> int:
        return int(self.config["latent_dim"])

    @property
    def num_classes(self) -> int:
        """Number of condition classes; 0 for an unconditional model."""
        return int(self.config.get("num_classes", 0))

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def encode(self, x: torch.Tensor, cond: torch.Tensor | None = None, lengths: torch.Tensor | None = None) -> Posterior:
        raise NotImplementedError

    def decode(self, z: torch.Tensor, cond: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        """Likelihood parameters: pixel logits (N, C, H, W) for images, token logits for text."""
        raise NotImplementedError

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z, c) in nats per example, shape (N,), for latents z (N, D): the building block of the
        importance-weighted NLL bound."""
        raise NotImplementedError

    def loss_terms(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Per-example terms in nats: ``recon`` (N,), ``kl`` (N,), ``kl_per_dim`` (N, D); models may add more."""
        raise NotImplementedError

    def prior(self, cond: torch.Tensor | None = None, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and logvar of p(z) or p(z|c), shape (N, D). The standard normal unless a model learns its prior."""
        rows = cond.shape[0] if cond is not None else int(n or 1)
        zeros = torch.zeros(rows, self.latent_dim, device=self.device)
        return zeros, zeros.clone()

    def sample_prior(self, n: int, cond: torch.Tensor | None = None, temperature: float = 1.0,
                     generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw n latents from the prior (scaled by ``temperature``) on the model's device."""
        mean, logvar = self.prior(cond, n)
        eps = torch.randn(mean.shape, generator=generator, device="cpu").to(mean.device)
        return mean + temperature * torch.exp(0.5 * logvar) * eps


_REGISTRY: dict[str, type[LatentModel]] = {}


def register_model(cls: type[LatentModel]) -> type[LatentModel]:
    """Class decorator: make ``cls`` buildable from a config whose ``kind`` is ``cls.kind``."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    _REGISTRY[cls.kind] = cls
    return cls


def model_kinds() -> list[str]:
    _import_builtin_models()
    return sorted(_REGISTRY)


def build_model(config: dict) -> LatentModel:
    """Rebuild a model from its config dict (as stored in a checkpoint)."""
    _import_builtin_models()
    kind = config.get("kind")
    if kind not in _REGISTRY:
        raise ConfigError(f"unknown model kind {kind!r}; expected one of {', '.join(sorted(_REGISTRY))}")
    try:
        return _REGISTRY[kind](config)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"invalid config for model kind {kind!r}: {exc}") from exc


def _import_builtin_models() -> None:
    # Importing the modules registers their classes.
    import explorer.models.image  # noqa: F401
    import explorer.models.text  # noqa: F401
