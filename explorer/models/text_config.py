"""The sentence kinds' configs (torch-free; see explorer.models.config): the decoder every sentence model shares,
the encoder in front of it, and each kind's own settings."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import model_validator

from explorer.data.tokens import SPECIALS
from explorer.fields import Int, Probability, Real, Setting, Sizes
from explorer.limits import MAX_HIDDEN, MAX_LATENT_DIM, MAX_LAYERS, MAX_SEQ_LEN, MAX_VOCAB
from explorer.models.config import DISCRIMINATOR_LAYERS, LATENT_SIZE, KindInfo, ModelConfig

RNN_CELLS = ("gru", "lstm")
POOLINGS = ("last", "mean", "max")
DECODERS = ("rnn", "transformer")
INJECTIONS = ("memory", "embedding", "both")
PRIOR_MATCHES = ("adversarial", "mmd")
TRANSFORMER = {"num_layers": 2, "heads": 4, "dropout": 0.1, "inject": "both"}
DEFAULT_LATENT_DIM = 32


class SentenceDecoderConfig(ModelConfig):
    """What every sentence model has: the vocabulary, the embedding and the decoder p(w_t | w_<t, z)."""

    # Files written before pooling and the Transformer decoder: the last state, a recurrent decoder, no dropout.
    legacy = {"pool": "last", "decoder": "rnn", "dropout": 0.0}

    vocab_size: Int(len(SPECIALS), MAX_VOCAB)
    embed_dim: Annotated[Int(1, MAX_HIDDEN), Setting("Sentence models: the token embedding size.",
                                                     label="Embedding size", group="advanced")] = 256
    hidden_dim: Annotated[Int(1, MAX_HIDDEN), Setting("Sentence models: the recurrent layers' size (a "
                                                      "Transformer's width).", label="RNN size",
                                                      group="advanced")] = 256
    rnn: Annotated[Literal[RNN_CELLS], Setting("Sentence models: the recurrent cell.", label="Recurrent cell",
                                               group="advanced")] = "gru"
    num_layers: Int(1, MAX_LAYERS) = 1
    word_dropout: Annotated[Probability, Setting(
        "Sentence models: the chance each decoder input token is replaced by <unk>, forcing the decoder to use "
        "z.", label="Word dropout")] = 0.0
    embed_dropout: Annotated[Real(0.0, 0.9), Setting(
        "Sentence models: dropout on the token embeddings the encoder and decoder read.",
        label="Embedding dropout", group="advanced")] = 0.0
    dropout: Annotated[Real(0.0, 0.9), Setting(
        "Sentence models: dropout on the decoder's states before the softmax (and inside a Transformer's layers). "
        "Auto: 0 for a recurrent decoder, 0.1 for a Transformer.", label="Dropout", group="advanced",
        auto=True)] = None
    decoder: Annotated[Literal[DECODERS], Setting(
        "Sentence models: a recurrent decoder, or a small Transformer (2+2 layers; experimental).", label="Decoder",
        group="advanced")] = "rnn"
    z_every_step: bool = True
    max_len: Int(1, MAX_SEQ_LEN)
    pad_id: Literal[0] = 0
    unk_id: Literal[1] = 1
    bos_id: Literal[2] = 2
    eos_id: Literal[3] = 3
    # Encoder fields: a language model's files carry them too (read, unused).
    bidirectional: bool = False
    pool: Literal[POOLINGS] = "max"
    inject: Literal[INJECTIONS] | None = None
    heads: Int(1, MAX_HIDDEN) | None = None

    @model_validator(mode="after")
    def _decoder(self):
        if self.decoder == "transformer" and (self.heads is None or self.hidden_dim % self.heads):
            raise ValueError(f"a Transformer's width {self.hidden_dim} must be a multiple of its {self.heads} "
                             "attention heads")
        return self

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        return {"vocab_size": len(data["vocab"]), "max_len": int(data["max_len"]), "latent_dim": DEFAULT_LATENT_DIM}

    @classmethod
    def complete(cls, values: dict) -> dict:
        if values["decoder"] == "transformer":
            values.update({key: value for key, value in TRANSFORMER.items()
                           if key in ("num_layers", "heads") or values.get(key) is None})
        else:
            values.update(inject=None, heads=None)  # a recurrent decoder reads z one way
            values["dropout"] = values["dropout"] or 0.0
        return values


class SentenceEncoderConfig(SentenceDecoderConfig):
    """A sentence model with an encoder in front of the decoder."""

    latent_dim: Annotated[Int(1, MAX_LATENT_DIM), LATENT_SIZE]
    bidirectional: Annotated[bool, Setting("Sentence models: a bidirectional encoder.",
                                           label="Bidirectional encoder", group="advanced")] = False
    pool: Annotated[Literal[POOLINGS], Setting(
        "Sentence models: the sentence's summary the code is read from: the encoder's last state, or the mean or "
        "max of its states over time (Long et al. 2019).", label="Encoder pooling", group="advanced")] = "max"
    inject: Annotated[Literal[INJECTIONS] | None, Setting(
        "Transformer decoder: how z enters (Optimus): as one extra key/value position every layer attends to "
        "(memory), added to every input embedding, or both (auto: both).", label="Latent injection",
        group="advanced", auto=True)] = None


def _text_kind(kind: str, name: str, description: str, model: str, **capabilities) -> KindInfo:
    return KindInfo(kind, "text", name, description, model, **capabilities)


class SentenceVAEConfig(SentenceEncoderConfig):
    legacy = {**SentenceEncoderConfig.legacy, "reset_decoder": False}  # older files did not reset
    info = _text_kind("sentence-vae", "Sentence VAE", "Bowman et al.'s sentence VAE: an encoder and a decoder around "
                      "a Gaussian latent.", "explorer.models.text:SentenceVAE")
    reset_decoder: Annotated[bool, Setting(
        "Sentence VAE with AE pre-training: re-initialise the decoder when the pre-training ends, keeping the "
        "encoder (Li et al. 2019).", label="Reset decoder after pre-training", group="advanced")] = True
    mean_batchnorm: Annotated[Real(0.0, 10.0), Setting(
        "Sentence VAE: batch-normalise the posterior means with this fixed scale γ (BN-VAE, Zhu et al. 2020), which "
        "keeps each dimension's expected KL at least γ²/2 so none collapses (0: off; 0.5-0.7 in the paper).",
        label="BN on means (γ)", group="advanced")] = 0.0
    encoder_word_drop: Annotated[Real(0.0, 0.9), Setting(
        "Sentence VAE: during AE pre-training, the chance each token the encoder reads is deleted, so the code "
        "learns what survives noise (Shen et al. 2020).", label="Encoder token drop (pre-training)",
        group="advanced")] = 0.0


class SentenceAEConfig(SentenceEncoderConfig):
    info = _text_kind("sentence-ae", "Sentence AE", "The sentence VAE's encoder and decoder with a deterministic "
                      "code and no KL: the homotopy baseline.", "explorer.models.text:SentenceAE",
                      has_kl=False, has_prior=False)


class DenoisingSentenceAEConfig(SentenceEncoderConfig):
    info = _text_kind("sentence-daae", "Denoising AAE", "Shen et al.'s denoising adversarial autoencoder: tokens "
                      "deleted from the encoder's input, codes matched to N(0, I); its interpolations read as "
                      "sentences.", "explorer.models.text_denoising:DenoisingSentenceAE", has_kl=False)
    input_drop: Annotated[Real(0.0, 0.9), Setting(
        "Denoising AAE: the chance each token the encoder reads is deleted while training (Shen et al. 2020 use "
        "0.3).", label="Input token drop")] = 0.3
    prior_match: Annotated[Literal[PRIOR_MATCHES], Setting(
        "Denoising AAE: how the codes are pulled to N(0, I): a discriminator the encoder learns to fool, or the "
        "maximum mean discrepancy (MMD).", label="Prior matching")] = "adversarial"
    match_weight: Annotated[Real(0.0, 1e6), Setting(
        "Denoising AAE: the weight λ of the prior-matching term against the reconstruction (nats per sentence).",
        label="Matching weight λ", group="advanced")] = 10.0
    discriminator_hidden: Annotated[Sizes(), DISCRIMINATOR_LAYERS] = [256]


class LanguageModelConfig(SentenceDecoderConfig):
    info = _text_kind("lm", "Language model", "The sentence decoder alone, with no latent: the baseline a sentence "
                      "VAE's perplexity is judged by.", "explorer.models.text:LanguageModel",
                      has_kl=False, has_prior=False)
    latent_dim: Int(0, 0) = 0

    @classmethod
    def data_defaults(cls, data: dict) -> dict:
        return {**super().data_defaults(data), "latent_dim": 0}


TEXT_CONFIGS = (SentenceVAEConfig, SentenceAEConfig, LanguageModelConfig, DenoisingSentenceAEConfig)
