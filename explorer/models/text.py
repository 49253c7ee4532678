"""Sentence models: the sentence VAE (Bowman et al. 2016), the same encoder and decoder as a deterministic
autoencoder, and the decoder alone as the language-model baseline.

The encoder summarises a sentence by its last recurrent state or by pooling the states over time (mean or max,
Long et al. 2019); the decoder is a recurrent network initialised from z and fed z at every step, or a small
Transformer with z injected Optimus-style (``explorer.models.transformer_text``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from explorer.errors import ConfigError
from explorer.models.base import Batch, LatentModel, Posterior, StepContext
from explorer.models.text_config import LanguageModelConfig, SentenceAEConfig, SentenceVAEConfig

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
DECODER_PARTS = ("decoder.", "latent_to_state.", "output.")  # parameters a decoder reset draws afresh


def drop_tokens(x: torch.Tensor, lengths: torch.Tensor, p: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Each real token deleted with probability ``p`` (at least one kept per sentence), the rest moved left:
    the encoder's input noise of a denoising text autoencoder (Shen et al. 2020)."""
    real = torch.arange(x.shape[1], device=x.device) < lengths.unsqueeze(1)
    keep = real & (torch.rand(x.shape, device=x.device) >= p)
    first = torch.zeros_like(keep)
    first[:, 0] = True
    keep = torch.where(keep.any(1, keepdim=True), keep, first & real)
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)  # kept tokens first, in their order
    new_lengths = keep.sum(1)
    out = torch.gather(x, 1, order).masked_fill(~(torch.arange(x.shape[1], device=x.device)
                                                   < new_lengths.unsqueeze(1)), 0)
    return out[:, : int(new_lengths.max())], new_lengths
DECODER_PARTS = ("decoder.", "latent_to_state.", "output.")  # parameters a decoder reset draws afresh


def _rnn(cell: str, input_size: int, hidden: int, layers: int, bidirectional: bool = False) -> nn.RNNBase:
    return (nn.GRU if cell == "gru" else nn.LSTM)(input_size, hidden, layers, batch_first=True,
                                                  bidirectional=bidirectional)


def pool_states(states: torch.Tensor, lengths: torch.Tensor, how: str) -> torch.Tensor:
    """Mean or max of (N, T, H) states over each sentence's first ``lengths`` positions."""
    valid = (torch.arange(states.shape[1], device=states.device) < lengths.unsqueeze(1)).unsqueeze(2)
    if how == "max":
        return states.masked_fill(~valid, float("-inf")).amax(1)
    return (states * valid).sum(1) / lengths.clamp(min=1).unsqueeze(1).to(states.dtype)



