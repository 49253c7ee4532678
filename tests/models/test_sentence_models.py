from pathlib import Path

import pytest
import torch

from explorer.data.registry import load_dataset
from explorer.errors import ConfigError
from explorer.models.base import Batch
from explorer.models.registry import build_model, text_model_config
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


@pytest.mark.parametrize("kind,options", [("sentence-vae", {}),
                                          ("sentence-vae", {"rnn": "lstm", "bidirectional": True}),
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
    assert model.latent_dim == 0 and not model.has_kl
    with pytest.raises(ConfigError, match="no latent space"):
        model.encode(torch.zeros(1, 3, dtype=torch.long), lengths=torch.tensor([3]))
    with pytest.raises(ConfigError, match="setting rnn: Input should be 'gru' or 'lstm'"):
        text_model_config("sentence-vae", 10, rnn="transformer")


@pytest.mark.parametrize("options", [{"pool": "mean"}, {"pool": "max"}, {"pool": "last"},
                                     {"decoder": "transformer", "pool": "mean"},
                                     {"decoder": "transformer", "pool": "last"}])
def test_padding_after_a_sentence_does_not_change_its_code(corpus, options):
    model = tiny("sentence-vae", corpus, **options).eval()
    batch = batch_of(corpus.train)
    padded = torch.cat([batch.x, torch.zeros(len(batch), 3, dtype=torch.long)], dim=1)
    a = model.encode(batch.x, lengths=batch.lengths)
    b = model.encode(padded, lengths=batch.lengths)
    assert torch.allclose(a.mean, b.mean, atol=1e-5) and torch.allclose(a.logvar, b.logvar, atol=1e-5)


def test_pooling_changes_the_summary(corpus):
    batch = batch_of(corpus.train)
    means = {pool: tiny("sentence-vae", corpus, pool=pool).eval().encode(batch.x, lengths=batch.lengths).mean
             for pool in ("last", "mean", "max")}
    assert not torch.allclose(means["last"], means["mean"]) and not torch.allclose(means["mean"], means["max"])


@pytest.mark.parametrize("options", [{}, {"decoder": "transformer", "inject": "memory"},
                                     {"decoder": "transformer", "inject": "embedding"},
                                     {"decoder": "transformer", "inject": "both"}])
def test_teacher_forced_scores_equal_step_by_step_scores(corpus, options):
    """The training loss scores exactly the sentences that decoding generates: no position sees the future."""
    model = tiny("sentence-vae", corpus, **options).eval()
    batch = batch_of(corpus.train, 4)
    z = torch.randn(4, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        forced = model.log_likelihood(batch, z)
        targets = model._targets(batch.x, batch.lengths)
        state, tokens, stepped = model.init_state(z), torch.full((4,), model.config["bos_id"]), torch.zeros(4)
        for t in range(targets.shape[1]):
            logits, state = model.step(tokens, state, z)
            real = targets[:, t] != model.config["pad_id"]
            stepped += torch.where(real, logits.log_softmax(1).gather(1, targets[:, t:t + 1].clamp(min=0))[:, 0], 0.0)
            tokens = batch.x[:, t] if t < batch.x.shape[1] else tokens
    assert torch.allclose(forced, stepped, atol=1e-4)


@pytest.mark.parametrize("inject", ["memory", "embedding", "both"])
def test_transformer_decoder_reads_z(corpus, inject):
    model = tiny("sentence-vae", corpus, decoder="transformer", inject=inject).eval()
    batch = batch_of(corpus.train, 4)
    z = torch.randn(4, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert not torch.allclose(model.log_likelihood(batch, z), model.log_likelihood(batch, 2 * z + 1))


def test_likelihood_at_real_positions_equals_the_full_softmax(corpus):
    model = tiny("sentence-vae", corpus).eval()
    batch = batch_of(corpus.train)
    z = torch.randn(8, 4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = model.decode(z, tokens=batch.x, lengths=batch.lengths)
        targets = model._targets(batch.x, batch.lengths)
        full = -torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=0,
                                                  reduction="none").sum(1)
        assert torch.allclose(model.log_likelihood(batch, z), full, atol=1e-4)


def test_sentence_autoencoder_has_a_deterministic_code(corpus):
    model = tiny("sentence-ae", corpus)
    assert not model.has_kl
    batch = batch_of(corpus.train)
    posterior = model.encode(batch.x, lengths=batch.lengths)
    assert posterior.logvar is None and posterior.mean.shape == (8, 4)
    terms = model.loss_terms(batch)
    assert float(terms["kl"].abs().sum()) == 0.0
    history = Trainer(model, corpus, TrainConfig(epochs=10, batch_size=16, lr=3e-3, device="cpu")).run().history
    assert history[-1]["train_recon"] < 0.7 * history[0]["train_recon"]


def test_configs_written_before_pooling_mean_the_last_state(corpus):
    config = text_model_config("sentence-vae", len(corpus.extra["vocab"]), latent_dim=4, embed_dim=16, hidden_dim=32)
    for key in ("pool", "decoder"):
        del config[key]
    model = build_model(config)
    assert model.config["pool"] == "last" and model.config["decoder"] == "rnn"
    # The parameter names are those older files hold.
    assert {"encoder.weight_ih_l0", "decoder.weight_ih_l0", "latent_to_state.weight", "latent_head.weight"} \
        <= set(model.state_dict())


@pytest.mark.parametrize("bad,message", [({"pool": "sum"}, "setting pool: Input should be 'last', 'mean' or 'max'"),
                                         ({"decoder": "cnn"}, "setting decoder: Input should be"),
                                         ({"decoder": "transformer", "inject": "cross"}, "setting inject: Input"),
                                         ({"decoder": "transformer", "hidden_dim": 30}, "multiple of its 4")])
def test_bad_sentence_configs_are_refused(bad, message):
    with pytest.raises(ConfigError, match=message):
        text_model_config("sentence-vae", 10, **bad)


def test_decoder_reset_keeps_the_encoder_and_forgets_the_decoders_optimizer_state(corpus):
    model = tiny("sentence-vae", corpus, reset_decoder=True)
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    model.loss_terms(batch_of(corpus.train))["recon"].mean().backward()
    optimizer.step()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    model.reset_decoder([optimizer])
    for name, parameter in model.named_parameters():
        changed = not torch.equal(before[name], parameter)
        assert changed == name.startswith(("decoder.", "latent_to_state.", "output.")), name
        assert (parameter in optimizer.state) == (not changed), name
    again = tiny("sentence-vae", corpus, reset_decoder=True)
    again.reset_decoder()
    assert torch.equal(again.output.weight, model.output.weight)  # the same fresh decoder on every rank


def test_pretraining_run_resets_the_decoder_once_at_its_end(corpus):
    from explorer.training.run import RunSpec, TrainingRun

    spec = RunSpec.create(model="sentence-vae", dataset=TINY, min_count=1, max_len=12, latent_dim=4, embed_dim=16,
                          hidden_dim=32, epochs=3, pretrain_epochs=1, free_bits=0.5, batch_size=16, device="cpu")
    run = TrainingRun(spec)
    run.prepare()
    resets = []
    run.model.reset_decoder = lambda optimizers=(): resets.append(run.trainer.global_step)
    run.trainer.run()
    steps_per_epoch = -(-len(corpus.train) // 16)
    assert resets == [steps_per_epoch] and run.trainer.objective.config.pretrain_steps == steps_per_epoch
    with pytest.raises(ConfigError, match="leaves none of the 3 epochs"):
        TrainingRun(RunSpec.create(model="sentence-vae", dataset=TINY, epochs=3, pretrain_epochs=3)).prepare()
    with pytest.raises(ConfigError, match="has no KL term"):
        TrainingRun(RunSpec.create(model="sentence-ae", dataset=TINY, epochs=3, pretrain_epochs=1)).prepare()
