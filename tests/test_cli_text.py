"""The command line on sentences: train, evaluate (with perplexities), export interpolations and samples."""
import json
from pathlib import Path

import pytest

from explorer.cli import main

CORPUS = f"text:{Path(__file__).resolve().parent / 'fixtures' / 'tiny_corpus.txt'}"
TINY = ["--dataset", CORPUS, "--min-count", "1", "--max-len", "12", "--latent-dim", "4", "--embed-dim", "16",
        "--hidden-dim", "32", "--epochs", "2", "--batch-size", "16"]


@pytest.fixture(scope="module")
def sentence_vae(tmp_path_factory):
    out = tmp_path_factory.mktemp("text") / "svae.safetensors"
    assert main(["train", "--model", "sentence-vae", *TINY, "--word-dropout", "0.2", "--kl-schedule", "cyclical",
                 "--out", str(out)]) == 0
    return out


def test_evaluate_reports_perplexities(sentence_vae, capsys):
    assert main(["evaluate", str(sentence_vae), "--json", "--nll-samples", "32"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    for key in ("elbo", "recon", "kl", "active_units", "mutual_info", "nll_iw", "ppl", "ppl_iw"):
        assert key in metrics
    assert 0 <= metrics["recon_bleu"] <= 100 and 0 <= metrics["recon_token_accuracy"] <= 1
    assert 0 <= metrics["recon_exact"] <= 1
    # Both are Monte Carlo estimates; the importance-weighted bound is the tighter one up to that noise (the ELBO's
    # one sample per sentence, over the 6 test sentences, moves the perplexity by a few percent from run to run).
    assert 1 < metrics["ppl_iw"] <= metrics["ppl"] * 1.05


def test_interpolation_between_typed_sentences(sentence_vae, tmp_path):
    out = tmp_path / "path.txt"
    assert main(["export", str(sentence_vae), "--what", "interpolation", "--from", "the cat sat on the mat .",
                 "--to", "she wrote a letter to her friend .", "--steps", "5", "--decode", "beam",
                 "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 5


@pytest.mark.parametrize("args", [["--decode", "sample", "--top-p", "0.9", "--seed", "3"], ["--decode", "greedy"]])
def test_samples_are_written_one_per_line(sentence_vae, tmp_path, args):
    out = tmp_path / "samples.txt"
    assert main(["export", str(sentence_vae), "--what", "samples", "--n", "7", *args, "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 7


def test_language_model_baseline_trains_and_evaluates(tmp_path, capsys):
    out = tmp_path / "lm.safetensors"
    assert main(["train", "--model", "lm", *TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["kl"] == 0 and metrics["ppl"] > 1


@pytest.mark.parametrize("args", [["--model", "sentence-ae", "--pool", "max"],
                                  ["--model", "sentence-vae", "--decoder", "transformer", "--inject", "memory"]])
def test_autoencoder_and_transformer_train_and_report_reconstruction(tmp_path, capsys, args):
    out = tmp_path / "model.safetensors"
    assert main(["train", *args, *TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert "recon_bleu" in metrics and metrics["kl"] >= 0
    assert main(["info", str(out)]) == 0
    assert "recon_bleu" in capsys.readouterr().out


def test_text_errors_exit_2(sentence_vae, tmp_path, capsys):
    assert main(["train", "--model", "sentence-vae", "--dataset", "digits",
                 "--out", str(tmp_path / "x.safetensors")]) == 2
    assert "needs a text corpus" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["train", "--model", "sentence-vae", "--dataset", f"text:{empty}",
                 "--out", str(tmp_path / "y.safetensors")]) == 2
    assert f"{empty} is empty" in capsys.readouterr().err
    assert main(["export", str(sentence_vae), "--what", "interpolation", "--from", "   ", "--to", "a cat",
                 "--out", str(tmp_path / "z.txt")]) == 2


def test_homotopy_beside_an_autoencoder(sentence_vae, tmp_path):
    autoencoder = tmp_path / "ae.safetensors"
    assert main(["train", "--model", "sentence-ae", *TINY, "--out", str(autoencoder)]) == 0
    out = tmp_path / "both.csv"
    assert main(["export", str(sentence_vae), "--what", "interpolation", "--from", "the cat sat on the mat .",
                 "--to", "3", "--steps", "4", "--beside", str(autoencoder), "--out", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "index,sentence,Sentence AE" and len(rows) == 5
    text = tmp_path / "both.txt"
    assert main(["export", str(sentence_vae), "--what", "interpolation", "--from", "0", "--to", "1", "--steps", "3",
                 "--beside", str(autoencoder), "--out", str(text)]) == 0
    assert all(len(line.split("\t")) == 2 for line in text.read_text().splitlines())


def test_beside_needs_an_interpolation_of_two_sentence_models(sentence_vae, tmp_path, capsys):
    assert main(["export", str(sentence_vae), "--what", "samples", "--beside", str(sentence_vae),
                 "--out", str(tmp_path / "x.txt")]) == 2
    assert "--beside compares the homotopies" in capsys.readouterr().err
