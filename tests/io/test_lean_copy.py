"""A lean copy keeps everything a user opens and drops only the optimizer state."""
from pathlib import Path

import pytest
import torch

from explorer.io.checkpoint import load_checkpoint
from explorer.io.lean_copy import main
from tests.gui.conftest import train_tiny


@pytest.fixture(scope="module")
def vae_path(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("lean") / "vae.safetensors")


def test_a_lean_copy_drops_the_optimizer_state_only(vae_path, tmp_path):
    target = tmp_path / "lean.safetensors"
    assert main([vae_path, str(target)]) == 0
    before, after = load_checkpoint(vae_path), load_checkpoint(target)
    assert before.optimizer_state is not None and after.optimizer_state is None
    assert after.meta["history"] == before.meta["history"]
    assert all(torch.equal(a, b) for a, b in zip(before.model.state_dict().values(),
                                                 after.model.state_dict().values()))
    assert (after.preview.means == before.preview.means).all()
    assert target.stat().st_size < Path(vae_path).stat().st_size


def test_a_bad_source_is_one_message(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"12345")
    assert main([str(bad), str(tmp_path / "out.safetensors")]) == 2
    assert "bad.safetensors" in capsys.readouterr().err and not (tmp_path / "out.safetensors").exists()
