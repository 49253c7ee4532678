"""The training objective over a model's per-example ELBO terms: β·w(t)·KL (β-VAE with a KL schedule), the
capacity form γ·|KL − C(t)| (Burgess et al. 2018), free bits per dimension (Kingma et al. 2016), and autoencoder
pre-training, the reconstruction alone before any of those start (Li et al. 2019). It only reads the ``recon``,
``kl`` and ``kl_per_dim`` terms (and ``kl_discrete`` where a model has categorical latents), so image and sentence
models share it. The categorical KL gets its own capacity C_c(t) when one is set (Dupont 2018, JointVAE:
γ·|KL_z − C_z| + γ·|KL_c − C_c|), never more than Σ log K, the most it can be."""
from __future__ import annotations

import math
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
    capacity_c: float | None = None  # C_max of the categorical latents' KL (nats); None: counted in the KL
    pretrain_steps: int = 0  # steps of autoencoder pre-training (β = 0); the schedule and capacity start after

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ObjectiveConfig:
        return cls(**config_fields(cls, data, "objective"))


def config_fields(cls, data: dict, what: str) -> dict:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"unknown {what} setting(s) {', '.join(unknown)}; expected {', '.join(sorted(names))}")
    return dict(data)


SCHEDULE_KEYS = ("beta", "capacity", "capacity_c")  # every value schedule_at may give: records keep them flat


class Objective:
    """``objective(terms, step) -> loss``: the scalar to minimise (nats per example); ``schedule_at(step)`` gives
    the values that shape it at that step: the effective KL weight ``beta`` (β·w(t), or γ under the capacity form)
    and, when used, the capacities ``capacity`` C(t) and ``capacity_c`` C_c(t). ``discrete`` lists the model's
    categorical sizes K_i: C_c is capped at Σ log K_i."""

    def __init__(self, config: ObjectiveConfig, discrete: tuple[int, ...] = ()):
        if config.beta < 0 or config.free_bits < 0:
            raise ConfigError(f"beta and free bits must be >= 0, got beta={config.beta}, free bits={config.free_bits}")
        if config.pretrain_steps < 0:
            raise ConfigError(f"pre-training steps must be >= 0, got {config.pretrain_steps}")
        for name, value in (("capacity", config.capacity), ("discrete capacity", config.capacity_c)):
            if value is not None and (value < 0 or config.gamma < 0):
                raise ConfigError(f"{name} and gamma must be >= 0, got {name}={value} nats, gamma={config.gamma}")
        self.config = config
        self.weight = make_schedule(config.schedule)
        self.most_c = sum(math.log(k) for k in discrete) if config.capacity_c is not None and discrete else None

    def _ramp(self, step: int) -> float:
        """C(t) / C_max: linear from 0 to 1 over capacity_steps, then held."""
        return min(1.0, step / max(1, self.config.capacity_steps))

    def capacity_at(self, step: int) -> float | None:
        c = self.config
        return None if c.capacity is None else c.capacity * self._ramp(step)

    def pretraining(self, step: int) -> bool:
        return step < self.config.pretrain_steps

    def schedule_at(self, step: int) -> dict[str, float]:
        if self.pretraining(step):
            return {"beta": 0.0} if self.config.capacity is None else {"beta": 0.0, "capacity": 0.0}
        step -= self.config.pretrain_steps
        capacity = self.capacity_at(step)
        values = {"beta": self.config.beta * self.weight(step)}
        if capacity is not None:
            values = {"beta": self.config.gamma, "capacity": capacity}
        if self.most_c is not None:  # Dupont 2018: the ramp, never above what the categories can carry
            values["capacity_c"] = min(self.config.capacity_c * self._ramp(step), self.most_c)
        return values

    def __call__(self, terms: dict[str, torch.Tensor], step: int) -> torch.Tensor:
        c = self.config
        recon = terms["recon"].mean()
        kl_c = terms["kl_discrete"].sum(1).mean() if "kl_discrete" in terms else recon.new_zeros(())
        if c.free_bits > 0:
            # Each dimension's batch-mean KL counts at least free_bits: below it there is no pressure to shrink.
            kl = terms["kl_per_dim"].mean(0).clamp(min=c.free_bits).sum() + kl_c
        else:
            kl = terms["kl"].mean()
        schedule = self.schedule_at(step)
        loss = recon
        if "capacity_c" in schedule:  # the categorical KL has its own target; the rest is KL_z
            kl = kl - kl_c
            loss = loss + c.gamma * (kl_c - schedule["capacity_c"]).abs()
        if "capacity" in schedule:
            return loss + schedule["beta"] * (kl - schedule["capacity"]).abs()
        return loss + schedule["beta"] * kl
