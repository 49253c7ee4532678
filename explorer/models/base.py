"""The LatentModel contract every model kind fulfils, and the one registry of kinds.

A model encodes to a posterior (a Gaussian part and, for some kinds, categorical parts), decodes a latent vector,
computes its per-example terms, the KL against its *own* prior (``kl_terms``, the one KL function the metrics, the
explorer and the previews use), its optimizers and its training step. The objective (β, capacity, annealing, free
bits) lives in ``explorer.training.objectives`` so one model serves VAE, β-VAE and capacity training.

A kind is declared by its torch-free config class (``explorer.models.config``: its id, domain, names, capabilities
and settings), which the model class names as ``Config``; ``explorer.models.registry`` is the one list of kinds.
The CLI, the app's training form, checkpoints and the explorer need no change for a new kind.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from explorer.data.base import as_pixels
from explorer.models.config import ModelConfig


@dataclass(frozen=True)
class LatentLayout:
    """A latent vector is ``continuous`` Gaussian dimensions followed by one one-hot block per categorical
    variable (sizes ``discrete``)."""

    continuous: int
    discrete: tuple[int, ...] = ()

    @property
    def width(self) -> int:
        return self.continuous + sum(self.discrete)

    def block(self, variable: int) -> slice:
        """Where categorical variable ``variable``'s one-hot block sits in the latent vector."""
        start = self.continuous + sum(self.discrete[:variable])
        return slice(start, start + self.discrete[variable])


@dataclass
class Posterior:
    """q(z|x): N(mean, exp(logvar)) for the continuous part (``logvar`` None for a deterministic encoder) and
    categorical ``logits``, one (N, K_i) tensor per discrete variable."""

    mean: torch.Tensor
    logvar: torch.Tensor | None = None
    logits: list[torch.Tensor] = field(default_factory=list)

    @property
    def std(self) -> torch.Tensor:
        if self.logvar is None:
            return torch.zeros_like(self.mean)
        return torch.exp(0.5 * self.logvar)

    def sample(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """Reparameterised continuous sample z = mean + std * eps (the mean itself for a deterministic encoder)."""
        if self.logvar is None:
            return self.mean
        eps = torch.randn(self.mean.shape, generator=generator, device=self.mean.device, dtype=self.mean.dtype)
        return self.mean + self.std * eps

    def point(self) -> torch.Tensor:
        """The latent vector that represents the item: continuous means followed by each variable's probabilities."""
        return torch.cat([self.mean] + [logits.softmax(-1) for logits in self.logits], dim=-1)

    def log_density(self, z: torch.Tensor) -> torch.Tensor:
        """log q(z|x) of the continuous part, summed over dimensions; z may carry leading sample dims (K, N, D)."""
        logvar = self.logvar if self.logvar is not None else torch.zeros_like(self.mean)
        return gaussian_log_density(z, self.mean, logvar)


def gaussian_log_density(z: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mean, exp(logvar)) summed over the last dimension."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mean).pow(2) / logvar.exp()).sum(-1)


def gaussian_kl(mean: torch.Tensor, logvar: torch.Tensor, prior_mean: torch.Tensor,
                prior_logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, e^logvar) || N(prior_mean, e^prior_logvar)) per dimension, in nats."""
    return 0.5 * (prior_logvar - logvar + (logvar.exp() + (mean - prior_mean).pow(2)) / prior_logvar.exp() - 1.0)


def categorical_kl_uniform(logits: torch.Tensor) -> torch.Tensor:
    """KL(Cat(softmax(logits)) || uniform over K) = sum p log p + log K, per row, in nats."""
    log_p = logits.log_softmax(-1)
    return (log_p.exp() * log_p).sum(-1) + math.log(logits.shape[-1])


@dataclass
class Batch:
    """One minibatch. ``x`` is float pixels (N, C, H, W) in [0, 1] for images or token ids (N, T) for text;
    ``y`` integer labels (N,) or None; ``lengths`` token counts (N,) for text."""

    x: torch.Tensor
    y: torch.Tensor | None = None
    lengths: torch.Tensor | None = None

    @classmethod
    def of(cls, split, index, noise: torch.Generator | None = None) -> Batch:
        """The items of a ``Split`` at ``index``: float pixels (Bernoulli-resampled with ``noise``: dynamic
        binarisation), or token ids cut to the batch's longest sentence."""
        x, lengths = split.x[index], None
        if split.lengths is not None:
            lengths = split.lengths[index]
            x = x[:, : int(lengths.max())]  # drop the columns that are padding for the whole batch
        else:
            x = as_pixels(x)
            if noise is not None:
                x = torch.bernoulli(x, generator=noise)
        return cls(x, split.y[index], lengths)

    def to(self, device: torch.device | str) -> Batch:
        move = lambda t: None if t is None else t.to(device, non_blocking=True)  # noqa: E731
        return Batch(move(self.x), move(self.y), move(self.lengths))

    def __len__(self) -> int:
        return self.x.shape[0]


