"""Data with ground-truth factors through the command line: a run's final checkpoint and ``evaluate --json`` carry
the disentanglement metrics with their budget; ``info`` shows mutual information beside its ceiling."""
import json
import math

import pytest

from explorer.analysis import disentanglement
from explorer.cli import main
from explorer.data import factors
from explorer.io.checkpoint import load_checkpoint
from tests.analysis.test_disentanglement import SMALL
from tests.factor_toy import toy_factor_dataset

FIGURES = ("mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score",
           "beta_vae_score")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A VAE trained on ``dsprites-32`` served by the toy dataset, with the app's budget made small (both kept
    while this module's tests run)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factors, "load_dsprites", toy_factor_dataset)
        patch.setitem(disentanglement.BUDGETS, "app", SMALL)
        out = tmp_path_factory.mktemp("factors") / "toy.safetensors"
        assert main(["train", "--model", "vae", "--dataset", "dsprites-32", "--latent-dim", "4", "--hidden", "32",
                     "--epochs", "1", "--batch-size", "32", "--out", str(out)]) == 0
        yield out


def test_the_final_checkpoint_and_evaluate_report_the_metrics_with_their_budget(trained, capsys):
    metrics = load_checkpoint(trained).meta["metrics"]
    for key in FIGURES:
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["disentanglement"]["budget"]["name"] == "app"
    capsys.readouterr()
    assert main(["evaluate", str(trained), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in FIGURES:
        assert 0.0 <= report[key] <= 1.0, key
    assert report["disentanglement"]["budget"] == SMALL.describe("app")
    assert len(report["disentanglement"]["dci"]["importance"]) == 4
    assert report["mutual_info_items"] == len(toy_factor_dataset().test)


def test_info_shows_mutual_information_against_log_n(trained, capsys):
    metrics = load_checkpoint(trained).meta["metrics"]
    capsys.readouterr()
    assert main(["info", str(trained)]) == 0
    out = capsys.readouterr().out
    n = metrics["mutual_info_items"]
    assert f"{metrics['mutual_info'] / math.log(n):.0%} of log {n})" in out and "mig:" in out


def test_exported_latents_carry_factor_columns(trained, tmp_path):
    import csv

    import numpy as np

    from explorer.io.preview import read_preview

    preview = read_preview(trained)[1]
    table = toy_factor_dataset().factors
    out_csv, out_npz = tmp_path / "latents.csv", tmp_path / "latents.npz"
    assert main(["export", str(trained), "--what", "latents", "--out", str(out_csv)]) == 0
    rows = list(csv.reader(out_csv.open()))
    assert rows[0][:6] == ["index", "label", "class_name", "factor_brightness", "factor_pos_x", "factor_pos_y"]
    b, x, y = preview.factors[0]
    assert rows[1][3:6] == [table.categories[0][b], f"{table.values[1][x]:.6g}", f"{table.values[2][y]:.6g}"]
    assert main(["export", str(trained), "--what", "latents", "--out", str(out_npz)]) == 0
    with np.load(out_npz) as saved:
        assert np.array_equal(saved["factors"], preview.factors)
        assert list(saved["factor_names"]) == list(table.names)
        assert saved["factor_values"][0, 1] == table.values[1][x]
