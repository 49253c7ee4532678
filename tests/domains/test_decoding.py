from pathlib import Path

import pytest
import torch

from explorer.data.registry import load_dataset
from explorer.domains.decoding import (
    DecodeConfig,
    beam_hypotheses,
    block_repeated_ngrams,
    decode_ids,
    filter_logits,
    length_penalty,
    penalise_repeats,
)
from explorer.domains.text import TextDomain
from explorer.errors import ConfigError, DataError
from explorer.models.registry import build_model, text_model_config
from explorer.training.trainer import TrainConfig, Trainer

TINY = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


@pytest.fixture(scope="module")
def trained():
    corpus = load_dataset(TINY, max_len=12, min_count=1)
    torch.manual_seed(0)
    model = build_model(text_model_config("sentence-vae", len(corpus.extra["vocab"]), latent_dim=4, max_len=12,
                                          embed_dim=16, hidden_dim=32))
    Trainer(model, corpus, TrainConfig(epochs=10, batch_size=16, lr=3e-3, device="cpu")).run()
    return model.eval(), corpus


def test_beam_width_one_equals_greedy(trained):
    model, _ = trained
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(1))
    assert decode_ids(model, z, DecodeConfig("beam", beam_width=1)) == decode_ids(model, z, DecodeConfig("greedy"))


def test_wider_beam_scores_at_least_as_well_as_greedy(trained):
    model, corpus = trained
    z = torch.randn(4, 4, generator=torch.Generator().manual_seed(2))

    def score(ids_list):
        from explorer.models.base import Batch

        lengths = torch.tensor([max(1, len(ids)) for ids in ids_list])
        x = torch.zeros(len(ids_list), int(lengths.max()), dtype=torch.long)
        for i, ids in enumerate(ids_list):
            x[i, : len(ids)] = torch.tensor(ids, dtype=torch.long) if ids else 0
        with torch.no_grad():
            return model.log_likelihood(Batch(x, None, lengths), z)

    greedy = decode_ids(model, z, DecodeConfig("greedy"))
    beam = decode_ids(model, z, DecodeConfig("beam", beam_width=5))
    nonempty = [i for i in range(4) if greedy[i] and beam[i]]
    assert (score(beam)[nonempty] >= score(greedy)[nonempty] - 1e-4).all()


def repeats_an_ngram(ids: list[int], n: int) -> bool:
    grams = [tuple(ids[i:i + n]) for i in range(len(ids) - n + 1)]
    return len(grams) != len(set(grams))


def test_blocking_rules_out_the_tokens_that_would_repeat_an_ngram():
    generated = torch.tensor([[5, 6, 7, 5, 6], [5, 6, 7, 8, 9]])
    blocked = block_repeated_ngrams(torch.zeros(2, 10), generated, 3)
    assert torch.isinf(blocked[0]).nonzero().flatten().tolist() == [7]  # "5 6" was followed by 7
    assert not torch.isinf(blocked[1]).any()
    assert torch.isinf(block_repeated_ngrams(torch.zeros(2, 10), generated, 2)[0]).nonzero().flatten().tolist() == [7]
    assert torch.equal(block_repeated_ngrams(torch.zeros(2, 10), generated, 0), torch.zeros(2, 10))


def test_no_output_repeats_a_3gram_when_blocking_is_on(trained):
    model, _ = trained
    z = 2 * torch.randn(30, 4, generator=torch.Generator().manual_seed(4))
    off = decode_ids(model, z, DecodeConfig("greedy", no_repeat_ngram=0))
    assert any(repeats_an_ngram(ids, 3) for ids in off)  # this model does repeat itself
    for strategy in ("greedy", "beam", "sample"):
        outputs = decode_ids(model, z, DecodeConfig(strategy, beam_width=3, no_repeat_ngram=3, seed=0))
        assert not any(repeats_an_ngram(ids, 3) for ids in outputs), strategy