class SentenceDecoder(LatentModel):
    """The decoder shared by every sentence model: p(w_t | w_<t, z). Recurrent: an RNN whose initial state is
    tanh(W z) and whose input is [embedding; z] at every step; or a Transformer (``decoder: transformer``)."""

    domain = "text"

    def __init__(self, config: dict):
        super().__init__(config)
        c = self.config
        self.transformer = c["decoder"] == "transformer"
        self.embedding = nn.Embedding(c["vocab_size"], c["embed_dim"], padding_idx=c["pad_id"])
        self.embed_dropout = nn.Dropout(float(c["embed_dropout"]))
        self.state_dropout = nn.Dropout(float(c["dropout"]))
        if self.transformer:
            from explorer.models.transformer_text import TransformerDecoder

            self.decoder = TransformerDecoder(c, self.latent_dim)
        else:
            feed_z = self.latent_dim if c["z_every_step"] else 0
            self.decoder = _rnn(c["rnn"], c["embed_dim"] + feed_z, c["hidden_dim"], c["num_layers"])
            state_parts = 2 if c["rnn"] == "lstm" else 1
            if self.latent_dim:
                self.latent_to_state = nn.Linear(self.latent_dim, state_parts * c["num_layers"] * c["hidden_dim"])
        self.output = nn.Linear(c["hidden_dim"], c["vocab_size"])

    @property
    def max_len(self) -> int:
        return int(self.config["max_len"])

    # Step by step (explorer.domains.decoding)
    def init_state(self, z: torch.Tensor, cond: torch.Tensor | None = None):
        if self.transformer:
            return self.decoder.start(z)
        c, n = self.config, z.shape[0]
        if self.latent_dim:
            flat = torch.tanh(self.latent_to_state(z))
            parts = flat.view(n, -1, c["num_layers"], c["hidden_dim"]).permute(1, 2, 0, 3).contiguous()
        else:
            parts = torch.zeros(2 if c["rnn"] == "lstm" else 1, c["num_layers"], n, c["hidden_dim"],
                                device=self.device)
        return (parts[0], parts[1]) if c["rnn"] == "lstm" else parts[0]

    def _with_z(self, emb: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        if self.config["z_every_step"] and self.latent_dim:
            emb = torch.cat([emb, z.unsqueeze(1).expand(-1, emb.shape[1], -1)], dim=2)
        return emb

    def step(self, tokens: torch.Tensor, state, z: torch.Tensor):
        """One decoding step: tokens (N,) -> logits (N, V), new state."""
        emb = self.embed_dropout(self.embedding(tokens.unsqueeze(1)))
        if self.transformer:
            hidden, state = self.decoder.step(emb, state, z)
        else:
            out, state = self.decoder(self._with_z(emb, z), state)
            hidden = out[:, 0]
        return self.output(self.state_dropout(hidden)), state

    def select_state(self, state, index: torch.Tensor):
        """The decoding state of the rows ``index`` (beam search keeps its best hypotheses)."""
        if self.transformer:
            return state[index]
        return tuple(s[:, index] for s in state) if isinstance(state, tuple) else state[:, index]

    # Teacher-forced (training and scoring)
    def _decoder_states(self, z: torch.Tensor, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """States (N, T+1, H) predicting each token of ``tokens`` (without <bos>/<eos>) and the <eos>."""
        n = tokens.shape[0]
        bos = torch.full((n, 1), self.config["bos_id"], dtype=torch.long, device=tokens.device)
        inputs = torch.cat([bos, tokens], dim=1)
        if self.training and float(self.config["word_dropout"]) > 0:
            drop = torch.rand(inputs.shape, device=inputs.device) < float(self.config["word_dropout"])
            drop[:, 0] = False
            inputs = inputs.masked_fill(drop & (inputs != self.config["pad_id"]), self.config["unk_id"])
        emb = self.embed_dropout(self.embedding(inputs))
        if self.transformer:
            return self.state_dropout(self.decoder(emb, z))
        # Left to right, a state at a real position never depends on the padding after it, so the padded batch runs
        # as it is: no packing (its sort and its lengths read back from the device), and with length-bucketed
        # batches (explorer.training.batching) little padding to run over. Padded positions' states are unused.
        out, _ = self.decoder(self._with_z(emb, z), self.init_state(z))
        return self.state_dropout(out)

    def decode(self, z, cond=None, tokens=None, lengths=None, **kwargs) -> torch.Tensor:
        """Teacher-forced logits (N, T+1, V) for the sentences ``tokens`` (without <bos>/<eos>) of ``lengths``."""
        if tokens is None or lengths is None:
            raise ConfigError("a sentence decoder scores given tokens; use explorer.domains.decoding to generate")
        return self.output(self._decoder_states(z, tokens, lengths))

    def _targets(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The tokens followed by <eos>, padded: (N, T+1)."""
        pad = torch.full((tokens.shape[0], 1), self.config["pad_id"], dtype=torch.long, device=tokens.device)
        targets = torch.cat([tokens, pad], dim=1)
        targets[torch.arange(len(tokens), device=tokens.device), lengths] = self.config["eos_id"]
        return targets

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        states = self._decoder_states(z, batch.x, batch.lengths)
        targets = self._targets(batch.x, batch.lengths)
        # The softmax over the vocabulary is the costliest part: it is computed at real positions only.
        real = targets != self.config["pad_id"]
        nll = F.cross_entropy(self.output(states[real]), targets[real], reduction="none")
        rows = torch.arange(len(targets), device=targets.device).unsqueeze(1).expand_as(targets)[real]
        return -torch.zeros(len(targets), dtype=nll.dtype, device=nll.device).index_add_(0, rows, nll)


class SentenceEncoderDecoder(SentenceDecoder):
    """The decoder with an encoder in front: an RNN (or a Transformer) over the sentence, summarised by its last
    state or by pooling its states over time, then a linear head to the code."""

    def __init__(self, config: dict):
        super().__init__(config)
        if self.latent_dim < 1:
            raise ConfigError(f"a {self.kind} needs latent_dim >= 1")
        c = self.config
        if self.transformer:
            from explorer.models.transformer_text import TransformerEncoder

            self.encoder = TransformerEncoder(c)
            width = c["hidden_dim"]
        else:
            self.encoder = _rnn(c["rnn"], c["embed_dim"], c["hidden_dim"], c["num_layers"], c["bidirectional"])
            width = (2 if c["bidirectional"] else 1) * c["hidden_dim"]
        self.latent_head = nn.Linear(width, (2 if self.has_kl else 1) * self.latent_dim)
        gamma = float(c.get("mean_batchnorm") or 0.0)
        if gamma > 0:
            self.mean_norm = nn.BatchNorm1d(self.latent_dim)
            nn.init.constant_(self.mean_norm.weight, gamma)
            self.mean_norm.weight.requires_grad_(False)  # the fixed scale is what bounds the KL from below

    def _summary(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        emb = self.embed_dropout(self.embedding(x))
        if self.transformer:
            return self.encoder(emb, lengths)
        packed = pack_padded_sequence(emb, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.encoder(packed)
        if self.config["pool"] == "last":
            h = state[0] if isinstance(state, tuple) else state  # (layers * directions, N, H)
            directions = 2 if self.config["bidirectional"] else 1
            return h[-directions:].transpose(0, 1).reshape(x.shape[0], -1)
        out, _ = pad_packed_sequence(out, batch_first=True)
        return pool_states(out, lengths.clamp(min=1).to(out.device), self.config["pool"])

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        if lengths is None:
            raise ConfigError("encoding sentences needs their lengths")
        stats = self.latent_head(self._summary(x, lengths))
        if not self.has_kl:
            return Posterior(stats)
        mean, logvar = stats.chunk(2, dim=1)
        if hasattr(self, "mean_norm"):
            mean = self.mean_norm(mean)
        return Posterior(mean, logvar)

    def encode_noisy(self, batch: Batch, drop: float) -> Posterior:
        """q(z|x̃) of the sentences with tokens deleted at rate ``drop`` (in training mode only)."""
        x, lengths = batch.x, batch.lengths
        if self.training and drop > 0:
            x, lengths = drop_tokens(x, lengths, drop)
        return self.encode(x, None, lengths)

    def loss_terms(self, batch: Batch, step: int | None = None, posterior: Posterior | None = None,
                   drop: float = 0.0) -> dict[str, torch.Tensor]:
        posterior = posterior or self.encode_noisy(batch, drop)
        kl_per_dim = self.kl_terms(posterior)["per_dim"]
        return {"recon": -self.log_likelihood(batch, posterior.sample()), "kl": kl_per_dim.sum(1),
                "kl_per_dim": kl_per_dim}


class SentenceVAE(SentenceEncoderDecoder):
    """Bowman et al. 2016: an encoder to q(z|x), the decoder initialised from z and fed z at every step."""

    Config = SentenceVAEConfig

    def training_step(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        if self.config.get("reset_decoder") and step == ctx.objective.config.pretrain_steps > 0:
            self.reset_decoder(ctx.optimizers.values())
        return super().training_step(batch, step, ctx)

    def training_terms(self, batch: Batch, step: int, ctx: StepContext) -> dict[str, torch.Tensor]:
        drop = float(self.config.get("encoder_word_drop") or 0.0) if ctx.objective.pretraining(step) else 0.0
        return self.loss_terms(batch, step, drop=drop)

    def reset_decoder(self, optimizers=()) -> None:
        """Draw the decoder's weights afresh (the same on every rank: from a fixed seed) and forget what the
        optimizers remembered of the old ones. The embedding, shared with the encoder, is kept."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            fresh = type(self)(self.config).state_dict()
        with torch.no_grad():
            for name, parameter in self.named_parameters():
                if name.startswith(DECODER_PARTS):
                    parameter.copy_(fresh[name])
                    for optimizer in optimizers:
                        optimizer.state.pop(parameter, None)


class SentenceAE(SentenceEncoderDecoder):
    """The same encoder and decoder with a deterministic code and no KL: the baseline whose homotopies show the
    holes a VAE's prior fills (Bowman et al. 2016)."""

    Config = SentenceAEConfig


class LanguageModel(SentenceDecoder):
    """The decoder alone, with no latent: the baseline whose perplexity a sentence VAE must approach."""

    Config = LanguageModelConfig

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        raise ConfigError("a language model has no latent space")

    def loss_terms(self, batch: Batch, step: int | None = None,
                   posterior: Posterior | None = None) -> dict[str, torch.Tensor]:
        n = batch.x.shape[0]
        z = torch.zeros(n, 0, device=batch.x.device)
        zeros = torch.zeros(n, device=batch.x.device)
        return {"recon": -self.log_likelihood(batch, z), "kl": zeros, "kl_per_dim": z}
