"""Training as a process: reproducible from a fresh process whatever the autosave, a run folder's files and events,
the stdin control channel (end of input stops and saves), a failed run's folder, and data-parallel training with
torchrun on two CPU ranks."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from explorer.io.checkpoint import load_checkpoint
from explorer.priority import TRAINING_NICE
from explorer.training.events import (
    CheckpointEvent,
    EndEvent,
    EpochEvent,
    StartEvent,
    StepEvent,
    event_to_json,
    events_from_json,
    events_to_json,
)
from explorer.training.run_folder import EventTail, read_run

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--dataset", "digits", "--latent-dim", "4", "--hidden", "32", "--batch-size", "64", "--device", "cpu"]


def train(*args, env=None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", "train", *TINY, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1", **(env or {})), **kwargs)


def weights(path) -> dict:
    return {k: v for k, v in load_file(str(path)).items() if k.startswith("model.")}


def test_a_seeded_run_is_bit_for_bit_repeatable_from_a_fresh_process_whatever_the_autosave(tmp_path):
    runs = {name: tmp_path / f"{name}.safetensors" for name in ("a", "b", "no_autosave")}
    for name, out in runs.items():
        autosave = "0" if name == "no_autosave" else "1"
        result = train("--epochs", "2", "--seed", "7", "--autosave-every", autosave, "--out", str(out))
        assert result.returncode == 0, result.stderr
    a, b, c = (weights(out) for out in runs.values())
    assert a.keys() == b.keys() == c.keys()
    for name in a:
        assert torch.equal(a[name], b[name]) and torch.equal(a[name], c[name]), name
    from explorer.training.run import RunSpec, TrainingRun

    other = TrainingRun(RunSpec.create(model="vae", dataset="digits", latent_dim=4, hidden=[32], batch_size=64,
                                       device="cpu", epochs=2, seed=8)).execute().model.state_dict()
    assert any(not torch.equal(a[f"model.{name}"], value) for name, value in other.items())


def test_a_run_folder_holds_settings_events_and_the_checkpoint(tmp_path):
    folder = tmp_path / "run"
    result = train("--epochs", "2", "--run-dir", str(folder))
    assert result.returncode == 0, result.stderr
    info = read_run(folder)
    assert info.status == "finished" and info.checkpoint == folder / "checkpoint.safetensors"
    assert info.info["options"]["epochs"] == 2 and info.info["options"]["latent_dim"] == 4
    assert info.info["versions"]["torch"] == torch.__version__ and info.info["world_size"] == 1
    events = EventTail(folder / "events.jsonl").read()
    kinds = [type(e) for e in events]
    assert kinds[0] is StartEvent and kinds[-1] is EndEvent and events[-1].status == "finished"
    assert sum(k is EpochEvent for k in kinds) == 2 and StepEvent in kinds
    saves = [e for e in events if isinstance(e, CheckpointEvent)]
    assert [(e.epoch, e.final) for e in saves] == [(1, False), (2, True)]  # autosave after epoch 1, then final
    checkpoint = load_checkpoint(folder / "checkpoint.safetensors")
    assert checkpoint.meta["run_options"]["epochs"] == 2 and len(checkpoint.history) == 2
    assert "already holds a run" in train("--epochs", "1", "--run-dir", str(folder)).stderr


def test_an_app_run_trains_below_the_window_and_the_end_of_stdin_stops_it_and_saves(tmp_path):
    folder = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-m", "explorer", "train", *TINY, "--epochs", "100000", "--run-dir",
                              str(folder), "--control", "stdin", "--events", "stdout", "--low-priority"], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1"))
    try:
        seen = []
        while not any(isinstance(e, StepEvent) for e in seen):
            line = child.stdout.readline()
            assert line, child.stderr.read()
            seen += events_from_json(line)
        if hasattr(os, "getpriority"):
            expected = min(19, os.getpriority(os.PRIO_PROCESS, 0) + TRAINING_NICE)
            assert os.getpriority(os.PRIO_PROCESS, child.pid) == expected
        child.stdin.write("pause\n")
        child.stdin.flush()
        child.stdin.close()  # what the app's death looks like to its child: the end of its input
        rest = child.stdout.read()
        assert child.wait(120) == 0, child.stderr.read()
    finally:
        child.kill()
    events = seen + [e for line in rest.splitlines() for e in events_from_json(line)]
    states = [e.state for e in events if hasattr(e, "state")]
    assert states[:2] == ["paused", "stopping"]  # a stop wakes a paused run
    assert events[-1].status == "stopped" and read_run(folder).status == "stopped"
    assert load_checkpoint(folder / "checkpoint.safetensors").meta["stopped_early"] is True


def test_a_failed_run_says_why_in_its_folder_and_keeps_the_last_good_checkpoint(tmp_path):
    folder = tmp_path / "run"
    result = train("--epochs", "3", "--run-dir", str(folder), env={"LATENT_EXPLORER_FAULT": "nan@30"})
    assert result.returncode == 2 and result.stderr.startswith("error: the loss became nan at epoch 2")
    info = read_run(folder)
    assert info.status == "failed" and "epoch 2" in info.info["message"]
    assert len(load_checkpoint(folder / "checkpoint.safetensors").history) == 1  # epoch 1's autosave, intact
    events = EventTail(folder / "events.jsonl").read()
    assert isinstance(events[-1], EndEvent) and events[-1].status == "failed"


def test_events_travel_as_json_lines_and_a_tail_waits_for_whole_lines(tmp_path):
    step = StepEvent(epoch=1, step=2, steps_per_epoch=3, global_step=2, total_steps=9,
                     scalars={"loss": float("nan"), "recon": 1.5}, schedule={"beta": 1.0}, examples_per_s=10.0,
                     eta_s=1.0)
    path = tmp_path / "events.jsonl"
    tail = EventTail(path)
    assert tail.read() == []
    whole = event_to_json(StartEvent("vae", "VAE", 4, "digits", 10, 5, "cpu")) + "\n" + events_to_json([step])
    path.write_text(whole[:-10])
    assert [type(e) for e in tail.read()] == [StartEvent]
    with open(path, "a") as handle:
        handle.write(whole[-10:] + "\nnot json\n")
    (event,) = tail.read()
    assert event.scalars["recon"] == 1.5 and event.scalars["loss"] is None  # NaN travels as null
    assert tail.skipped == 1


def test_a_folder_that_is_not_a_run_is_named(tmp_path):
    from explorer.errors import TrainingError

    with pytest.raises(TrainingError, match="has no run.json"):
        read_run(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps({"status": "sleeping"}))
    with pytest.raises(TrainingError, match="no valid status"):
        read_run(tmp_path)


@pytest.mark.skipif(shutil.which("torchrun", path=str(Path(sys.executable).parent)) is None,
                    reason="torchrun is installed with torch")
def test_torchrun_trains_on_two_cpu_ranks_like_one_rank_with_the_same_global_batch(tmp_path):
    from explorer.training.run import RunSpec, TrainingRun

    torchrun = str(Path(sys.executable).parent / "torchrun")
    folder = tmp_path / "ddp"
    result = subprocess.run([torchrun, "--standalone", "--nproc_per_node=2", "-m", "explorer", "train", *TINY,
                             "--epochs", "3", "--run-dir", str(folder)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr[-2000:]
    ddp = load_checkpoint(folder / "checkpoint.safetensors")
    assert ddp.meta["world_size"] == 2 and read_run(folder).info["world_size"] == 2
    history = ddp.history
    assert history[-1]["test_elbo"] < history[0]["test_elbo"] - 1
    single = TrainingRun(RunSpec.create(model="vae", dataset="digits", latent_dim=4, hidden=[32], batch_size=64,
                                        device="cpu", epochs=3)).execute()
    # The same examples in every global batch, the same initial weights; only the sampling noise differs.
    assert history[-1]["test_elbo"] == pytest.approx(single.history[-1]["test_elbo"], rel=0.03)
    assert sum(1 for line in open(folder / "events.jsonl") if '"type":"start"' in line) == 1  # rank 0 writes
