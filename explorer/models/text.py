"""Sentence models (Bowman et al. 2016): an RNN encoder to q(z|x), an RNN decoder initialised from z (and optionally
fed z at every step), word and embedding dropout; and the same decoder without a latent, the language-model baseline."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from explorer.errors import ConfigError
from explorer.limits import MAX_HIDDEN, MAX_LATENT_DIM
from explorer.models.base import Batch, LatentModel, Posterior, register_model
from explorer.options import Option

PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3
RNN_CELLS = ("gru", "lstm")

DECODER_OPTIONS = (
    Option("rnn", "choice", "gru", "Sentence models: the recurrent cell.", label="Recurrent cell", choices=RNN_CELLS,
           group="advanced"),
    Option("embed_dim", "int", 256, "Sentence models: word embedding size.", label="Embedding size", low=1,
           high=MAX_HIDDEN, group="advanced"),
    Option("hidden_dim", "int", 256, "Sentence models: the recurrent layers' size.", label="RNN size", low=1,
           high=MAX_HIDDEN, group="advanced"),
    Option("word_dropout", "float", 0.0, "Sentence models: the chance each decoder input word is replaced by "
           "<unk>, forcing the decoder to use z.", label="Word dropout", low=0.0, high=1.0),
)
SENTENCE_VAE_OPTIONS = (
    Option("latent_dim", "int", None, "Number of latent dimensions (auto: 32).", label="Latent size", low=1,
           high=MAX_LATENT_DIM),
    *DECODER_OPTIONS,
    Option("bidirectional", "bool", False, "Sentence VAE: a bidirectional encoder.", label="Bidirectional encoder",
           group="advanced"),
)


def text_model_config(kind: str, vocab_size: int, latent_dim: int | None = None, rnn: str | None = None,
                      max_len: int = 20, **options) -> dict:
    """A complete config; options given as None take their default."""
    config = {
        "kind": kind,
        "vocab_size": int(vocab_size),
        "embed_dim": 256,
        "hidden_dim": 256,
        "latent_dim": 0 if kind == "lm" else int(latent_dim or 32),
        "rnn": rnn or "gru",
        "bidirectional": False,
        "num_layers": 1,
        "word_dropout": 0.0,
        "embed_dropout": 0.0,
        "z_every_step": True,
        "max_len": int(max_len),
        "pad_id": PAD_ID, "unk_id": UNK_ID, "bos_id": BOS_ID, "eos_id": EOS_ID,
    }
    config.update({key: value for key, value in options.items() if value is not None})
    if config["rnn"] not in RNN_CELLS:
        raise ConfigError(f"unknown recurrent cell {config['rnn']!r}; expected gru or lstm")
    if not 0.0 <= float(config["word_dropout"]) <= 1.0:
        raise ConfigError(f"word dropout must be in [0, 1], got {config['word_dropout']}")
    if kind == "lm":
        config["latent_dim"] = 0
    return config


def _rnn(cell: str, input_size: int, hidden: int, layers: int, bidirectional: bool = False) -> nn.RNNBase:
    return (nn.GRU if cell == "gru" else nn.LSTM)(input_size, hidden, layers, batch_first=True,
                                                  bidirectional=bidirectional)


class SentenceDecoder(LatentModel):
    """The decoder shared by the sentence VAE and the language model: p(w_t | w_<t, z)."""

    domain = "text"

    @classmethod
    def build_config(cls, dataset_info: dict, options: dict) -> dict:
        return text_model_config(cls.kind, len(dataset_info["vocab"]), max_len=dataset_info["max_len"], **options)

    def __init__(self, config: dict):
        super().__init__(config)
        c = config
        self.embedding = nn.Embedding(c["vocab_size"], c["embed_dim"], padding_idx=c["pad_id"])
        self.embed_dropout = nn.Dropout(float(c["embed_dropout"]))
        feed_z = self.latent_dim if c["z_every_step"] else 0
        self.decoder = _rnn(c["rnn"], c["embed_dim"] + feed_z, c["hidden_dim"], c["num_layers"])
        self.output = nn.Linear(c["hidden_dim"], c["vocab_size"])
        state_parts = 2 if c["rnn"] == "lstm" else 1
        if self.latent_dim:
            self.latent_to_state = nn.Linear(self.latent_dim, state_parts * c["num_layers"] * c["hidden_dim"])

    @property
    def max_len(self) -> int:
        return int(self.config["max_len"])

    # Decoder, step by step (used by explorer.analysis.decoding) and teacher-forced (training)
    def init_state(self, z: torch.Tensor, cond: torch.Tensor | None = None):
        c, n = self.config, z.shape[0]
        if self.latent_dim:
            flat = torch.tanh(self.latent_to_state(z))
            parts = flat.view(n, -1, c["num_layers"], c["hidden_dim"]).permute(1, 2, 0, 3).contiguous()
        else:
            parts = torch.zeros(2 if c["rnn"] == "lstm" else 1, c["num_layers"], n, c["hidden_dim"],
                                device=self.device)
        return (parts[0], parts[1]) if c["rnn"] == "lstm" else parts[0]

    def _inputs(self, tokens: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        emb = self.embed_dropout(self.embedding(tokens))
        if self.config["z_every_step"] and self.latent_dim:
            emb = torch.cat([emb, z.unsqueeze(1).expand(-1, emb.shape[1], -1)], dim=2)
        return emb

    def step(self, tokens: torch.Tensor, state, z: torch.Tensor):
        """One decoding step: tokens (N,) -> logits (N, V), new state."""
        out, state = self.decoder(self._inputs(tokens.unsqueeze(1), z), state)
        return self.output(out[:, 0]), state

    def decode(self, z, cond=None, tokens=None, lengths=None, **kwargs) -> torch.Tensor:
        """Teacher-forced logits (N, T+1, V) for the sentences ``tokens`` (without <bos>/<eos>) of ``lengths``."""
        if tokens is None or lengths is None:
            raise ConfigError("a sentence decoder scores given tokens; use explorer.analysis.decoding to generate")
        n = tokens.shape[0]
        bos = torch.full((n, 1), self.config["bos_id"], dtype=torch.long, device=tokens.device)
        inputs = torch.cat([bos, tokens], dim=1)
        if self.training and float(self.config["word_dropout"]) > 0:
            drop = torch.rand(inputs.shape, device=inputs.device) < float(self.config["word_dropout"])
            drop[:, 0] = False
            inputs = inputs.masked_fill(drop & (inputs != self.config["pad_id"]), self.config["unk_id"])
        packed = pack_padded_sequence(self._inputs(inputs, z), (lengths + 1).cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.decoder(packed, self.init_state(z))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=inputs.shape[1])
        return self.output(out)

    def _targets(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The tokens followed by <eos>, padded: (N, T+1)."""
        pad = torch.full((tokens.shape[0], 1), self.config["pad_id"], dtype=torch.long, device=tokens.device)
        targets = torch.cat([tokens, pad], dim=1)
        targets[torch.arange(len(tokens), device=tokens.device), lengths] = self.config["eos_id"]
        return targets

    def log_likelihood(self, batch: Batch, z: torch.Tensor) -> torch.Tensor:
        logits = self.decode(z, tokens=batch.x, lengths=batch.lengths)
        targets = self._targets(batch.x, batch.lengths)
        nll = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=self.config["pad_id"], reduction="none")
        return -nll.sum(1)


