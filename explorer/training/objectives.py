"""The training objective over a model's per-example ELBO terms: β·w(t)·KL (β-VAE with a KL schedule), the
capacity form γ·|KL − C(t)| (Burgess et al. 2018), free bits per dimension (Kingma et al. 2016), and autoencoder
pre-training, the reconstruction alone before any of those start (Li et al. 2019). It only reads the ``recon``,
``kl`` and ``kl_per_dim`` terms, so image and sentence models share it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import torch

from explorer.errors import ConfigError
from explorer.training.schedules import make_schedule


@dataclass
class ObjectiveConfig:
    beta: float = 1.0
    schedule: dict = field(default_factory=lambda: {"kind": "constant"})
    capacity: float | None = None  # C_max in nats; None: no capacity term
    gamma: float = 1000.0
    capacity_steps: int = 10000
    free_bits: float = 0.0  # nats per latent dimension
    pretrain_steps: int = 0  # steps of autoencoder pre-training (β = 0); the schedule and capacity start after

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ObjectiveConfig":
        return cls(**config_fields(cls, data, "objective"))


def config_fields(cls, data: dict, what: str) -> dict:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown {what} setting(s) {', '.join(unknown)}; expected {', '.join(sorted(names))}")
    return dict(data)


SCHEDULE_KEYS = ("beta", "capacity")  # every value schedule_at may give: epoch records keep them flat


class Objective:
    """``objective(terms, step) -> loss``: the scalar to minimise (nats per example); ``schedule_at(step)`` gives
    the values that shape it at that step: the effective KL weight ``beta`` (β·w(t), or γ under the capacity form)
    and, when used, the capacity ``capacity`` C(t)."""

    def __init__(self, config: ObjectiveConfig):
        if config.beta < 0 or config.free_bits < 0:
            raise ConfigError(f"beta and free bits must be >= 0, got beta={config.beta}, free bits={config.free_bits}")
        if config.pretrain_steps < 0:
            raise ConfigError(f"pre-training steps must be >= 0, got {config.pretrain_steps}")
        if config.capacity is not None and (config.capacity < 0 or config.gamma < 0):
            raise ConfigError(f"capacity and gamma must be >= 0, got capacity={config.capacity} nats, "
                              f"gamma={config.gamma}")
        self.config = config
        self.weight = make_schedule(config.schedule)

    def capacity_at(self, step: int) -> float | None:
        """C(t): linear from 0 to C_max over capacity_steps, then held."""
        c = self.config
        if c.capacity is None:
            return None
        return c.capacity * min(1.0, step / max(1, c.capacity_steps))

    def pretraining(self, step: int) -> bool:
        return step < self.config.pretrain_steps

    def schedule_at(self, step: int) -> dict[str, float]:
        if self.pretraining(step):
            return {"beta": 0.0} if self.config.capacity is None else {"beta": 0.0, "capacity": 0.0}
        step -= self.config.pretrain_steps
        capacity = self.capacity_at(step)
        if capacity is not None:
            return {"beta": self.config.gamma, "capacity": capacity}
        return {"beta": self.config.beta * self.weight(step)}

    def __call__(self, terms: dict[str, torch.Tensor], step: int) -> torch.Tensor:
        c = self.config
        recon = terms["recon"].mean()
        if c.free_bits > 0:
            # Each dimension's batch-mean KL counts at least free_bits: below it there is no pressure to shrink.
            kl = terms["kl_per_dim"].mean(0).clamp(min=c.free_bits).sum()
        else:
            kl = terms["kl"].mean()
        schedule = self.schedule_at(step)
        if "capacity" in schedule:
            return recon + schedule["beta"] * (kl - schedule["capacity"]).abs()
        return recon + schedule["beta"] * kl