def test_length_penalty_zero_ranks_by_the_summed_log_probability(trained):
    model, _ = trained
    z = torch.randn(8, 4, generator=torch.Generator().manual_seed(6))
    for row in z:
        plain = beam_hypotheses(model, row[None], DecodeConfig("beam", length_penalty=0.0))
        assert plain[0].log_prob == max(h.log_prob for h in plain) and all(h.score == h.log_prob for h in plain)
        normalised = beam_hypotheses(model, row[None], DecodeConfig("beam", length_penalty=1.0))
        assert normalised[0].score == max(h.score for h in normalised)
        assert all(abs(h.score - h.log_prob / length_penalty(len(h.ids) + 1, 1.0)) < 1e-5 for h in normalised)
    assert length_penalty(7, 0.0) == 1.0 and length_penalty(1, 0.6) == 1.0


def test_seeded_sampling_repeats_and_top_k_one_is_greedy(trained):
    model, _ = trained
    z = torch.randn(5, 4, generator=torch.Generator().manual_seed(3))
    sample = DecodeConfig("sample", temperature=1.2, top_p=0.9, seed=7)
    assert decode_ids(model, z, sample) == decode_ids(model, z, sample)
    assert decode_ids(model, z, DecodeConfig("sample", top_k=1, seed=1)) == decode_ids(model, z, DecodeConfig())


def test_unseeded_sampling_leaves_the_global_random_state_alone(trained):
    model, _ = trained
    torch.manual_seed(0)
    decode_ids(model, torch.zeros(2, 4), DecodeConfig("sample"))
    after_sampling = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(after_sampling, torch.rand(3))


def test_repetition_penalty_and_filters():
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    seen = torch.tensor([[0, 1]])
    assert torch.equal(penalise_repeats(logits, seen, 1.0), logits)
    assert torch.allclose(penalise_repeats(logits, seen, 2.0), torch.tensor([[1.0, -2.0, 0.5]]))
    assert torch.isinf(filter_logits(logits, top_k=1, top_p=1.0)).sum() == 2
    nucleus = filter_logits(torch.log(torch.tensor([[0.6, 0.3, 0.1]])), top_k=0, top_p=0.8)
    assert torch.isfinite(nucleus).tolist() == [[True, True, False]]
    with pytest.raises(ConfigError, match="unknown decoding"):
        DecodeConfig("magic").validate()


def test_text_domain_encodes_typed_sentences_and_renders(trained):
    model, corpus = trained
    domain = TextDomain(corpus.describe())
    x, lengths = domain.encode_sentences(["The cat sat on the mat.", "zebras dance"])
    assert (x != 1).all() and domain.unknown_words("zebras dance") == []  # subwords spell anything
    assert [domain.item_text(row, n) for row, n in zip(x, lengths)] == ["The cat sat on the mat.", "zebras dance"]
    sentences = domain.render(model, model.encode(x, None, lengths).mean)
    assert len(sentences) == 2 and all(isinstance(s, str) for s in sentences)
    with pytest.raises(DataError, match="has no words"):
        domain.encode_sentences(["  "])


def test_unk_is_generated_only_when_allowed(trained):
    model, _ = trained
    z = torch.randn(20, 4, generator=torch.Generator().manual_seed(5))
    for strategy in ("greedy", "beam", "sample"):
        ids = decode_ids(model, z, DecodeConfig(strategy, seed=0))
        assert all(1 not in row and 2 not in row for row in ids)
    with torch.no_grad():
        model.output.bias[1] += 100.0  # make <unk> overwhelmingly likely
    try:
        unk_only = DecodeConfig(allow_unk=True, no_repeat_ngram=0)  # <unk> <unk> <unk> would be a repeated 3-gram
        assert all(row and set(row) == {1} for row in decode_ids(model, z[:3], unk_only))
        assert all(1 not in row for row in decode_ids(model, z[:3], DecodeConfig()))
    finally:
        with torch.no_grad():
            model.output.bias[1] -= 100.0
