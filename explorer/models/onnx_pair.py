"""A model trained elsewhere and exported as two ONNX graphs: ``encoder`` (x -> mean, log-variance) and
``decoder`` (z -> pixel logits or probabilities), run by onnxruntime on the CPU under a standard normal prior.

The graphs are the model's weights: two uint8 buffers, so a saved ONNX pair is an ordinary checkpoint whose
loading builds the same model (each graph checked again by ``explorer.models.onnx_graph``). It is explored, not
trained."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from explorer.errors import TrainingError
from explorer.models.base import Batch, LatentModel, Posterior
from explorer.models.config import OnnxPairConfig
from explorer.models.onnx_graph import GraphRunner, checked_graph

PROBABILITY_EPS = 1e-6  # probabilities are clamped this far from 0 and 1 before they become logits


class OnnxPairModel(LatentModel):
    Config = OnnxPairConfig

    def __init__(self, config: dict):
        super().__init__(config)
        self.input_shape = tuple(config["input_shape"])
        self.register_buffer("encoder_graph", torch.zeros(int(config["encoder_bytes"]), dtype=torch.uint8))
        self.register_buffer("decoder_graph", torch.zeros(int(config["decoder_bytes"]), dtype=torch.uint8))
        self._runners: tuple[GraphRunner, GraphRunner] | None = None

    @classmethod
    def from_graphs(cls, config: dict, encoder: bytes, decoder: bytes) -> OnnxPairModel:
        """The model of two checked, self-contained graphs (``checked_graph``), its runners made and probed."""
        model = cls(dict(config, encoder_bytes=len(encoder), decoder_bytes=len(decoder)))
        model.load_state_dict({"encoder_graph": torch.frombuffer(bytearray(encoder), dtype=torch.uint8),
                               "decoder_graph": torch.frombuffer(bytearray(decoder), dtype=torch.uint8)})
        return model

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        result = super().load_state_dict(state_dict, strict, assign)
        self._runners = self._make_runners()
        return result

    def _make_runners(self) -> tuple[GraphRunner, GraphRunner]:
        threads = torch.get_num_threads()
        runners = tuple(GraphRunner(checked_graph(getattr(self, f"{part}_graph").cpu().numpy().tobytes(),
                                                  f"the {part}'s ONNX graph"), f"the {part}'s ONNX graph", threads)
                        for part in ("encoder", "decoder"))
        self._probe(*runners)
        return runners

    def _probe(self, encoder: GraphRunner, decoder: GraphRunner) -> None:
        """Two items through both graphs: the shapes they give must be the declared ones."""
        from explorer.errors import CheckpointError

        outputs = encoder(torch.zeros(2, *self.input_shape).numpy())
        latent = (2, self.latent_dim)
        if len(outputs) != 2 or any(output.shape != latent for output in outputs):
            raise CheckpointError(f"the encoder's ONNX graph gives {[list(o.shape) for o in outputs]} for 2 images of "
                                  f"shape {list(self.input_shape)}; expected a mean and a log-variance, each "
                                  f"{list(latent)} (export it with a dynamic batch axis)")
        pixels = decoder(torch.zeros(latent).numpy())
        if len(pixels) != 1 or pixels[0].size != 2 * self.input_shape[0] * self.input_shape[1] * self.input_shape[2]:
            raise CheckpointError(f"the decoder's ONNX graph gives {[list(p.shape) for p in pixels]} for 2 latents "
                                  f"of size {self.latent_dim}; expected one output of 2 x {list(self.input_shape)}")

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")  # onnxruntime runs on the CPU; the model has no parameters to ask

    def _ready(self) -> tuple[GraphRunner, GraphRunner]:
        if self._runners is None:
            self._runners = self._make_runners()
        return self._runners

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        mean, logvar = self._ready()[0](x.detach().to("cpu", torch.float32).numpy())
        return Posterior(torch.from_numpy(mean).to(x.device), torch.from_numpy(logvar).to(x.device))

    def _decoded(self, z: torch.Tensor) -> torch.Tensor:
        (out,) = self._ready()[1](z.detach().to("cpu", torch.float32).numpy())
        return torch.from_numpy(out).reshape(len(z), *self.input_shape).to(z.device)

    def decode(self, z, cond=None, **kwargs) -> torch.Tensor:
        out = self._decoded(z)
        if self.config["decoder_output"] == "probabilities":
            return torch.logit(out, eps=PROBABILITY_EPS)
        return out

    def pixel_means(self, z, cond=None) -> torch.Tensor:
        out = self._decoded(z)
        return out.clamp(0.0, 1.0) if self.config["decoder_output"] == "probabilities" else torch.sigmoid(out)

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        nll = F.binary_cross_entropy_with_logits(self.decode(z), batch.x, reduction="none")
        return -nll.flatten(1).sum(1)

    def loss_terms(self, batch: Batch, step: int | None = None,
                   posterior: Posterior | None = None) -> dict[str, torch.Tensor]:
        posterior = posterior if posterior is not None else self.encode(batch.x)
        kl_per_dim = self.kl_terms(posterior)["per_dim"]
        return {"recon": -self.log_likelihood(batch, posterior.sample()), "kl": kl_per_dim.sum(1),
                "kl_per_dim": kl_per_dim}

    def training_step(self, batch, step, ctx):
        raise TrainingError("an ONNX pair is explored here, not trained: train it where it was made")
