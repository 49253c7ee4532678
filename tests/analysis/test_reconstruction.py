from pathlib import Path

import pytest
import sacrebleu
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.reconstruction import (corpus_bleu, reconstruction_scores, score, token_accuracy,
                                              typed_reconstruction)
from explorer.data.registry import load_dataset
from explorer.io.checkpoint import Checkpoint
from explorer.models.base import build_model
from explorer.models.text import text_model_config
from explorer.analysis.preview import encode_preview
from explorer.training.trainer import TrainConfig, Trainer

TINY = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


def test_bleu_is_sacrebleus_corpus_bleu_on_the_tokens():
    refs = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "home", "fast"]]
    hyps = [["the", "cat", "sat", "on", "a", "mat"], ["a", "dog", "ran", "home", "fast"]]
    expected = sacrebleu.corpus_bleu(["the cat sat on a mat", "a dog ran home fast"],
                                      [["the cat sat on the mat", "a dog ran home fast"]], tokenize="none").score
    assert corpus_bleu(hyps, refs) == pytest.approx(expected)
    assert corpus_bleu(refs, refs) == pytest.approx(100.0)
    # Ids work as tokens: the score only depends on which tokens are equal.
    assert corpus_bleu([[5, 6, 7, 8, 9]], [[5, 6, 7, 8, 9]]) == pytest.approx(100.0)


def test_token_accuracy_counts_the_end_of_each_sentence():
    assert token_accuracy([[1, 2]], [[1, 2, 3]]) == pytest.approx(2 / 4)  # stopped early: misses 3 and the end
    assert token_accuracy([[1, 2, 3, 4]], [[1, 2, 3]]) == pytest.approx(3 / 4)  # ran on: misses the end
    assert token_accuracy([[9, 1, 2]], [[1, 2]]) == pytest.approx(0.0)  # shifted by one: nothing lines up
    assert token_accuracy([[1, 2], [3]], [[1, 2], [4]]) == pytest.approx(4 / 5)  # the second ends in time


def test_exact_fraction():
    assert score([[1, 2], [3]], [[1, 2], [4]]).exact == pytest.approx(0.5)


@pytest.fixture(scope="module")
def corpus():
    return load_dataset(TINY, max_len=12, min_count=1)


@pytest.fixture(scope="module")
def autoencoder(corpus):
    """A sentence AE trained until it reconstructs its training sentences, and its score before training."""
    torch.manual_seed(0)
    config = text_model_config("sentence-ae", len(corpus.extra["vocab"]), latent_dim=16, max_len=12, embed_dim=32,
                               hidden_dim=64)
    model = build_model(config)
    before = reconstruction_scores(model, corpus.train)
    Trainer(model, corpus, TrainConfig(epochs=60, batch_size=16, lr=3e-3, device="cpu")).run()
    return model.eval(), before


def test_an_autoencoder_reconstructs_what_it_was_trained_on(corpus, autoencoder):
    model, before = autoencoder
    after = reconstruction_scores(model, corpus.train)
    assert after.sentences == len(corpus.train)
    assert after.bleu > 50 > before.bleu and after.token_accuracy > 0.6 > before.token_accuracy


def test_a_typed_sentence_comes_back_with_its_score(corpus, autoencoder):
    model, _ = autoencoder
    explorer = ModelExplorer(Checkpoint(model=model, meta={"dataset": corpus.describe()},
                                        preview=encode_preview(model, corpus.test)))
    vocab = corpus.extra["vocab"]
    known = " ".join(vocab[i] for i in corpus.train.x[0][: int(corpus.train.lengths[0])].tolist())
    result = typed_reconstruction(explorer, known)
    assert result.exact and result.bleu == pytest.approx(100.0) and result.token_accuracy == 1.0
    assert result.text == explorer.decode(explorer.encode_items([known]))[0]
    unknown = typed_reconstruction(explorer, "zebras juggle quietly")  # three <unk>s: nothing to copy
    assert not unknown.exact and unknown.bleu < 100


def test_sentence_bleu_of_a_short_exact_copy_is_100():
    from explorer.analysis.reconstruction import sentence_bleu

    assert sentence_bleu([4, 5, 6], [4, 5, 6]) == pytest.approx(100.0)
    assert sentence_bleu([7], [4, 5, 6]) == pytest.approx(0.0)
