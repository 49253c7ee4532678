"""The interpolation scorecard: its figures on hand-built paths, on a tiny trained model's paths, and as the command
line reports it."""
import json
from pathlib import Path

import pytest

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.interpolation_scores import (
    copies,
    held_out_pairs,
    interpolation_scorecard,
    repeats_a_3gram,
    score_paths,
)
from explorer.analysis.language_model_files import load_language_model
from explorer.cli import main
from explorer.domains.path_choice import word_edit_distance
from explorer.errors import ConfigError
from explorer.io.checkpoint import load_checkpoint
from explorer.metric_catalog import SCORECARD_METRICS

CORPUS = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"
TINY = ["--dataset", CORPUS, "--min-count", "1", "--max-len", "12", "--embed-dim", "16", "--hidden-dim", "32",
        "--epochs", "2", "--batch-size", "16"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scorecard")
    paths = {"vae": folder / "vae.safetensors", "lm": folder / "lm.safetensors"}
    assert main(["train", "--model", "sentence-vae", "--latent-dim", "4", *TINY, "--out", str(paths["vae"])]) == 0
    assert main(["train", "--model", "lm", *TINY, "--out", str(paths["lm"])]) == 0
    return paths


def test_word_edit_distance_counts_words_changed():
    assert word_edit_distance("the cat sat .", "the cat sat .") == 0
    assert word_edit_distance("the cat sat .", "the dog sat .") == 1  # one substitution
    assert word_edit_distance("the cat sat .", "the cat sat down .") == 1  # one insertion
    assert word_edit_distance("a b c", "") == 3 and word_edit_distance("", "x y") == 2
    assert word_edit_distance("kitten sitting", "sitting kitten") == 2


def test_repeated_3grams_and_copies_of_the_ends():
    assert repeats_a_3gram("i want to see i want to go")
    assert not repeats_a_3gram("i want to see you , i want it")
    assert not repeats_a_3gram("a a")
    paths = [["a cat .", "a cat .", "a dog .", "the dog ."], ["x y", "w", "x y", "x y"]]
    assert copies(paths) == pytest.approx(2 / 4)  # A's "a cat ." and B's "x y" come back inside


def test_score_paths_on_known_outputs():
    paths = [["the cat sat .", "the cat sat down .", "the dog sat down .", "the dog ran ."],
             ["a b c a b c", "a b c", "a b d", "e f g"]]
    ends = [("the cat sat .", "the dog ran ."), ("a b c a b c", "x y z")]
    card = score_paths(paths, ends)
    # Jumps: 1, 1, 2 on the first path; 3, 1, 3 on the second.
    assert card.smoothness == pytest.approx(11 / 6) and card.largest_jump == pytest.approx((2 + 3) / 2)
    assert card.end_exact == pytest.approx(3 / 4) and 0 < card.end_bleu < 100
    assert card.copies == 0.0 and card.well_formed == pytest.approx(7 / 8)  # "a b c a b c" repeats "a b c"
    assert card.fluency is None and card.pairs == 2 and card.steps == 4
    assert set(card.as_metrics()) == {metric.key for metric in SCORECARD_METRICS}
    with pytest.raises(ConfigError, match="at least 2 steps"):
        score_paths([["one step"]], [("a", "b")])


def test_held_out_pairs_use_each_sentence_once():
    pairs = held_out_pairs(9, 200, seed=1)
    flat = [i for pair in pairs for i in pair]
    assert len(pairs) == 4 and len(set(flat)) == 8 and all(0 <= i < 9 for i in flat)
    assert held_out_pairs(9, 2, seed=1) == pairs[:2]
    with pytest.raises(ConfigError, match="at least 2 held-out"):
        held_out_pairs(1, 5)
    with pytest.raises(ConfigError, match="pairs must be between 1"):
        held_out_pairs(10, 0)


def test_a_tiny_models_scorecard_with_its_language_model(checkpoints):
    explorer = ModelExplorer(load_checkpoint(checkpoints["vae"]))
    sentences = explorer.items(range(len(explorer.means)))
    lm = load_language_model(checkpoints["lm"])
    seen = []
    card = interpolation_scorecard(explorer, sentences, pairs=3, lm=lm, steps=5,
                                   on_progress=lambda done, total: seen.append((done, total)))
    assert card.pairs == 3 and card.steps == 5 and seen[-1] == (3, 3)
    assert card.fluency > 0 and card.heldout_fluency > 0
    assert 0 <= card.copies <= 1 and 0 <= card.well_formed <= 1 and 0 <= card.end_exact <= 1
    assert card.largest_jump >= card.smoothness >= 0
    with pytest.raises(ConfigError, match="a language model \\(kind lm\\) was expected"):
        load_language_model(checkpoints["vae"])


def test_evaluate_and_export_report_the_scorecard(checkpoints, tmp_path, capsys):
    assert main(["evaluate", str(checkpoints["vae"]), "--json", "--scorecard", "3", "--lm",
                 str(checkpoints["lm"])]) == 0
    metrics = json.loads(capsys.readouterr().out)
    for metric in SCORECARD_METRICS:
        assert metric.key in metrics
    assert metrics["interp_pairs"] == 3 and metrics["interp_fluency"] > 0
    out = tmp_path / "card.json"
    assert main(["export", str(checkpoints["vae"]), "--what", "scorecard", "--pairs", "2", "--steps", "4",
                 "--decode", "beam", "--out", str(out)]) == 0
    card = json.loads(out.read_text())
    assert card["interp_pairs"] == 2 and card["interp_steps"] == 4 and card["interp_fluency"] is None
    assert main(["evaluate", str(checkpoints["vae"]), "--lm", str(checkpoints["lm"])]) == 2
    assert "give --scorecard too" in capsys.readouterr().err
