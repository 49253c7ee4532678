"""train --sweep: one run folder a value and seed with its manifest, trials in parallel child processes, a rerun
that skips finished trials and resumes unfinished ones, and settings checked against their declarations."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.errors import ConfigError, TrainingError
from explorer.io.checkpoint import read_metadata
from explorer.training.run_folder import RunFolder, read_run
from explorer.training.sweep import Sweep, parse_sweep, plan, read_manifest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--dataset", "digits", "--latent-dim", "2", "--hidden", "16", "--batch-size", "128", "--device", "cpu"]
TINY_SETTINGS = {"dataset": "digits", "latent_dim": 2, "hidden": [16], "batch_size": 128, "device": "cpu",
                 "epochs": 1}


def train(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", "train", *TINY, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="1", **(env or {})))


def test_a_sweep_trains_a_run_folder_per_value_and_seed_in_parallel_and_a_rerun_skips_them(tmp_path):
    root = tmp_path / "sweep"
    result = train("--epochs", "1", "--sweep", "beta=1,4", "--seeds", "2", "--jobs", "2", "--run-dir", str(root))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "lowest test loss per value: beta=1-seed" in result.stdout and "most balanced code" not in result.stdout
    names = ["beta=1-seed0", "beta=1-seed1", "beta=4-seed0", "beta=4-seed1"]
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == names
    manifest = read_manifest(root)
    assert manifest.option == "beta" and manifest.values == (1.0, 4.0) and manifest.seeds == (0, 1)
    assert [t["status"] for t in manifest.trials] == ["finished"] * 4
    for trial in manifest.trials:
        options = read_run(root / trial["name"]).info["options"]
        assert (options["beta"], options["seed"], options["latent_dim"]) == (trial["value"], trial["seed"], 2)
    starts = sorted(read_run(root / name).info["started"] for name in names)
    pids = {read_run(root / name).info["pid"] for name in names}
    assert len(pids) == 4  # each trial its own child process
    again = train("--epochs", "1", "--sweep", "beta=1,4", "--seeds", "2", "--jobs", "2", "--run-dir", str(root))
    assert again.returncode == 0 and "4 finished, 0 to resume, 0 to start over, 0 to start" in again.stdout
    assert sorted(read_run(root / name).info["started"] for name in names) == starts
    other = train("--epochs", "1", "--sweep", "beta=1,8", "--run-dir", str(root))
    assert other.returncode == 2 and "holds another sweep" in other.stderr


def test_an_unfinished_trial_is_resumed_from_its_checkpoint_when_the_sweep_runs_again(tmp_path):
    root = tmp_path / "sweep"
    args = ("--epochs", "2", "--sweep", "latent_dim=2,3", "--run-dir", str(root), "--jobs", "2")
    failed = train(*args, env={"LATENT_EXPLORER_FAULT": "nan@15"})  # 12 steps an epoch: NaN in epoch 2
    assert failed.returncode == 2 and "2 of 2 trials did not finish" in failed.stderr
    assert [t["status"] for t in read_manifest(root).trials] == ["failed", "failed"]
    resumed = train(*args)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout
    assert "2 to resume" in resumed.stdout
    for name in ("latent_dim=2-seed0", "latent_dim=3-seed0"):
        meta = read_metadata(root / name / "checkpoint.safetensors")
        assert [row["epoch"] for row in meta["history"]] == [1, 2]
        assert read_run(root / name).status == "finished"


def test_the_end_of_its_input_stops_a_sweep_whose_trials_save_and_the_same_command_resumes_them(tmp_path):
    root = tmp_path / "sweep"
    args = [sys.executable, "-m", "explorer", "train", *TINY, "--epochs", "100000", "--sweep", "beta=1,2",
            "--jobs", "2", "--run-dir", str(root)]
    parent = subprocess.Popen(args + ["--control", "stdin"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    try:
        events = [root / name / "events.jsonl" for name in ("beta=1-seed0", "beta=2-seed0")]
        deadline = time.monotonic() + 240
        while not all(p.is_file() and b'"type":"epoch"' in p.read_bytes() for p in events):
            assert parent.poll() is None and time.monotonic() < deadline, parent.stderr.read()
            time.sleep(0.5)
        parent.stdin.close()  # what the app's going away looks like
        assert parent.wait(120) == 2 and "2 of 2 trials did not finish" in parent.stderr.read()
    finally:
        parent.kill()
    assert [t["status"] for t in read_manifest(root).trials] == ["stopped", "stopped"]
    steps = plan(Sweep.create(root, "beta=1,2", 1, dict(TINY_SETTINGS, epochs=100000)))
    assert [step.action for step in steps] == ["resume", "resume"]
    assert steps[0].args[:3] == ("train", "--resume", str(root / "beta=1-seed0" / "checkpoint.safetensors"))


def test_a_trial_without_a_checkpoint_starts_over_and_a_live_one_is_left_alone(tmp_path):
    sweep = Sweep.create(tmp_path, "beta=2", 2, TINY_SETTINGS)
    first, second = sweep.trials()
    RunFolder.create(first.folder, first.options, []).update(status="failed")
    RunFolder.create(second.folder, second.options, []).update(status="running")  # this process: alive
    with pytest.raises(ConfigError, match="beta=2-seed1 is still running"):
        plan(sweep)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs: the run's process died without saying so
    second.folder.joinpath("run.json").write_text(json.dumps(dict(read_run(second.folder).info, pid=gone.pid)))
    assert [step.action for step in plan(sweep)] == ["restart", "restart"]


@pytest.mark.parametrize("text, message", [
    ("beta", "expects OPTION=V1"), ("nope=1,2", "unknown setting"), ("kl_schedule=1", "sweeps a numeric"),
    ("seed=1,2", "use --seeds"), ("beta=1,-2", "--sweep beta"), ("beta=1,x", "--sweep beta expects a number"),
    ("latent_dim=2.5", "--sweep latent_dim"), ("beta=1,1.0", "lists a value twice"),
    ("capacity_c=1,2", "applies to joint-vae"), ("beta=" + ",".join(map(str, range(1, 40))), "above the limit"),
])
def test_a_bad_sweep_is_refused_with_one_clear_message(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_sweep(text, "vae")


def test_sweep_flags_are_checked_before_anything_runs(tmp_path):
    for args, message in [(("--sweep", "beta=1,2"), "needs --run-dir"),
                          (("--sweep", "beta=1", "--run-dir", str(tmp_path / "s"), "--out", "x.safetensors"),
                           "--out cannot go with it"),
                          (("--sweep", "beta=1", "--run-dir", str(tmp_path / "s"), "--jobs", "0"), "--jobs"),
                          (("--sweep", "beta=1", "--run-dir", str(tmp_path / "s"), "--seeds", "two"), "--seeds"),
                          (("--sweep", "beta=1", "--run-dir", str(tmp_path / "s"), "--address", "auto"),
                           "--launcher ray"),
                          (("--seeds", "2", "--out", str(tmp_path / "x.safetensors")), "belongs to a sweep")]:
        result = train(*args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, args
    assert not (tmp_path / "s").exists()


def test_a_manifest_from_elsewhere_is_checked_before_use(tmp_path):
    (tmp_path / "sweep.json").write_text(json.dumps({"format": 1, "option": "beta", "values": [1], "seeds": [0],
                                                     "settings": {}, "trials": [{"name": "../../etc", "value": 1,
                                                                                 "seed": 0, "status": "finished"}]}))
    with pytest.raises(TrainingError, match="not a Latent Explorer sweep manifest: each trial"):
        read_manifest(tmp_path)
    (tmp_path / "sweep.json").write_text("[1, 2]")
    with pytest.raises(TrainingError, match="expected an object"):
        read_manifest(tmp_path)
