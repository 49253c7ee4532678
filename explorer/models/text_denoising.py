"""The denoising adversarial autoencoder for sentences (Shen et al. 2020, "Educating text autoencoders"): a
deterministic encoder reads the sentence with tokens deleted at random, the decoder must give back the whole
sentence, and a term on the codes pulls their distribution to the prior N(0, I) — a discriminator the encoder learns
to fool (adversarial), or the maximum mean discrepancy with an inverse multiquadric kernel (mmd; Tolstikhin et al.
2018). The input noise is what makes nearby codes decode to similar sentences, so paths between two codes read
as sentences all the way."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from explorer.models.base import Batch, StepContext
from explorer.models.text import SentenceEncoderDecoder
from explorer.models.text_config import DenoisingSentenceAEConfig


def mmd_imq(z: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
    """The unbiased MMD² between two samples under the inverse multiquadric kernel C / (C + |a - b|²), C = 2·D,
    summed over the scales 0.1-10 (Tolstikhin et al. 2018)."""
    n, d = z.shape
    both = torch.cat([z, prior])
    squared = torch.cdist(both, both).pow(2)
    off_diagonal = 1.0 - torch.eye(n, device=z.device, dtype=z.dtype)
    total = z.new_zeros(())
    for scale in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        kernel = (2.0 * d * scale) / (2.0 * d * scale + squared)
        within = (kernel[:n, :n] * off_diagonal).sum() + (kernel[n:, n:] * off_diagonal).sum()
        total = total + within / (n * (n - 1)) - 2.0 * kernel[:n, n:].mean()
    return total


class DenoisingSentenceAE(SentenceEncoderDecoder):
    Config = DenoisingSentenceAEConfig

    def __init__(self, config: dict):
        super().__init__(config)
        if self.config["prior_match"] == "adversarial":
            sizes = [self.latent_dim] + list(self.config["discriminator_hidden"])
            layers: list[nn.Module] = []
            for n_in, n_out in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]
            self.discriminator = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))

    def configure_optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        autoencoder = [p for name, p in self.named_parameters() if not name.startswith("discriminator")]
        # β1 = 0.5, as Shen et al. train the autoencoder against its discriminator: steadier adversarial steps.
        optimizers = {"autoencoder": torch.optim.Adam(autoencoder, lr=lr, betas=(0.5, 0.999))}
        if hasattr(self, "discriminator"):
            optimizers["discriminator"] = torch.optim.Adam(self.discriminator.parameters(), lr=lr,
                                                           betas=(0.5, 0.999))
        return optimizers

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        z = self.encode_noisy(batch, float(self.config["input_drop"])).mean
        recon = -self.log_likelihood(batch, z).mean()
        prior = torch.randn_like(z)
        weight = float(self.config["match_weight"])
        if not hasattr(self, "discriminator"):
            mmd = mmd_imq(z, prior)
            ctx.update(recon + weight * mmd, "autoencoder")
            return {"loss": recon + weight * mmd, "recon": recon, "mmd": mmd}
        fooled = self.discriminator(z).squeeze(1)
        generator = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        ctx.update(recon + weight * generator, "autoencoder")
        real, fake = self.discriminator(prior).squeeze(1), self.discriminator(z.detach()).squeeze(1)
        discriminator = (F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
                         + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))
        ctx.update(discriminator, "discriminator")
        accuracy = 0.5 * ((real > 0).float().mean() + (fake < 0).float().mean())
        return {"loss": recon + weight * generator, "recon": recon, "generator": generator,
                "discriminator": discriminator, "discriminator_accuracy": accuracy}
