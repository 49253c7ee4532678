"""Runs side by side: curves, the metrics table and each run's settings, read from checkpoints' metadata."""
import csv

import numpy as np
import pytest

from explorer.errors import CheckpointError, ConfigError
from explorer.io.checkpoint import save_checkpoint
from explorer.io.export import save_table_csv
from explorer.metric_catalog import CURVES
from explorer.training import compare
from tests.conftest import tiny_model


def history(epochs, beta=1.0, capacity=None):
    return [{"epoch": e, "step": 10 * e, "train_loss": 100.0 / e, "train_recon": 90.0 / e, "train_kl": 10.0,
             "test_elbo": 110.0 / e,
             "active_units": 3, "beta": beta, "capacity": None if capacity is None else capacity * e / epochs}
            for e in range(1, epochs + 1)]


def saved(path, latent_dim=4, epochs=3, **kwargs):
    meta = {"label": "VAE", "dataset": {"id": "digits", "domain": "image", "shape": [1, 8, 8], "train_size": 1438,
                                        "test_size": 359},
            "train_config": {"epochs": epochs, "lr": 0.001, "objective": {"beta": 1.0, "capacity": None}},
            "history": history(epochs, **kwargs),
            "metrics": {"elbo": 36.5, "active_units": 3, "conditional_accuracy": {"accuracy": 0.9, "per_class": [1]}}}
    return save_checkpoint(path, tiny_model(latent_dim=latent_dim), meta)


def test_a_checkpoint_is_read_without_building_its_model(tmp_path):
    run = compare.read_compared(saved(tmp_path / "a.safetensors", latent_dim=5))
    assert (run.name, run.label, run.latent_dim, run.dataset) == ("a", "VAE", 5, "digits")
    assert len(run.history) == 3 and run.checkpoint == tmp_path / "a.safetensors"


def test_curves_take_capacity_when_the_run_had_one_else_beta(tmp_path):
    plain = compare.read_compared(saved(tmp_path / "plain.safetensors"))
    capacity = compare.read_compared(saved(tmp_path / "capacity.safetensors", capacity=25.0))
    weight = next(c for c in CURVES if c.name == "weight")
    key, epochs, values = compare.curve_values(plain, weight)
    assert key == "beta" and list(epochs) == [1, 2, 3] and list(values) == [1.0, 1.0, 1.0]
    key, _, values = compare.curve_values(capacity, weight)
    assert key == "capacity" and values[-1] == pytest.approx(25.0)


def test_a_missing_value_breaks_the_line_instead_of_reading_zero(tmp_path):
    run = compare.read_compared(saved(tmp_path / "a.safetensors"))
    run.meta["history"][1]["test_elbo"] = None
    _, _, values = compare.curve_values(run, next(c for c in CURVES if c.name == "elbo"))
    assert np.isnan(values[1]) and np.isfinite(values[[0, 2]]).all()


def test_a_run_without_history_has_no_curves(tmp_path):
    run = compare.ComparedRun("new", tmp_path, None, {"history": []})
    assert all(compare.curve_values(run, curve)[0] is None for curve in CURVES)


def test_table_rows_and_csv(tmp_path):
    runs = [compare.read_compared(saved(tmp_path / f"z{z}.safetensors", latent_dim=z)) for z in (2, 5)]
    header, rows = compare.table_header(), [compare.table_row(run) for run in runs]
    assert len(header) == len(rows[0])
    row = dict(zip(header, rows[1]))
    assert row["run"] == "z5" and row["latent size"] == 5 and row["epochs"] == 3
    assert row["test −ELBO"] == 36.5 and row["class accuracy"] == 0.9 and row["perplexity"] is None
    save_table_csv(tmp_path / "t.csv", header, rows)
    table = list(csv.DictReader(open(tmp_path / "t.csv", encoding="utf-8")))
    assert table[0]["latent size"] == "2" and table[1]["test −ELBO"] == "36.5" and table[1]["perplexity"] == ""


def test_settings_name_every_training_choice(tmp_path):
    lines = compare.settings_lines(compare.read_compared(saved(tmp_path / "a.safetensors")))
    assert "lr: 0.001" in lines and "objective.beta: 1.0" in lines and "latent_dim: 4" in lines
    assert not any(line.startswith("objective.capacity") for line in lines)  # unset settings are left out
    assert lines[0] == f"file: {tmp_path / 'a.safetensors'}"


