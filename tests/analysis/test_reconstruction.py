from pathlib import Path

import pytest
import sacrebleu
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.preview import encode_preview
from explorer.analysis.reconstruction import (
    corpus_bleu,
    reconstruction_scores,
    score,
    token_accuracy,
    typed_reconstruction,
)
from explorer.data.registry import load_dataset
from explorer.data.tokenizers import tokenizer_for
from explorer.io.checkpoint import Checkpoint
from explorer.models.registry import build_model, text_model_config
from explorer.training.trainer import TrainConfig, Trainer

TINY = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


def test_bleu_is_sacrebleus_corpus_bleu_on_the_raw_text():
    refs = ["The cat sat on the mat.", "A dog ran home fast!"]
    hyps = ["The cat sat on a mat.", "A dog ran home fast!"]
    assert corpus_bleu(hyps, refs) == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert corpus_bleu(refs, refs) == pytest.approx(100.0)
    assert corpus_bleu(["the cat sat on the mat."], ["The cat sat on the mat."]) < 100  # case counts


def test_token_accuracy_counts_the_end_of_each_sentence():
    assert token_accuracy(["a b"], ["a b c"]) == pytest.approx(2 / 4)  # stopped early: misses c and the end
    assert token_accuracy(["a b c d"], ["a b c"]) == pytest.approx(3 / 4)  # ran on: misses the end
    assert token_accuracy(["x a b"], ["a b"]) == pytest.approx(0.0)  # shifted by one: nothing lines up
    assert token_accuracy(["a b", "c"], ["a b", "d"]) == pytest.approx(4 / 5)  # the second ends in time
    assert token_accuracy(["a cat."], ["a cat ."]) == pytest.approx(1.0)  # words as sacrebleu's 13a splits them


def test_exact_fraction_and_no_credit_for_unk():
    assert score(["a b", "c"], ["a b", "d"]).exact == pytest.approx(0.5)
    unk = score(["the <unk> sat"], ["the zebra sat"])
    assert unk.exact == 0 and unk.token_accuracy == pytest.approx(1 / 4)  # only "the" lines up


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
    before = reconstruction_scores(model, corpus.train, tokenizer_for(corpus.describe()))
    Trainer(model, corpus, TrainConfig(epochs=60, batch_size=16, lr=3e-3, device="cpu")).run()
    return model.eval(), before


def test_an_autoencoder_reconstructs_what_it_was_trained_on(corpus, autoencoder):
    model, before = autoencoder
    after = reconstruction_scores(model, corpus.train, tokenizer_for(corpus.describe()))
    assert after["recon_sentences"] == len(corpus.train)
    assert after["recon_bleu"] > 40 > before["recon_bleu"]  # repeated 3-grams of the corpus are blocked
    assert after["recon_token_accuracy"] > 0.5 > before["recon_token_accuracy"]
    assert after["greedy_bleu"] == after["recon_bleu"]  # the window's default decoding is greedy


def test_a_typed_sentence_comes_back_with_its_score(corpus, autoencoder):
    model, _ = autoencoder
    explorer = ModelExplorer(Checkpoint(model=model, meta={"dataset": corpus.describe()},
                                        preview=encode_preview(model, corpus.test)))
    known = corpus.train.texts[0]
    result = typed_reconstruction(explorer, known)
    assert result.exact and result.bleu == pytest.approx(100.0) and result.token_accuracy == 1.0
    assert result.text == explorer.decode(explorer.encode_items([known]))[0] == known
    new = typed_reconstruction(explorer, "zebras juggle quietly")  # words it never saw
    assert not new.exact and new.bleu < 100


def test_sentence_bleu_of_a_short_exact_copy_is_100():
    from explorer.analysis.reconstruction import sentence_bleu

    assert sentence_bleu("a cat sat", "a cat sat") == pytest.approx(100.0)
    assert sentence_bleu("dog", "a cat sat") == pytest.approx(0.0)
