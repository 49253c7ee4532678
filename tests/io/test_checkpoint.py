import json
import os
import resource
import signal
import struct

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from explorer.errors import CheckpointError
from explorer.io import checkpoint as ckpt
from explorer.io.checkpoint import Preview, load_checkpoint, read_metadata, save_checkpoint
from explorer.training.trainer import TrainConfig, Trainer
from tests.conftest import tiny_model

META = {"label": "VAE", "dataset": {"id": "digits", "domain": "image", "shape": [1, 8, 8],
                                    "class_names": [str(i) for i in range(10)]},
        "train_config": {}, "history": [{"epoch": 1, "step": 10, "test_elbo": 30.0}], "metrics": {"elbo": 30.0}}


def preview(n=20, d=4):
    rng = np.random.default_rng(0)
    return Preview(inputs=rng.integers(0, 256, (n, 8, 8), dtype=np.uint8), labels=np.arange(n) % 10,
                   means=rng.normal(size=(n, d)).astype(np.float32),
                   logvars=rng.normal(size=(n, d)).astype(np.float32),
                   projection=rng.normal(size=(n, 2)).astype(np.float32))


@pytest.fixture
def saved(tmp_path, trained_vae):
    return save_checkpoint(tmp_path / "model.safetensors", trained_vae, META, preview())


def test_round_trip_decodes_identically(saved, trained_vae):
    loaded = load_checkpoint(saved)
    z = torch.randn(6, 4)
    assert torch.equal(loaded.model.pixel_means(z), trained_vae.pixel_means(z))
    assert loaded.history == META["history"] and loaded.label == "VAE"
    assert np.array_equal(loaded.preview.inputs, preview().inputs)
    assert read_metadata(saved)["format_version"] == ckpt.FORMAT_VERSION
    assert oct(os.stat(saved).st_mode & 0o777) != "0o600"


def test_optimizer_state_round_trip(tmp_path, digits):
    model = tiny_model()
    trainer = Trainer(model, digits, TrainConfig(epochs=1, batch_size=64, device="cpu"))
    trainer.run()
    path = save_checkpoint(tmp_path / "m.safetensors", model, META, None, trainer.optimizer_state())
    restored = load_checkpoint(path).optimizer_state["main"]
    original = trainer.optimizer_state()["main"]
    assert restored["param_groups"] == json.loads(json.dumps(original["param_groups"]))
    for pid, entries in original["state"].items():
        for name, value in entries.items():
            assert torch.equal(torch.as_tensor(restored["state"][pid][name]), torch.as_tensor(value))
    optimizer = torch.optim.Adam(model.parameters())
    optimizer.load_state_dict(restored)


def _rewrite_meta(path, change):
    """Rewrite a checkpoint with its metadata changed."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
        meta = json.loads(handle.metadata()[ckpt.META_KEY])
    change(meta, tensors)
    save_file(tensors, str(path), metadata={ckpt.META_KEY: json.dumps(meta)})


@pytest.mark.parametrize("damage,message", [
    (lambda p: p.write_bytes(b""), "empty or truncated"),
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated"),
    (lambda p: torch.save({"w": torch.zeros(2)}, p), "PyTorch pickle"),
    (lambda p: save_file({"w": torch.zeros(2)}, str(p)), "not a Latent Explorer checkpoint"),
    (lambda p: p.write_bytes(struct.pack("<Q", 5) + b"{oops"),
     r"not a safetensors file\): its header is not valid JSON"),
    (lambda p: _rewrite_meta(p, lambda m, t: m.update(format_version=99)), "newer Latent Explorer"),
    (lambda p: _rewrite_meta(p, lambda m, t: m.pop("model_config")), "metadata field model_config: missing"),
    (lambda p: _rewrite_meta(p, lambda m, t: t.update({"model.latent_head.weight": torch.zeros(3, 3)})),
     r"'latent_head.weight' is F32 with shape \(3, 3\), the model's config needs F32 \(8, 32\)"),
    (lambda p: _rewrite_meta(p, lambda m, t: t.update({"preview.labels": torch.zeros(3, dtype=torch.long)})),
     "preview arrays differ in length"),
])
def test_bad_files_are_refused_with_their_reason(saved, damage, message):
    damage(saved)
    with pytest.raises(CheckpointError, match=message) as error:
        load_checkpoint(saved)
    assert str(saved) in str(error.value)


def test_missing_and_folder_paths(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "none.safetensors")
    with pytest.raises(CheckpointError, match="is a folder"):
        load_checkpoint(tmp_path)


def test_failed_write_keeps_the_old_file(saved, trained_vae):
    """A real write failure (the file-size limit, as a full disk would) mid-save: a message, the old file intact,
    no temp file left."""
    before = saved.read_bytes()
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) // 2, hard))
    try:
        with pytest.raises(CheckpointError, match=f"cannot save {saved}: File too large"):
            save_checkpoint(saved, trained_vae, META, preview())
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert saved.read_bytes() == before
    assert [p.name for p in saved.parent.iterdir()] == [saved.name]


def test_read_only_folder_is_named(tmp_path, trained_vae):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(CheckpointError, match="not writable"):
            save_checkpoint(folder / "m.safetensors", trained_vae, META)
    finally:
        folder.chmod(0o700)
    with pytest.raises(CheckpointError, match="does not exist"):
        save_checkpoint(tmp_path / "nowhere" / "m.safetensors", trained_vae, META)
