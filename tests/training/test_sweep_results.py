"""A sweep's figures against its setting: a point per seed, the median per value, and the table Compare shows,
read from the trials' run folders (and an evaluate --json output saved beside one)."""
import json

import numpy as np
import pytest

from explorer.errors import TrainingError
from explorer.training.events import EndEvent, event_to_json
from explorer.training.run_folder import RunFolder
from explorer.training.sweep import Sweep
from explorer.training.sweep_results import metric_label, read_sweep

SETTINGS = {"dataset": "digits", "latent_dim": 2, "hidden": [16], "epochs": 1}


def finished_trial(trial, metrics: dict) -> None:
    folder = RunFolder.create(trial.folder, trial.options, [])
    folder.append(event_to_json(EndEvent("finished", metrics=metrics)))
    folder.update(status="finished")
    folder.close()


def write_sweep(root):
    """A sweep of beta over 1, 4, 16 with seeds 0 and 1 whose trial beta=16-seed1 has not started."""
    sweep = Sweep.create(root, "beta=1,4,16", 2, SETTINGS)
    elbo = {(1.0, 0): 40.0, (1.0, 1): 42.0, (4.0, 0): 45.0, (4.0, 1): 49.0, (16.0, 0): 60.0}  # one trial missing
    for trial in sweep.trials():
        if (trial.value, trial.seed) in elbo:
            finished_trial(trial, {"elbo": elbo[trial.value, trial.seed], "kl": trial.value / 10,
                                   "discrete_accuracy": {"accuracy": 0.5, "per_class": [1, 2]}})
    (root / "beta=4-seed1" / "evaluation.json").write_text(json.dumps({"mig": 0.3, "dci": {"completeness": 0.7},
                                                                           "elbo": 48.0}))
    statuses = {t.name: {"status": "finished"} for t in sweep.trials() if (t.value, t.seed) in elbo}
    sweep.write_manifest(statuses)
    return sweep


@pytest.fixture
def sweep(tmp_path):
    write_sweep(tmp_path)
    return tmp_path


def test_each_figure_is_read_per_trial_and_named_from_the_catalog(sweep):
    results = read_sweep(sweep)
    assert results.option == "beta" and len(results.runs) == 5
    keys = results.metric_keys()
    assert keys[:3] == ["elbo", "kl", "discrete_accuracy.accuracy"] and set(keys[3:]) == {"dci.completeness", "mig"}
    assert metric_label("elbo") == "test −ELBO (nats)" and metric_label("mig") == "MIG"
    assert metric_label("dci.completeness") == "dci.completeness"  # a figure the catalog lacks keeps its key
    assert metric_label("discrete_accuracy.accuracy") == "code accuracy (unsupervised)"


def test_points_per_seed_and_the_median_line_against_the_setting(sweep):
    results = read_sweep(sweep)
    settings, seeds, values = results.points("elbo")
    assert list(settings) == [1, 1, 4, 4, 16] and list(seeds) == [0, 1, 0, 1, 0]
    assert list(values) == [40, 42, 45, 48, 60]  # evaluation.json's figure wins over the checkpoint's
    x, median = results.medians("elbo")
    assert list(x) == [1, 4, 16] and np.allclose(median, [41, 46.5, 60])
    assert list(results.points("mig")[0]) == [4]


def test_the_table_has_a_row_per_value_a_column_per_seed_and_the_median(sweep):
    header, rows = read_sweep(sweep).table("elbo")
    assert header == ["beta", "seed 0", "seed 1", "median"]
    assert rows == [[1.0, 40.0, 42.0, 41.0], [4.0, 45.0, 48.0, 46.5], [16.0, 60.0, None, 60.0]]
    assert read_sweep(sweep).table("mig")[1][0] == [1.0, None, None, None]


def test_a_folder_that_is_no_sweep_is_named(tmp_path):
    with pytest.raises(TrainingError, match="cannot be read as a sweep manifest"):
        read_sweep(tmp_path)
