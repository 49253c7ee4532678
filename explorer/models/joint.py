"""JointVAE (Dupont 2018): continuous Gaussian dimensions and categorical variables side by side. In training the
categories are relaxed with the Gumbel-softmax trick (Jang et al. 2017; Maddison et al. 2017) at a temperature τ;
each part's KL has its own capacity (``--capacity-z`` and ``--capacity-c``, see explorer.training.objectives):
L = E[log p(x|z,c)] − γ|KL_z − C_z| − γ|KL_c − C_c|."""
from __future__ import annotations

import math
from typing import Annotated

import torch
import torch.nn.functional as F
from pydantic import Field, model_validator

from explorer.io.schema import ImageModelConfig, Int, Real, Steps, config_schema
from explorer.limits import MAX_CLASSES, MAX_DISCRETE_VARIABLES, MAX_LATENT_DIM, MAX_STEPS
from explorer.models.base import Batch, LatentLayout, Posterior, register_model
from explorer.models.image import IMAGE_OPTIONS, ImageModel, image_model_config
from explorer.options import Option

DISCRETE = Option("discrete", "int_list", [10], "JointVAE: the number of categories of each categorical latent variable "
           "(--discrete 10 for one 10-way variable; --discrete 10,3 or --discrete 10 --discrete 3 for two).",
           label="Categorical variables", low=2, high=MAX_CLASSES, max_items=MAX_DISCRETE_VARIABLES,
           repeatable=True)
TEMPERATURE = Option("gumbel_temperature", "float", 0.67, "JointVAE: the Gumbel-softmax temperature τ of the relaxed "
           "categories in training (Dupont used 0.67): lower is closer to one-hot, with noisier gradients.",
           label="Gumbel temperature τ", low=0.01, high=10.0)
ANNEAL_STEPS = Option("gumbel_anneal_steps", "int", 0, "JointVAE: anneal τ geometrically from 1 down to the temperature over "
           "this many steps (0: fixed).", label="τ annealing steps", low=0, high=MAX_STEPS, group="advanced")
CAPACITY_C = Option("capacity_c", "float", None, "Capacity target C_c of the categorical KL in nats (Dupont 2018): the loss "
           "adds γ·|KL_c − C_c(t)|, C_c rising over the capacity steps like C_z, and capped at Σ log K, the most "
           "the categories can carry. Empty: the categorical KL counts with the continuous one.",
           label="Categorical capacity C_c (nats)", low=0.0, high=1e4, section="objective")


@config_schema("joint-vae")
class JointVAEConfig(ImageModelConfig):
    discrete: Annotated[list[Int(2, MAX_CLASSES)], Field(min_length=1, max_length=MAX_DISCRETE_VARIABLES)]
    gumbel_temperature: Real(0.01, 10.0)
    gumbel_anneal_steps: Steps = 0

    def latent_layout(self) -> tuple[int, tuple[int, ...]]:
        return self.latent_dim, tuple(self.discrete)

    @model_validator(mode="after")
    def _width(self):
        if self.latent_dim + sum(self.discrete) > MAX_LATENT_DIM:
            raise ValueError(f"the latent vector is {self.latent_dim + sum(self.discrete)} wide, above the limit of "
                             f"{MAX_LATENT_DIM}")
        return self


@register_model
class JointVAE(ImageModel):
    kind = "joint-vae"
    display_name = "JointVAE"
    description = "Dupont's JointVAE: continuous dimensions and categorical variables, each KL with its capacity."
    options = IMAGE_OPTIONS + (DISCRETE, TEMPERATURE, ANNEAL_STEPS, CAPACITY_C)

    @classmethod
    def build_config(cls, dataset_info: dict, options: dict) -> dict:
        options = {name: value for name, value in options.items() if name != CAPACITY_C.name}  # the objective's
        config = image_model_config(cls.kind, dataset_info["shape"], **options)
        for option in (DISCRETE, TEMPERATURE, ANNEAL_STEPS):
            config.setdefault(option.name, option.default)
        return config

    @property
    def latent_layout(self) -> LatentLayout:
        return LatentLayout(int(self.config["latent_dim"]), tuple(int(k) for k in self.config["discrete"]))

    @property
    def head_outputs(self) -> int:
        layout = self.latent_layout
        return 2 * layout.continuous + sum(layout.discrete)

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        out = self.latent_head(self.encoder_mlp(self.encoder_body(x)))
        layout = self.latent_layout
        mean, logvar, logits = out.split([layout.continuous, layout.continuous, sum(layout.discrete)], dim=1)
        return Posterior(mean, logvar, list(logits.split(layout.discrete, dim=1)))

    def temperature(self, step: int | None) -> float:
        """τ at a training step: fixed, or annealed geometrically from 1 to τ over gumbel_anneal_steps."""
        final, steps = float(self.config["gumbel_temperature"]), int(self.config.get("gumbel_anneal_steps", 0))
        if not steps or step is None:
            return final
        return math.exp(math.log(final) * min(1.0, step / steps))

    def sample_categories(self, posterior: Posterior, step: int | None) -> list[torch.Tensor]:
        """Relaxed one-hot samples (Gumbel-softmax) in training; exact one-hot samples of q(c|x) otherwise, so the
        evaluated ELBO is the true one."""
        if self.training:
            return [F.gumbel_softmax(logits, tau=self.temperature(step)) for logits in posterior.logits]
        return [F.one_hot(torch.multinomial(logits.softmax(-1), 1).squeeze(1), logits.shape[-1]).to(logits.dtype)
                for logits in posterior.logits]

    def loss_terms(self, batch: Batch, step: int | None = None) -> dict[str, torch.Tensor]:
        posterior = self.encode(batch.x)
        z = torch.cat([posterior.sample()] + self.sample_categories(posterior, step), dim=1)
        kl = self.kl_terms(posterior)
        kl_z, kl_c = kl["per_dim"].sum(1), kl["discrete"].sum(1)
        return {"recon": -self.log_likelihood(batch, z), "kl": kl_z + kl_c, "kl_per_dim": kl["per_dim"],
                "kl_discrete": kl["discrete"], "kl_z": kl_z, "kl_c": kl_c}
