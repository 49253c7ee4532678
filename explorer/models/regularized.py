"""Autoencoders whose code is shaped by a penalty beside the reconstruction:

- the sparse autoencoder: λ·Σ|h_j| on a ReLU code (``--sparsity l1``), or β·Σ_j KL(ρ || ρ̂_j) between a target
  activation ρ and each sigmoid unit's mean activation ρ̂_j over the batch (``--sparsity kl``, Ng's lecture notes);
- the contractive autoencoder (Rifai et al. 2011): λ·‖∂h/∂x‖²_F, the squared Frobenius norm of the encoder's
  Jacobian, exact for an MLP encoder and estimated with random projections otherwise
  (E_u ‖uᵀ J‖² = ‖J‖²_F for u ~ N(0, I))."""
from __future__ import annotations

import torch

from explorer.models.base import Batch, Posterior, StepContext
from explorer.models.config import ContractiveAutoEncoderConfig, SparseAutoEncoderConfig
from explorer.models.image import ImageModel

KL_ACTIVE = 0.5  # a sigmoid unit is counted active above this


class PenalisedAutoEncoder(ImageModel):
    """A deterministic autoencoder trained on reconstruction + weight·penalty(x, h)."""

    has_kl = has_prior = False
    penalty_name = ""  # how the penalty is logged
    weight_key = ""  # the config key of its weight
    needs_input_grad = False  # the penalty differentiates the code with respect to the input

    def penalty(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        x = batch.x.detach().requires_grad_(self.needs_input_grad)
        h = self.encode(x).mean
        recon = -self.log_likelihood(batch, h).mean()
        penalty = self.penalty(x, h)
        loss = recon + float(self.config[self.weight_key]) * penalty
        ctx.update(loss)
        return {"loss": loss, "recon": recon, self.penalty_name: penalty}


class SparseAutoEncoder(PenalisedAutoEncoder):
    Config = SparseAutoEncoderConfig
    penalty_name = "sparsity"
    weight_key = "sparsity_weight"

    @property
    def code_threshold(self) -> float:
        return 0.0 if self.config["sparsity"] == "l1" else KL_ACTIVE

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        code = super().encode(x, cond).mean
        return Posterior(torch.relu(code) if self.config["sparsity"] == "l1" else torch.sigmoid(code))

    def penalty(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        if self.config["sparsity"] == "l1":
            return h.abs().sum(1).mean()
        rho = float(self.config["sparsity_target"])
        rho_hat = h.mean(0).clamp(1e-6, 1 - 1e-6)
        return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


class ContractiveAutoEncoder(PenalisedAutoEncoder):
    Config = ContractiveAutoEncoderConfig
    penalty_name = "contraction"
    weight_key = "contractive_weight"

    @property
    def needs_input_grad(self) -> bool:
        return self.config["arch"] != "mlp"

    def penalty(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        if self.config["arch"] == "mlp":
            return jacobian_norm_mlp(self, x).mean()
        return jacobian_norm_estimate(x, h, int(self.config["projections"])).mean()


def jacobian_norm_mlp(model: ImageModel, x: torch.Tensor) -> torch.Tensor:
    """‖∂h/∂x‖²_F per example, exact, for an MLP encoder (Linear, ReLU, ..., Linear): the Jacobian is the product
    of the weight matrices with each ReLU's 0/1 derivative between them, carried from the code back to the input."""
    linears = [m for m in model.encoder_mlp if isinstance(m, torch.nn.Linear)]
    masks, a = [], x.flatten(1)
    for linear in linears:
        a = linear(a)
        masks.append((a > 0).to(a.dtype))
        a = torch.relu(a)
    jacobian = model.latent_head.weight.expand(len(x), -1, -1)  # (N, code, last hidden)
    for linear, mask in zip(reversed(linears), reversed(masks)):
        jacobian = (jacobian * mask.unsqueeze(1)) @ linear.weight
    return jacobian.pow(2).sum((1, 2))


def jacobian_norm_estimate(x: torch.Tensor, h: torch.Tensor, projections: int) -> torch.Tensor:
    """An unbiased estimate of ‖∂h/∂x‖²_F per example for any encoder: the mean of ‖uᵀJ‖² over random u ~ N(0, I)
    in code space, each uᵀJ one backward pass (kept in the graph, so the estimate can be trained on). ``x`` must
    require gradients and ``h`` be computed from it."""
    total = h.new_zeros(len(h))
    for _ in range(projections):
        u = torch.randn_like(h)
        (row,) = torch.autograd.grad(h, x, grad_outputs=u, create_graph=True)
        total = total + row.flatten(1).pow(2).sum(1)
    return total / projections
