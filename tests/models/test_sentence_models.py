from pathlib import Path

import pytest
import torch

from explorer.data.registry import load_dataset
from explorer.errors import ConfigError
from explorer.models.base import Batch, build_model
from explorer.models.text import text_model_config
from explorer.training.objectives import ObjectiveConfig
from explorer.training.trainer import TrainConfig, Trainer

TINY = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


@pytest.fixture(scope="module")
def corpus():
    return load_dataset(TINY, max_len=12, min_count=1)


def tiny(kind, corpus, **options):
    torch.manual_seed(0)
    config = text_model_config(kind, len(corpus.extra["vocab"]), latent_dim=4, max_len=12, embed_dim=16,
                               hidden_dim=32, **options)
    return build_model(config)


def batch_of(split, n=8):
    part = split.subset(slice(0, n))
    return Batch(part.x[:, : int(part.lengths.max())], part.y, part.lengths)


@pytest.mark.parametrize("kind,options", [("sentence-vae", {}), ("sentence-vae", {"rnn": "lstm", "bidirectional": True}),
                                          ("lm", {})])
def test_loss_falls_on_the_tiny_corpus(corpus, kind, options):
    model = tiny(kind, corpus, **options)
    trainer = Trainer(model, corpus, TrainConfig(epochs=15, batch_size=16, lr=3e-3, device="cpu"))
    history = trainer.run().history
    assert history[-1]["train_recon"] < 0.7 * history[0]["train_recon"]


def test_recon_is_summed_over_tokens_and_eos(corpus):
    model = tiny("sentence-vae", corpus).eval()
    batch = batch_of(corpus.train)
    terms = model.loss_terms(batch)
    vocab_size = len(corpus.extra["vocab"])
    # An untrained model is close to uniform: about log|V| nats per token, length + 1 tokens per sentence.
    expected = (batch.lengths + 1).float() * torch.log(torch.tensor(float(vocab_size)))
    assert torch.allclose(terms["recon"], expected, rtol=0.15)
    assert terms["kl_per_dim"].shape == (8, 4)


def test_word_dropout_only_while_training(corpus):
    model = tiny("sentence-vae", corpus, word_dropout=1.0)
    batch = batch_of(corpus.train)
    z = torch.zeros(8, 4)
    model.eval()
    a = model.decode(z, tokens=batch.x, lengths=batch.lengths)
    model.train()
    b = model.decode(z, tokens=batch.x, lengths=batch.lengths)
    assert not torch.allclose(a, b)


def test_free_bits_hold_the_kl_at_its_floor(corpus):
    model = tiny("sentence-vae", corpus)
    objective = ObjectiveConfig(free_bits=0.5)
    history = Trainer(model, corpus, TrainConfig(epochs=20, batch_size=16, lr=3e-3, device="cpu",
                                                  objective=objective)).run().history
    # Without free bits such a tiny corpus collapses the KL towards 0; with them each dim keeps about 0.5 nats.
    assert history[-1]["train_kl"] > 0.5 * 4 * 0.6


def test_language_model_has_no_latent(corpus):
    model = tiny("lm", corpus)
    assert model.latent_dim == 0 and not model.variational
    with pytest.raises(ConfigError, match="no latent space"):
        model.encode(torch.zeros(1, 3, dtype=torch.long), lengths=torch.tensor([3]))
    with pytest.raises(ConfigError, match="unknown recurrent cell"):
        text_model_config("sentence-vae", 10, rnn="transformer")