@register_model
class SentenceVAE(SentenceDecoder):
    """Bowman et al. 2016: an RNN encoder to q(z|x), the decoder initialised from z and fed z at every step."""

    kind = "sentence-vae"
    display_name = "Sentence VAE"
    description = "Bowman et al.'s sentence VAE: a recurrent encoder and decoder around a Gaussian latent."
    options = SENTENCE_VAE_OPTIONS

    def __init__(self, config: dict):
        super().__init__(config)
        if self.latent_dim < 1:
            raise ConfigError("a sentence VAE needs latent_dim >= 1")
        c = config
        self.encoder = _rnn(c["rnn"], c["embed_dim"], c["hidden_dim"], c["num_layers"], c["bidirectional"])
        directions = 2 if c["bidirectional"] else 1
        self.latent_head = nn.Linear(directions * c["hidden_dim"], 2 * self.latent_dim)

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        if lengths is None:
            raise ConfigError("encoding sentences needs their lengths")
        packed = pack_padded_sequence(self.embed_dropout(self.embedding(x)), lengths.clamp(min=1).cpu(),
                                      batch_first=True, enforce_sorted=False)
        _, state = self.encoder(packed)
        h = state[0] if isinstance(state, tuple) else state  # (layers * directions, N, H)
        directions = 2 if self.config["bidirectional"] else 1
        last = h[-directions:].transpose(0, 1).reshape(x.shape[0], -1)
        mean, logvar = self.latent_head(last).chunk(2, dim=1)
        return Posterior(mean, logvar)

    def loss_terms(self, batch: Batch, step: int | None = None) -> dict[str, torch.Tensor]:
        posterior = self.encode(batch.x, None, batch.lengths)
        z = posterior.sample()
        kl_per_dim = self.kl_terms(posterior)["per_dim"]
        return {"recon": -self.log_likelihood(batch, z), "kl": kl_per_dim.sum(1), "kl_per_dim": kl_per_dim}


@register_model
class LanguageModel(SentenceDecoder):
    """The decoder alone, with no latent: the baseline whose perplexity a sentence VAE must approach."""

    kind = "lm"
    display_name = "Language model"
    description = "The sentence decoder alone, with no latent: the baseline a sentence VAE's perplexity is judged by."
    variational = False
    options = DECODER_OPTIONS

    def encode(self, x, cond=None, lengths=None) -> Posterior:
        raise ConfigError("a language model has no latent space")

    def loss_terms(self, batch: Batch, step: int | None = None) -> dict[str, torch.Tensor]:
        n = batch.x.shape[0]
        z = torch.zeros(n, 0, device=batch.x.device)
        zeros = torch.zeros(n, device=batch.x.device)
        return {"recon": -self.log_likelihood(batch, z), "kl": zeros, "kl_per_dim": z}
