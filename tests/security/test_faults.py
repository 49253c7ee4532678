"""Faults during training and saving: a diverged run never replaces a good checkpoint and exits non-zero; a full
disk, a SIGKILL or a SIGINT leave the old file whole, no temp file behind, and no traceback."""
import os
import resource
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from explorer.atomic import atomic_path, remove_stale_temp_files
from explorer.cli import main
from explorer.errors import CheckpointError
from explorer.io.checkpoint import load_checkpoint, save_checkpoint

REPO = Path(__file__).resolve().parents[2]
TINY_TRAIN = ["--dataset", "digits", "--latent-dim", "2", "--hidden", "16", "--batch-size", "64"]
STEPS_PER_EPOCH = 23  # 1,438 digits in the training split, 64 a batch


@pytest.fixture
def poison_after(monkeypatch):
    """Make the weights NaN right after optimizer step number ``n`` (counting from 1), as a diverging run would."""

    def install(n: int):
        class Poisoned(torch.optim.Adam):
            steps = 0

            @torch.no_grad()
            def step(self, closure=None):
                result = super().step(closure)
                Poisoned.steps += 1
                if Poisoned.steps == n:
                    for group in self.param_groups:
                        for parameter in group["params"]:
                            parameter.fill_(float("nan"))
                return result

        monkeypatch.setattr(torch.optim, "Adam", Poisoned)

    return install


@pytest.fixture
def good_checkpoint(tmp_path):
    out = tmp_path / "good.safetensors"
    assert main(["train", *TINY_TRAIN, "--epochs", "1", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("step", [STEPS_PER_EPOCH, STEPS_PER_EPOCH - 5], ids=["after-the-last-step", "mid-epoch"])
def test_a_diverged_run_never_replaces_a_good_file(good_checkpoint, poison_after, capsys, step):
    before = good_checkpoint.read_bytes()
    capsys.readouterr()
    poison_after(step)
    assert main(["train", *TINY_TRAIN, "--epochs", "1", "--out", str(good_checkpoint)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "became nan" in err and "restored" in err
    assert good_checkpoint.read_bytes() == before
    assert sorted(p.name for p in good_checkpoint.parent.iterdir()) == [good_checkpoint.name]


def test_a_run_diverging_later_keeps_its_last_good_autosave(tmp_path, poison_after, capsys):
    out = tmp_path / "m.safetensors"
    poison_after(2 * STEPS_PER_EPOCH)
    assert main(["train", *TINY_TRAIN, "--epochs", "3", "--autosave-every", "1", "--out", str(out)]) == 2
    assert "after epoch 2" in capsys.readouterr().err
    checkpoint = load_checkpoint(out)
    assert len(checkpoint.history) == 1 and all(torch.isfinite(p).all() for p in checkpoint.model.parameters())


def test_a_diverged_model_is_never_saved(good_checkpoint):
    checkpoint = load_checkpoint(good_checkpoint)
    before = good_checkpoint.read_bytes()
    with torch.no_grad():
        next(checkpoint.model.parameters()).fill_(float("inf"))
    with pytest.raises(CheckpointError, match="not saving .*: the model has diverged .* the file already there is"):
        save_checkpoint(good_checkpoint, checkpoint.model, checkpoint.meta, checkpoint.preview)
    assert good_checkpoint.read_bytes() == before


def test_a_full_disk_during_the_save_keeps_the_old_file(good_checkpoint, capsys):
    """The write fails for real half-way (the file-size limit stands in for a full disk): one line, exit 2."""
    before = good_checkpoint.read_bytes()
    capsys.readouterr()
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    try:
        status = main(["train", *TINY_TRAIN, "--epochs", "1", "--out", str(good_checkpoint)])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    err = capsys.readouterr().err
    assert status == 2 and f"error: cannot save {good_checkpoint}: File too large" in err and "Traceback" not in err
    assert good_checkpoint.read_bytes() == before
    assert sorted(p.name for p in good_checkpoint.parent.iterdir()) == [good_checkpoint.name]


def test_the_mode_of_an_overwritten_checkpoint_is_kept(good_checkpoint):
    os.chmod(good_checkpoint, 0o600)
    checkpoint = load_checkpoint(good_checkpoint)
    save_checkpoint(good_checkpoint, checkpoint.model, checkpoint.meta, checkpoint.preview)
    assert stat.S_IMODE(os.stat(good_checkpoint).st_mode) == 0o600
    fresh = good_checkpoint.parent / "fresh.safetensors"
    save_checkpoint(fresh, checkpoint.model, checkpoint.meta, checkpoint.preview)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~umask


KILLED_WRITER = """
import sys, time
from explorer.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"half a checkpoint")
    print(tmp, flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_mid_save_leaves_a_temp_file_the_next_save_removes(good_checkpoint):
    before = good_checkpoint.read_bytes()
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(good_checkpoint)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    temp = Path(writer.stdout.readline().strip())
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    assert temp.exists() and good_checkpoint.read_bytes() == before
    checkpoint = load_checkpoint(good_checkpoint)
    save_checkpoint(good_checkpoint, checkpoint.model, checkpoint.meta, checkpoint.preview)
    assert sorted(p.name for p in good_checkpoint.parent.iterdir()) == [good_checkpoint.name]


def test_only_our_own_dead_temp_files_are_removed(tmp_path):
    target = tmp_path / "m.safetensors"
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        files = {
            "dead": f".m.safetensors.{_dead_pid()}-abcd1234.partial",
            "live": f".m.safetensors.{sleeper.pid}-abcd1234.partial",
            "mine": f".m.safetensors.{os.getpid()}-abcd1234.partial",
            "other target": f".m.safetensors.x.{_dead_pid()}-abcd1234.partial",
            "not ours": f".m.safetensors.{_dead_pid()}.tmp",
            "user file": "m.safetensors.partial",
        }
        for name in files.values():
            (tmp_path / name).write_bytes(b"x")
        removed = remove_stale_temp_files(target)
        assert [p.name for p in removed] == [files["dead"]]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(files.values()) - {files["dead"]})
    finally:
        sleeper.kill()
        sleeper.wait()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_failed_writer_removes_its_temp_file(tmp_path):
    target = tmp_path / "x.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"partial")
        raise RuntimeError("the writer failed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.1, 0.4, 1.0, 2.0])
def test_ctrl_c_during_start_up_prints_no_traceback(tmp_path, delay):
    process = subprocess.Popen([sys.executable, "main.py", "train", *TINY_TRAIN, "--epochs", "1",
                                "--out", str(tmp_path / "m.safetensors")], cwd=REPO, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err, err


def test_a_reader_closing_the_pipe_ends_the_output_quietly(vae_file):
    process = subprocess.Popen(f"{sys.executable} main.py info {vae_file} | head -c 10", shell=True, cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate(timeout=60)
    assert out == "file:     " and "Traceback" not in err and "BrokenPipe" not in err