def test_runs_sharing_a_name_get_their_folder_too(tmp_path):
    for folder in ("z2", "z5"):
        (tmp_path / folder).mkdir()
    runs = [compare.read_compared(saved(tmp_path / f / "checkpoint.safetensors")) for f in ("z2", "z5")]
    compare.distinct_names(runs)
    assert [run.name for run in runs] == ["z2/checkpoint", "z5/checkpoint"]


def test_not_a_checkpoint_is_named(tmp_path):
    bad = tmp_path / "notes.safetensors"
    bad.write_text("hello")
    with pytest.raises(CheckpointError, match="notes.safetensors"):
        compare.read_compared(bad)


def test_too_many_runs_are_refused():
    with pytest.raises(ConfigError, match="at most 16 runs"):
        compare.check_count(list(range(17)))


def test_a_run_name_that_looks_like_a_formula_stays_text(tmp_path):
    save_table_csv(tmp_path / "t.csv", ["run", "epochs"], [["=HYPERLINK(1)", 3]])
    rows = list(csv.reader(open(tmp_path / "t.csv", encoding="utf-8")))
    assert rows[1][0].startswith("'=") and rows[1][1] == "3"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """A real run folder: train --run-dir, two epochs of a tiny VAE on digits."""
    from explorer.cli import main

    folder = tmp_path_factory.mktemp("runs") / "tiny-run"
    assert main(["train", "--dataset", "digits", "--latent-dim", "3", "--hidden", "32", "--epochs", "2",
                 "--batch-size", "64", "--device", "cpu", "--run-dir", str(folder)]) == 0
    return folder


def test_a_run_folder_reads_its_epochs_metrics_and_options(run_folder):
    run = compare.read_compared(run_folder)
    assert (run.name, run.status, run.live) == ("tiny-run", "finished", False)
    assert run.checkpoint == run_folder / "checkpoint.safetensors" and run.latent_dim == 3
    assert [row["epoch"] for row in run.history] == [1, 2] and run.metrics["elbo"] > 0
    lines = compare.settings_lines(run)
    assert "status: finished" in lines and "latent_dim: 3" in lines and "epochs: 2" in lines


def test_its_checkpoint_is_named_after_the_folder(run_folder):
    assert compare.read_compared(run_folder / "checkpoint.safetensors").name == "tiny-run"


def test_a_run_still_training_shows_what_its_events_say_so_far(run_folder, tmp_path):
    import json
    import shutil

    live = tmp_path / "live-run"
    shutil.copytree(run_folder, live)
    (live / "checkpoint.safetensors").unlink()
    info = json.loads((live / "run.json").read_text())
    info["status"] = "running"
    (live / "run.json").write_text(json.dumps(info))
    lines = (live / "events.jsonl").read_text().splitlines()
    first_epoch = next(i for i, line in enumerate(lines) if '"type":"epoch"' in line)
    (live / "events.jsonl").write_text("\n".join(lines[:first_epoch + 1]) + "\n")
    run = compare.read_compared(live)
    assert run.live and run.checkpoint is None
    assert [row["epoch"] for row in run.history] == [1] and run.latent_dim == 3 and run.label
    key, epochs, _ = compare.curve_values(run, CURVES[0])
    assert key == "train_loss" and list(epochs) == [1.0]


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    from explorer.errors import ExplorerError

    with pytest.raises(ExplorerError, match="is not a run folder"):
        compare.read_compared(tmp_path)


def test_an_autoencoder_has_no_elbo_kl_or_beta_to_compare(tmp_path):
    meta = {"label": "AE", "dataset": {"id": "digits", "domain": "image", "shape": [1, 8, 8]},
            "train_config": {"epochs": 3}, "history": history(3), "metrics": {"elbo": 20.0, "recon": 20.0, "kl": 0.0,
                                                                               "active_units": 3}}
    path = save_checkpoint(tmp_path / "ae.safetensors", tiny_model("ae"), meta)
    run = compare.read_compared(path)
    assert not run.has_kl
    drawn = {curve.name for curve in CURVES if compare.curve_values(run, curve)[0] is not None}
    assert drawn == {"loss", "recon", "au"}
    row = dict(zip(compare.table_header(), compare.table_row(run)))
    assert row["test −ELBO"] is None and row["KL"] is None and row["reconstruction"] == 20.0