class StepContext:
    """What a training step needs from the trainer: the objective and ``update``, which applies one optimizer to a
    loss (zero the gradients, backpropagate, average gradients across ranks in a distributed run, clip, step)."""

    def __init__(self, optimizers: dict[str, torch.optim.Optimizer], objective, grad_clip: float | None = None,
                 sync_gradients=None):
        self.optimizers = optimizers
        self.objective = objective
        self.grad_clip = grad_clip
        self.sync_gradients = sync_gradients

    def update(self, loss: torch.Tensor, optimizer: str = "main") -> None:
        opt = self.optimizers[optimizer]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for group in opt.param_groups for p in group["params"] if p.grad is not None]
        if self.sync_gradients is not None:
            self.sync_gradients(params)
        if self.grad_clip:
            torch.nn.utils.clip_grad_norm_(params, self.grad_clip)
        opt.step()


class LatentModel(nn.Module):
    """Base class of every model the app can train, save, load and explore.

    Subclasses name their ``Config`` class, build their modules from ``config`` and implement ``encode``,
    ``decode``, ``log_likelihood`` and ``loss_terms``. ``config`` is the validated config as a plain
    JSON-serialisable dict holding ``kind`` and every constructor argument, so ``build_model(model.config)``
    rebuilds an identical architecture. The kind's declaration (``Config.info``) is copied onto the class.
    """

    Config: ClassVar[type[ModelConfig]]
    kind: ClassVar[str] = ""
    domain: ClassVar[str] = "image"  # "image" or "text": how decoded outputs are rendered
    display_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    has_kl: ClassVar[bool] = True  # a stochastic encoder q(z|x) with a KL against the prior
    has_prior: ClassVar[bool] = True  # a prior to sample from and interpolate in (False: a plain autoencoder)
    code_threshold: float | None = None  # a sparse code: a unit counts as active when above this

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        info = getattr(cls.__dict__.get("Config"), "info", None)
        if info is not None:
            cls.kind, cls.domain, cls.display_name, cls.description = (info.kind, info.domain, info.display_name,
                                                                        info.description)
            cls.has_kl, cls.has_prior = info.has_kl, info.has_prior

    def __init__(self, config: dict):
        super().__init__()
        self.config = dict(config, kind=self.kind)

    # What the latent space is
    @property
    def latent_layout(self) -> LatentLayout:
        return LatentLayout(int(self.config["latent_dim"]))

    @property
    def latent_dim(self) -> int:
        """The width of the latent vector ``decode`` takes."""
        return self.latent_layout.width

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

    # Inference and generation
    def encode(self, x: torch.Tensor, cond: torch.Tensor | None = None,
               lengths: torch.Tensor | None = None) -> Posterior:
        raise NotImplementedError

    def decode(self, z: torch.Tensor, cond: torch.Tensor | None = None, **kwargs) -> torch.Tensor:
        """Likelihood parameters: pixel logits (N, C, H, W) for images, token logits for text."""
        raise NotImplementedError

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        """log p(x|z, c) in nats per example, shape (N,), for latent vectors z (N, latent_dim): the building block
        of the importance-weighted NLL bound."""
        raise NotImplementedError

    def prior(self, cond: torch.Tensor | None = None, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and logvar of the continuous prior p(z) or p(z|c), shape (N, D). The standard normal unless a
        model learns its prior."""
        rows = cond.shape[0] if cond is not None else int(n or 1)
        zeros = torch.zeros(rows, self.latent_layout.continuous, device=self.device)
        return zeros, zeros.clone()

    def kl_terms(self, posterior: Posterior, cond: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """KL of q(z|x) against this model's own prior: ``per_dim`` (N, D) for the continuous dimensions and
        ``discrete`` (N, m) for the categorical variables (against uniform), in nats."""
        n = posterior.mean.shape[0]
        if posterior.logvar is None:
            per_dim = torch.zeros_like(posterior.mean)
        else:
            prior_mean, prior_logvar = self.prior(cond, n)
            per_dim = gaussian_kl(posterior.mean, posterior.logvar, prior_mean, prior_logvar)
        if posterior.logits:
            discrete = torch.stack([categorical_kl_uniform(logits) for logits in posterior.logits], dim=1)
        else:
            discrete = posterior.mean.new_zeros(n, 0)
        return {"per_dim": per_dim, "discrete": discrete}

    @property
    def prior_components(self) -> int:
        """How many components the continuous prior mixes (0: a single Gaussian, or one per class for a
        conditional model)."""
        return 0

    def prior_points(self, eps: torch.Tensor, cond: torch.Tensor | None = None,
                     component: int | None = None) -> torch.Tensor:
        """The prior's quantile map: continuous latents (N, D) for standard-normal coordinates ``eps`` (N, D),
        mean + σ·eps for a Gaussian prior; a mixture maps them through one ``component``. The 2-D manifold
        sweeps eps over the standard normal's quantiles."""
        mean, logvar = self.prior(cond, eps.shape[0])
        return mean + torch.exp(0.5 * logvar) * eps.to(mean.device, mean.dtype)

    def prior_component(self, z: torch.Tensor) -> torch.Tensor | None:
        """For a mixture prior: the component each continuous latent (N, D) most likely came from; else None."""
        return None

    def sample_prior(self, n: int, cond: torch.Tensor | None = None, temperature: float = 1.0,
                     generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw n latent vectors from the prior (the continuous part scaled by ``temperature``) on the model's
        device; categorical variables are drawn uniformly."""
        eps = torch.randn(n, self.latent_layout.continuous, generator=generator, device="cpu")
        parts = [self._sample_continuous(temperature * eps, cond, generator)]
        for k in self.latent_layout.discrete:
            picks = torch.randint(k, (n,), generator=generator, device="cpu")
            parts.append(F.one_hot(picks, k).to(parts[0].dtype).to(parts[0].device))
        return torch.cat(parts, dim=1)

    def _sample_continuous(self, eps: torch.Tensor, cond: torch.Tensor | None,
                           generator: torch.Generator | None) -> torch.Tensor:
        """Continuous prior samples from standard-normal noise; a mixture also draws each row's component."""
        return self.prior_points(eps, cond)

    def extra_metrics(self, posterior: Posterior, labels: torch.Tensor) -> dict:
        """Figures only this kind has, from a split's posterior (on the CPU) and labels (-1: none), merged into
        ``evaluate``'s metrics (an adversarial autoencoder's fit of the codes to their label's component...)."""
        return {}

    # Training
    def loss_terms(self, batch: Batch, step: int | None = None,
                   posterior: Posterior | None = None) -> dict[str, torch.Tensor]:
        """Per-example terms in nats: ``recon`` (N,), ``kl`` (N,), ``kl_per_dim`` (N, D); models may add more
        (N,) terms (logged) and breakdowns such as ``kl_discrete`` (N, m). ``step`` is the global training step
        (None when evaluating); ``posterior``, the batch's q(z|x) when the caller has encoded it already (the
        evaluation pass encodes each batch once)."""
        raise NotImplementedError

    def configure_optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        return {"main": torch.optim.Adam(self.parameters(), lr=lr)}

    def training_terms(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        """The terms a training step minimises: ``loss_terms``, unless a kind trains on altered input."""
        return self.loss_terms(batch, step)

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        """One optimisation step; returns the scalars to log (detached or not: the trainer detaches them)."""
        terms = self.training_terms(batch, step, ctx)
        loss = ctx.objective(terms, step)
        ctx.update(loss)
        return {"loss": loss, **{name: value.mean() for name, value in terms.items() if value.dim() == 1}}
