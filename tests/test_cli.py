"""The command line: exit codes, one-line errors, JSON keys, resume."""
import json

import pytest

from explorer.cli import main
from explorer.io.checkpoint import load_checkpoint

TINY = ["--dataset", "digits", "--latent-dim", "4", "--hidden", "32", "--epochs", "2", "--batch-size", "64"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "vae.safetensors"
    assert main(["train", "--model", "vae", *TINY, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def trained_cvae(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "cvae.safetensors"
    assert main(["train", "--model", "cvae", *TINY, "--out", str(out)]) == 0
    return out


def test_train_prints_one_line_per_epoch(trained, capsys):
    checkpoint = load_checkpoint(trained)
    assert [row["epoch"] for row in checkpoint.history] == [1, 2]
    assert checkpoint.label == "VAE"


def test_evaluate_json_has_the_documented_keys(trained, capsys):
    assert main(["evaluate", str(trained), "--json", "--nll-samples", "5"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    for key in ("elbo", "recon", "kl", "active_units", "mutual_info", "nll_iw"):
        assert key in metrics
    assert metrics["nll_iw"] <= metrics["elbo"] + 1e-3


def test_cvae_reports_conditional_accuracy(trained_cvae, capsys):
    assert main(["evaluate", str(trained_cvae), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert 0.0 <= metrics["conditional_accuracy"]["accuracy"] <= 1.0


def test_info_describes_the_checkpoint(trained, capsys):
    assert main(["info", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "VAE" in out and "digits" in out and "2 epochs" in out


@pytest.mark.parametrize("what,suffix", [("samples", "png"), ("reconstructions", "png"), ("traversal", "png"),
                                         ("interpolation", "png"), ("latents", "csv"), ("latents", "npz"),
                                         ("curves", "png"), ("history", "csv")])
def test_export_writes_each_kind(trained, tmp_path, what, suffix):
    out = tmp_path / f"{what}.{suffix}"
    assert main(["export", str(trained), "--what", what, "--out", str(out)]) == 0
    assert out.stat().st_size > 0


def test_user_errors_exit_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint at all")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and str(bad) in err
    assert main(["evaluate", str(tmp_path / "missing.safetensors")]) == 2
    assert main(["train", "--dataset", "nope", "--out", str(tmp_path / "x.safetensors")]) == 2
    assert main(["train", "--model", "beta-vae", *TINY, "--out", str(tmp_path / "b.safetensors")]) == 2
    assert main(["train", "--preset", "nope", *TINY, "--out", str(tmp_path / "b.safetensors")]) == 2
    assert main(["train", *TINY]) == 2  # neither --out nor --run-dir
    assert main(["export", str(tmp_path / "missing.safetensors"), "--what", "samples", "--out", "x.png"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_resume_continues_the_history(trained, tmp_path):
    out = tmp_path / "resumed.safetensors"
    assert main(["train", "--resume", str(trained), "--epochs", "1", "--out", str(out)]) == 0
    history = load_checkpoint(out).history
    assert [row["epoch"] for row in history] == [1, 2, 3]


def test_resume_trains_with_the_earlier_runs_settings(tmp_path):
    """Settings not given again (free bits, the learning rate, the KL schedule) are the earlier run's, not the
    defaults; the ones given win."""
    first, resumed = tmp_path / "first.safetensors", tmp_path / "resumed.safetensors"
    settings = ["--free-bits", "0.7", "--lr", "0.003", "--kl-schedule", "linear", "--warmup-steps", "40"]
    assert main(["train", "--model", "vae", *TINY, *settings, "--out", str(first)]) == 0
    assert main(["train", "--resume", str(first), "--epochs", "1", "--beta", "2", "--out", str(resumed)]) == 0
    checkpoint = load_checkpoint(resumed)
    objective = checkpoint.meta["train_config"]["objective"]
    assert objective["free_bits"] == 0.7 and objective["schedule"] == {"kind": "linear", "warmup_steps": 40}
    assert checkpoint.meta["train_config"]["lr"] == 0.003 and objective["beta"] == 2.0
    assert checkpoint.history[-1]["lr"] == 0.003
