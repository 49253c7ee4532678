"""Homotopies between typed sentences, one model's and several side by side."""
from pathlib import Path

import pytest

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.homotopy import homotopies, homotopy
from explorer.errors import ConfigError
from explorer.training.run import RunSpec, TrainingRun

CORPUS = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"
SMALL = {"embed_dim": 16, "hidden_dim": 32}


def run(kind, tokenizer="bpe", epochs=3):
    spec = RunSpec.create(model=kind, dataset=CORPUS, tokenizer=tokenizer, min_count=1, epochs=epochs,
                          batch_size=16, device="cpu", latent_dim=4, **SMALL)
    return ModelExplorer(TrainingRun(spec).execute())


@pytest.fixture(scope="module")
def models():
    return {"VAE": run("sentence-vae"), "AE": run("sentence-ae")}


def test_a_homotopy_starts_and_ends_at_the_reconstructions(models):
    vae = models["VAE"]
    a, b = "the cat sat on the mat .", "she wrote a letter to her friend ."
    path = homotopy(vae, a, b, steps=5)
    codes = vae.encode_items([a, b])
    assert len(path) == 5 and path[0] == vae.decode(codes[0])[0] and path[-1] == vae.decode(codes[1])[0]


def test_two_models_side_by_side_and_their_vocabularies(models):
    paths = homotopies({"VAE": models["VAE"], "AE": models["AE"]}, "a dog ran .", "the cat sat .", steps=4)
    assert list(paths) == ["VAE", "AE"] and all(len(p) == 4 for p in paths.values())
    other = run("sentence-ae", tokenizer="word", epochs=1)
    with pytest.raises(ConfigError, match="different vocabularies"):
        homotopies({"VAE": models["VAE"], "other": other}, "a dog ran .", "the cat sat .")
