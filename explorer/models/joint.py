"""JointVAE (Dupont 2018): continuous Gaussian dimensions and categorical variables side by side. In training the
categories are relaxed with the Gumbel-softmax trick (Jang et al. 2017; Maddison et al. 2017) at a temperature τ;
each part's KL has its own capacity (``--capacity-z`` and ``--capacity-c``, see explorer.training.objectives):
L = E[log p(x|z,c)] − γ|KL_z − C_z| − γ|KL_c − C_c|, optionally with the code's batch-balance and invariance
terms of explorer.models.code_terms, each with its weight."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from explorer.models import code_terms
from explorer.models.base import Batch, LatentLayout, Posterior, StepContext
from explorer.models.config import JointVAEConfig
from explorer.models.image import ImageModel


class JointVAE(ImageModel):
    Config = JointVAEConfig

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

    def loss_terms(self, batch: Batch, step: int | None = None,
                   posterior: Posterior | None = None) -> dict[str, torch.Tensor]:
        posterior = posterior or self.encode(batch.x)
        z = torch.cat([posterior.sample()] + self.sample_categories(posterior, step), dim=1)
        kl = self.kl_terms(posterior)
        kl_z, kl_c = kl["per_dim"].sum(1), kl["discrete"].sum(1)
        return {"recon": -self.log_likelihood(batch, z), "kl": kl_z + kl_c, "kl_per_dim": kl["per_dim"],
                "kl_discrete": kl["discrete"], "kl_z": kl_z, "kl_c": kl_c}

    def code_terms(self, batch: Batch, posterior: Posterior) -> dict[str, torch.Tensor]:
        """The code's extra terms that have a weight (scalars, in nats), each to be added times its weight."""
        terms = {}
        if self.config.get("balance_weight", 0.0):
            terms["balance"] = code_terms.batch_balance(posterior.logits)
        if self.config.get("invariance_weight", 0.0):
            moved = self.encode(code_terms.small_transforms(batch.x))
            terms["invariance"] = code_terms.invariance(posterior.logits, moved.logits)
        return terms

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        posterior = self.encode(batch.x)
        terms = self.loss_terms(batch, step, posterior=posterior)
        extra = self.code_terms(batch, posterior)
        loss = ctx.objective(terms, step)
        for name, value in extra.items():
            loss = loss + float(self.config[f"{name}_weight"]) * value
        ctx.update(loss)
        return {"loss": loss, **{name: value.mean() for name, value in terms.items() if value.dim() == 1}, **extra}
