"""The adversarial autoencoder (Makhzani et al. 2015): a deterministic encoder and a decoder trained to reconstruct,
and a discriminator on the code that tells samples of a chosen prior from the codes of the data; the encoder learns
to fool it, which drives the aggregate code distribution towards the prior. Three phases per batch, each with its
own optimizer: reconstruction (encoder and decoder), discriminator, generator (encoder).

Priors: a standard Gaussian, a mixture of Gaussians arranged as petals around the origin, or a swiss roll; with
``--label-prior`` the discriminator also sees the one-hot label, and the prior sample it is shown for an item comes
from its label's component (petal, or segment of the roll), so each class fills its own component. The mixture and
the roll live in the first two code dimensions; any further dimension is standard normal."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import Batch, Posterior, StepContext
from explorer.models.config import AdversarialAutoEncoderConfig
from explorer.models.image import ImageModel

PETAL_RADIUS, PETAL_SIGMA_RADIAL, PETAL_SIGMA_TANGENTIAL = 2.0, 0.5, 0.1
ROLL_TURNS, ROLL_RADIUS, ROLL_WIDTH = 1.5, 3.0, 0.15
ROLL_GRID = 2000  # points along the roll when finding the segment a code lies nearest to


class AdversarialAutoEncoder(ImageModel):
    Config = AdversarialAutoEncoderConfig

    def __init__(self, config: dict):
        super().__init__(config)
        self.label_prior = bool(config["label_prior"])
        sizes = [self.latent_dim + (self.prior_components if self.label_prior else 0)]
        sizes += list(config["discriminator_hidden"])
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]
        self.discriminator = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))

    # The prior
    @property
    def prior_components(self) -> int:
        return int(self.config["components"])

    def prior_points(self, eps, cond=None, component=None) -> torch.Tensor:
        eps = eps.to(self.device)
        if self.config["prior"] == "gaussian":
            return eps
        if component is None:
            component = 0
        if not torch.is_tensor(component):
            component = torch.full((len(eps),), int(component), dtype=torch.long)
        place = self._petals if self.config["prior"] == "mixture" else self._roll
        plane = place(eps[:, :2], component.to(eps.device))
        return torch.cat([plane, eps[:, 2:]], dim=1)

    def _petals(self, eps: torch.Tensor, component: torch.Tensor) -> torch.Tensor:
        """Component c: a Gaussian stretched along the ray at angle 2πc/n, its centre PETAL_RADIUS out."""
        along = PETAL_RADIUS + PETAL_SIGMA_RADIAL * eps[:, 0]
        across = PETAL_SIGMA_TANGENTIAL * eps[:, 1]
        angle = 2 * math.pi * component.to(eps.dtype) / self.prior_components
        cos, sin = torch.cos(angle), torch.sin(angle)
        return torch.stack([along * cos - across * sin, along * sin + across * cos], dim=1)

    def _roll_position(self, t: torch.Tensor) -> torch.Tensor:
        """The roll's centre line at t in [0, 1]: a spiral of ROLL_TURNS turns whose radius grows with t."""
        angle = 0.5 * math.pi + 2 * math.pi * ROLL_TURNS * t
        radius = ROLL_RADIUS * (0.15 + 0.85 * t)
        return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=-1)

    def _roll(self, eps: torch.Tensor, component: torch.Tensor) -> torch.Tensor:
        """Component c: the c-th of n equal segments of the roll; eps[:, 0]'s quantile picks the place along it,
        eps[:, 1] a small offset across."""
        u = torch.distributions.Normal(0.0, 1.0).cdf(eps[:, 0])
        t = (component.to(eps.dtype) + u) / self.prior_components
        centre = self._roll_position(t)
        return centre + ROLL_WIDTH * eps[:, 1:2] * centre / centre.norm(dim=1, keepdim=True)

    def _sample_continuous(self, eps, cond, generator):
        if not self.prior_components:
            return self.prior_points(eps)
        component = torch.randint(self.prior_components, (len(eps),), generator=generator, device="cpu")
        return self.prior_points(eps, component=component)

    def prior_component(self, z: torch.Tensor) -> torch.Tensor | None:
        if not self.prior_components:
            return None
        plane = z[:, :2].to(self.device)
        n = self.prior_components
        if self.config["prior"] == "mixture":
            scores = []
            for c in range(n):  # the log-density of each petal, up to a constant they share
                angle = torch.tensor(2 * math.pi * c / n, device=plane.device)
                along = plane[:, 0] * torch.cos(angle) + plane[:, 1] * torch.sin(angle) - PETAL_RADIUS
                across = -plane[:, 0] * torch.sin(angle) + plane[:, 1] * torch.cos(angle)
                scores.append(-0.5 * ((along / PETAL_SIGMA_RADIAL) ** 2 + (across / PETAL_SIGMA_TANGENTIAL) ** 2))
            return torch.stack(scores, dim=1).argmax(1).cpu()
        t = torch.linspace(0.0, 1.0, ROLL_GRID, device=plane.device)
        nearest = torch.cdist(plane, self._roll_position(t)).argmin(1)
        return (t[nearest] * n).long().clamp(max=n - 1).cpu()

    def extra_metrics(self, posterior: Posterior, labels: torch.Tensor) -> dict:
        """With a label prior: the fraction of codes that lie in their label's component (per class too)."""
        labelled = labels >= 0
        if not self.label_prior or not bool(labelled.any()):
            return {}
        hits = (self.prior_component(posterior.mean[labelled]) == labels[labelled]).float()
        per_class = [float(hits[labels[labelled] == c].mean()) if bool((labels[labelled] == c).any()) else None
                     for c in range(self.prior_components)]
        return {"component_fit": float(hits.mean()), "component_fit_per_class": per_class}

    # Training
    def configure_optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        encoder = [p for name, p in self.named_parameters() if name.startswith(("encoder_", "latent_head"))]
        autoencoder = [p for name, p in self.named_parameters() if not name.startswith("discriminator")]
        adversarial_lr = lr * float(self.config["adversarial_lr_scale"])
        return {"autoencoder": torch.optim.Adam(autoencoder, lr=lr),
                "discriminator": torch.optim.Adam(self.discriminator.parameters(), lr=adversarial_lr),
                "generator": torch.optim.Adam(encoder, lr=adversarial_lr)}

    def _judge(self, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """The discriminator's logit that z was drawn from the prior (given the label with a label prior)."""
        if self.label_prior:
            z = torch.cat([z, F.one_hot(labels, self.prior_components).to(z.dtype)], dim=1)
        return self.discriminator(z).squeeze(1)

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        labels = None
        if self.label_prior:
            if batch.y is None or bool((batch.y < 0).any()):
                raise ConfigError("an adversarial autoencoder with a label prior needs every item labelled")
            labels = batch.y.long()
        # 1. Reconstruction: encoder and decoder.
        recon = -self.log_likelihood(batch, self.encode(batch.x).mean).mean()
        ctx.update(recon, "autoencoder")
        # 2. Discriminator: prior samples (of each item's label's component) against the codes.
        eps = torch.randn(len(batch), self.latent_dim, device=self.device)
        real = self.prior_points(eps, component=labels) if labels is not None else self._sample_continuous(
            eps.cpu(), None, None).to(self.device)
        fake = self.encode(batch.x).mean.detach()
        real_logit, fake_logit = self._judge(real, labels), self._judge(fake, labels)
        discriminator = (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                         + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))
        ctx.update(discriminator, "discriminator")
        # 3. Generator: the encoder learns to make its codes pass for prior samples.
        fooled = self._judge(self.encode(batch.x).mean, labels)
        generator = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        ctx.update(generator, "generator")
        accuracy = 0.5 * ((real_logit > 0).float().mean() + (fake_logit < 0).float().mean())
        return {"loss": recon, "recon": recon, "discriminator": discriminator, "generator": generator,
                "discriminator_accuracy": accuracy}
