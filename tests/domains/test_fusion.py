"""Beam candidates re-ranked with a language model (shallow fusion), and the path-level choice that keeps the steps of
an interpolation close."""
from pathlib import Path

import pytest
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.cli import main
from explorer.data.registry import load_dataset
from explorer.data.tokenizers import dataset_tokenizer
from explorer.domains.decoding import DecodeConfig, beam_hypotheses, candidates, decode_ids, length_penalty
from explorer.domains.language_model import LanguageModelScorer
from explorer.domains.path_choice import closest_path, word_edit_distance
from explorer.domains.text import for_tokenizer
from explorer.errors import ConfigError
from explorer.io.checkpoint import load_checkpoint
from explorer.models.registry import build_model, text_model_config
from explorer.training.trainer import TrainConfig, Trainer

CORPUS = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"
TINY = ["--dataset", CORPUS, "--min-count", "1", "--max-len", "12", "--embed-dim", "16", "--hidden-dim", "32",
        "--epochs", "2", "--batch-size", "16"]


@pytest.fixture(scope="module")
def vae_and_lm():
    corpus = load_dataset(CORPUS, max_len=12, min_count=1)
    vocab = len(corpus.extra["vocab"])
    models = []
    for kind, latent in (("sentence-vae", 4), ("lm", 0)):
        torch.manual_seed(0)
        model = build_model(text_model_config(kind, vocab, latent_dim=latent, max_len=12, embed_dim=16,
                                              hidden_dim=32))
        Trainer(model, corpus, TrainConfig(epochs=8, batch_size=16, lr=3e-3, device="cpu")).run()
        models.append(model.eval())
    info = corpus.describe()
    return models[0], LanguageModelScorer(models[1], dataset_tokenizer(corpus), info, "lm"), info


def test_closest_path_weighs_score_against_the_distance_to_the_step_before():
    options = [[("the cat sat .", -1.0), ("a dog ran .", -1.5)],
               [("a dog ran away .", -1.0), ("the cat sat down .", -1.2)],
               [("she wrote .", -0.5), ("the cat sat down .", -3.0)]]
    assert closest_path(options, 0.0) == [0, 0, 0]  # each step's best on its own
    assert closest_path(options, 1.0) == [0, 1, 1]  # one word from the step before beats a better score
    assert word_edit_distance("the cat sat .", "the cat sat down .") == 1


def test_language_model_re_ranks_the_beams_sentences(vae_and_lm):
    model, lm, _ = vae_and_lm
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(2))
    plain, fused = DecodeConfig("beam"), DecodeConfig("beam", lm_weight=1.0)
    for row in z:
        assert [h.ids for h in candidates(model, row[None], plain, lm)] == \
               [h.ids for h in beam_hypotheses(model, row[None], plain)]
        ranked = candidates(model, row[None], fused, lm)
        lm_lp = lm.log_probs([h.ids for h in ranked])
        expected = [(h.log_prob + float(p)) / length_penalty(len(h.ids) + 1, fused.length_penalty)
                    for h, p in zip(ranked, lm_lp)]
        assert [h.score for h in ranked] == pytest.approx(expected)
        assert ranked[0].score == max(h.score for h in ranked)
    assert decode_ids(model, z, fused, lm) == [candidates(model, row[None], fused, lm)[0].ids for row in z]
    with pytest.raises(ConfigError, match="language-model weight"):
        decode_ids(model, z, fused)


def test_a_language_model_of_another_tokenizer_is_refused(vae_and_lm):
    _, lm, info = vae_and_lm
    lm.check_reads_like(info, "the model")
    with pytest.raises(ConfigError, match="reads another tokenizer than the model"):
        lm.check_reads_like({**info, "vocab": info["vocab"][:-1]}, "the model")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fusion")
    paths = {name: folder / f"{name}.safetensors" for name in ("vae", "lm", "word_lm")}
    assert main(["train", "--model", "sentence-vae", "--latent-dim", "4", *TINY, "--out", str(paths["vae"])]) == 0
    assert main(["train", "--model", "lm", *TINY, "--out", str(paths["lm"])]) == 0
    assert main(["train", "--model", "lm", *TINY, "--tokenizer", "word", "--out", str(paths["word_lm"])]) == 0
    return paths


def test_export_re_ranks_with_lm_and_keeps_paths_close(checkpoints, tmp_path, capsys):
    out = tmp_path / "path.txt"
    common = [str(checkpoints["vae"]), "--what", "interpolation", "--from", "the cat sat on the mat .", "--to",
              "she wrote a letter to her friend .", "--steps", "6", "--decode", "beam", "--out", str(out)]
    assert main(["export", *common, "--lm", str(checkpoints["lm"]), "--lm-weight", "0.5",
                 "--path-weight", "2"]) == 0
    assert len(out.read_text().splitlines()) == 6
    assert main(["export", *common, "--lm", str(checkpoints["word_lm"]), "--lm-weight", "0.5"]) == 2
    assert "reads another tokenizer" in capsys.readouterr().err
    assert main(["export", *common, "--lm-weight", "0.5"]) == 2
    assert "give one (--lm FILE" in capsys.readouterr().err


def test_path_weight_picks_each_step_among_its_beam(checkpoints):
    explorer = ModelExplorer(load_checkpoint(checkpoints["vae"]))
    codes = explorer.encode_items(["the cat sat on the mat .", "she wrote a letter to her friend ."])
    path = explorer.interpolation_path(codes[0], codes[1], 6)
    explorer.decode_config = DecodeConfig("beam", path_weight=0.0)
    alone = explorer.decode_path(path)
    explorer.decode_config = DecodeConfig("beam", path_weight=5.0)
    chained = explorer.decode_path(path)
    assert chained[0] == alone[0] and len(chained) == 6
    domain = explorer.domain
    config = for_tokenizer(explorer.decode_config, domain.tokenizer)
    for z, sentence in zip(path, chained):
        beam = candidates(explorer.model, torch.as_tensor(z)[None], config)
        assert sentence in [domain.text_of(h.ids) for h in beam]
    jumps = [sum(word_edit_distance(a, b) for a, b in zip(p, p[1:])) for p in (alone, chained)]
    assert jumps[1] <= jumps[0]
