"""One pass over a split that every evaluation reads: each batch encoded once in eval mode, its terms computed from
that posterior, sums kept for the epoch record (added up across ranks under torchrun) and, when asked, every item's
posterior and terms for the final metrics. The training's random streams are left as they were."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from explorer.data.base import Split
from explorer.models.base import Batch, LatentModel, Posterior

AU_THRESHOLD = 0.01  # a dimension is active when its posterior mean varies across the data by more than this


@dataclass
class EvaluationPass:
    """Per-example means over the split (``count`` items): reconstruction and KL, the KL of each continuous
    dimension and of each categorical variable, and the variance of each posterior mean (for active units).
    With ``keep``: every item's ``posterior`` (CPU) and its ``recon`` and ``kl`` terms."""

    count: int
    recon: float
    kl: float
    kl_per_dim: list[float]
    kl_discrete: list[float]
    mean_variance: list[float]
    posterior: Posterior | None = None
    recon_terms: torch.Tensor | None = None
    kl_terms: torch.Tensor | None = None

    @property
    def active_units(self) -> int:
        return sum(variance > AU_THRESHOLD for variance in self.mean_variance)

    def record(self) -> dict:
        """The test figures of an epoch's record."""
        record = {"test_elbo": self.recon + self.kl, "test_recon": self.recon, "test_kl": self.kl,
                  "kl_per_dim": self.kl_per_dim, "active_units": self.active_units}
        if self.kl_discrete:
            record["kl_discrete"] = self.kl_discrete
        return record


@torch.no_grad()
def evaluation_pass(model: LatentModel, split: Split, batch_size: int = 1000, keep: bool = False,
                    rank: int = 0, world_size: int = 1,
                    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None) -> EvaluationPass:
    """Evaluate ``model`` on ``split`` once. Under torchrun each rank takes every ``world_size``-th item from
    ``rank`` and ``reduce`` adds the sums of all ranks (``keep`` is for a single process)."""
    was_training = model.training
    model.eval()
    device = model.device
    layout = model.latent_layout
    d, m = layout.continuous, len(layout.discrete)
    mine = torch.arange(len(split))[rank::world_size]
    # count, recon, kl, then KL per dim (D), KL per variable (m), sum and sum of squares of the means (D each)
    sums = torch.zeros(3 + 3 * d + m, dtype=torch.float64, device=device)
    kept: list[tuple[Posterior, torch.Tensor, torch.Tensor]] = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        for start in range(0, len(mine), batch_size):
            batch = Batch.of(split, mine[start:start + batch_size].to(split.x.device)).to(device)
            posterior = model.encode(batch.x, batch.y if model.conditional else None, batch.lengths) \
                if model.latent_dim else None
            terms = model.loss_terms(batch, posterior=posterior)
            parts = [sums.new_tensor([float(len(batch))]), terms["recon"].sum().double().view(1),
                     terms["kl"].sum().double().view(1)]
            if d:
                mean = posterior.mean.double()
                parts += [terms["kl_per_dim"].sum(0).double(), mean.sum(0), mean.pow(2).sum(0)]
            if m:
                parts.append(terms["kl_discrete"].sum(0).double())
            sums += torch.cat(parts)
            if keep:
                kept.append((_to_cpu(posterior), terms["recon"].cpu(), terms["kl"].cpu()))
    model.train(was_training)
    if reduce is not None:
        sums = reduce(sums)
    sums = sums.cpu()
    count = max(1.0, float(sums[0]))
    mean_sum, square_sum = sums[3 + d:3 + 2 * d], sums[3 + 2 * d:3 + 3 * d]
    variance = square_sum / count - (mean_sum / count).pow(2)
    result = EvaluationPass(int(sums[0]), float(sums[1] / count), float(sums[2] / count),
                            (sums[3:3 + d] / count).tolist(), (sums[3 + 3 * d:] / count).tolist(),
                            variance.tolist())
    if keep:
        result.posterior = _concatenate([posterior for posterior, _, _ in kept], d)
        result.recon_terms = torch.cat([recon for _, recon, _ in kept])
        result.kl_terms = torch.cat([kl for _, _, kl in kept])
    return result


def _to_cpu(posterior: Posterior | None) -> Posterior | None:
    if posterior is None:
        return None
    return Posterior(posterior.mean.cpu(), None if posterior.logvar is None else posterior.logvar.cpu(),
                     [logits.cpu() for logits in posterior.logits])


def _concatenate(parts: list[Posterior | None], continuous: int) -> Posterior:
    parts = [part for part in parts if part is not None]
    if not parts:
        return Posterior(torch.zeros(0, continuous))
    logvars = [part.logvar for part in parts if part.logvar is not None]
    return Posterior(torch.cat([part.mean for part in parts]), torch.cat(logvars) if logvars else None,
                     [torch.cat([part.logits[i] for part in parts]) for i in range(len(parts[0].logits))])
