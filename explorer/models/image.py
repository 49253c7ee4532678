"""Image models: plain and denoising autoencoders, the VAE (also trained as β-VAE) and the conditional VAE, each with
an MLP or a convolutional encoder/decoder and a Bernoulli (or Gaussian) pixel likelihood."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from explorer.errors import ConfigError
from explorer.models.base import Batch, LatentModel, Posterior
from explorer.models.config import AutoEncoderConfig, CVAEConfig, DenoisingAutoEncoderConfig, VAEConfig


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers)


class ConvEncoderBody(nn.Module):
    """Stride-2 3x3 convolutions, flattened: (N, C, H, W) -> (N, features)."""

    def __init__(self, input_shape, channels: list[int]):
        super().__init__()
        layers, previous = [], input_shape[0]
        for width in channels:
            layers += [nn.Conv2d(previous, width, 3, stride=2, padding=1), nn.ReLU()]
            previous = width
        self.net = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            self.out_features = self.net(torch.zeros(1, *input_shape)).shape[1]

    def forward(self, x):
        return self.net(x)


class ConvDecoderBody(nn.Module):
    """The mirror: (N, in_features) -> linear -> transposed convolutions -> pixel logits (N, C, H, W)."""

    def __init__(self, in_features: int, input_shape, channels: list[int]):
        super().__init__()
        c, h, w = input_shape
        self.start_hw = (math.ceil(h / 2 ** len(channels)), math.ceil(w / 2 ** len(channels)))
        self.start_channels = channels[-1]
        self.fc = nn.Sequential(nn.Linear(in_features, channels[-1] * self.start_hw[0] * self.start_hw[1]), nn.ReLU())
        layers = []
        widths = list(reversed(channels)) + [c]
        for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(nn.ConvTranspose2d(n_in, n_out, 4, stride=2, padding=1))
            if i < len(widths) - 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        self.out_hw = (h, w)

    def forward(self, h):
        x = self.fc(h).view(-1, self.start_channels, *self.start_hw)
        return self.net(x)[:, :, : self.out_hw[0], : self.out_hw[1]]


class ImageModel(LatentModel):
    """Shared body of every image model: encoder -> latent heads; decoder -> pixel logits (or Gaussian means)."""

    def __init__(self, config: dict):
        super().__init__(config)
        c, h, w = self.input_shape = tuple(config["input_shape"])
        self.pixels = c * h * w
        cond = self.num_classes
        hidden = list(config["hidden"])
        if config["arch"] == "conv":
            self.encoder_body = ConvEncoderBody(self.input_shape, list(config["channels"]))
            features = self.encoder_body.out_features
            self.encoder_mlp = _mlp([features + cond] + hidden)
            self.decoder_mlp = _mlp([self.latent_dim + cond] + hidden)
            self.decoder_out = ConvDecoderBody(hidden[-1], self.input_shape, list(config["channels"]))
        else:
            self.encoder_body = nn.Flatten()
            self.encoder_mlp = _mlp([self.pixels + cond] + hidden)
            self.decoder_mlp = _mlp([self.latent_dim + cond] + hidden[::-1])
            self.decoder_out = nn.Sequential(nn.Linear(hidden[0], self.pixels), nn.Unflatten(1, self.input_shape))
        self.latent_head = nn.Linear(hidden[-1], self.head_outputs)
        if config["likelihood"] == "gaussian":
            self.log_scale = nn.Parameter(torch.zeros(()))

    @property
    def head_outputs(self) -> int:
        """How many numbers the encoder's last layer gives: a mean and a log-variance per dimension (a code value
        per dimension for a deterministic encoder)."""
        return (2 if self.has_kl else 1) * self.latent_dim

    def _with_cond(self, h: torch.Tensor, cond: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return h
        if cond is None:
            raise ConfigError(f"{self.kind} is conditional: it needs a class label")
        return torch.cat([h, F.one_hot(cond.long(), self.num_classes).to(h.dtype)], dim=1)

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        h = self.encoder_mlp(self._with_cond(self.encoder_body(x), cond))
        out = self.latent_head(h)
        if not self.has_kl:
            return Posterior(out)
        mean, logvar = out.chunk(2, dim=1)
        return Posterior(mean, logvar)

    def decode(self, z, cond=None, **kwargs) -> torch.Tensor:
        return self.decoder_out(self.decoder_mlp(self._with_cond(z, cond)))

    def pixel_means(self, z, cond=None) -> torch.Tensor:
        out = self.decode(z, cond)
        return torch.sigmoid(out) if self.config["likelihood"] == "bernoulli" else out.clamp(0.0, 1.0)

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        out = self.decode(z, batch.y if self.conditional else None)
        if self.config["likelihood"] == "bernoulli":
            nll = F.binary_cross_entropy_with_logits(out, batch.x, reduction="none")
        else:
            log_scale = self.log_scale
            nll = 0.5 * math.log(2 * math.pi) + log_scale + 0.5 * ((batch.x - out) / log_scale.exp()).pow(2)
        return -nll.flatten(1).sum(1)

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def loss_terms(self, batch: Batch, step: int | None = None,
                   posterior: Posterior | None = None) -> dict[str, torch.Tensor]:
        cond = batch.y if self.conditional else None
        if posterior is None:
            posterior = self.encode(self.corrupt(batch.x) if self.training else batch.x, cond)
        z = posterior.sample()
        recon = -self.log_likelihood(batch, z)
        kl_per_dim = self.kl_terms(posterior, cond)["per_dim"]
        return {"recon": recon, "kl": kl_per_dim.sum(1), "kl_per_dim": kl_per_dim}


class AutoEncoder(ImageModel):
    """A plain autoencoder: a baseline whose latent space gives garbage when sampled from N(0, I)."""

    Config = AutoEncoderConfig


class DenoisingAutoEncoder(ImageModel):
    """An autoencoder trained to reconstruct clean images from corrupted ones (Vincent et al. 2008): additive
    Gaussian noise of std config['noise'] clamped to [0, 1], or masking noise zeroing each pixel with probability
    config['noise']. Corruption applies in training mode only."""

    Config = DenoisingAutoEncoderConfig

    def corrupt(self, x):
        level = float(self.config["noise"])
        if self.config.get("noise_type", "gaussian") == "masking":
            return x * (torch.rand_like(x) >= level).to(x.dtype)
        return (x + level * torch.randn_like(x)).clamp(0.0, 1.0)


class VAE(ImageModel):
    """Kingma & Welling's VAE; trained with β != 1 or a capacity objective it is a β-VAE."""

    Config = VAEConfig


class CVAE(ImageModel):
    """Sohn et al. 2015: the label conditions encoder and decoder, and optionally a learned prior p(z|c)."""

    Config = CVAEConfig

    def __init__(self, config: dict):
        super().__init__(config)
        self._learned_prior = bool(config.get("learned_prior", False))
        if self._learned_prior:
            self.prior_table = nn.Embedding(self.num_classes, 2 * self.latent_dim)
            nn.init.zeros_(self.prior_table.weight)

    def prior(self, cond=None, n=None):
        if not self._learned_prior:
            return super().prior(cond, n)
        if cond is None:
            raise ConfigError("a CVAE with a learned prior needs a class to sample from")
        mean, logvar = self.prior_table(cond.long().to(self.device)).chunk(2, dim=1)
        return mean, logvar
