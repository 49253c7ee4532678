"""A map added to a checkpoint saved without one: computed as at a run's end, written atomically, read-only files
left alone."""
import os

import numpy as np
import pytest

from explorer.analysis.map_file import add_map, main
from explorer.analysis.projection import project
from explorer.io.atomic import WriteError
from explorer.io.checkpoint import load_checkpoint, save_checkpoint
from explorer.io.preview import read_preview
from explorer.training.run import RunSpec, TrainingRun


@pytest.fixture(scope="module")
def mapless(tmp_path_factory):
    """A run's checkpoint saved as before maps were computed at save: a PCA of the means, no map metadata."""
    folder = tmp_path_factory.mktemp("mapless")
    spec = RunSpec.create(model="vae", dataset="digits", latent_dim=3, hidden=[16], epochs=1, batch_size=64,
                          device="cpu", out=str(folder / "run.safetensors"))
    checkpoint = TrainingRun(spec).execute()
    preview = checkpoint.preview
    preview.projection = project(preview.means, "pca").points
    preview.map_info = preview.map_head = None
    save_checkpoint(folder / "old.safetensors", checkpoint.model, checkpoint.meta, preview, checkpoint.optimizer_state)
    return folder / "old.safetensors"


def copy(path, out):
    out.write_bytes(path.read_bytes())
    return out


def test_add_map_saves_the_umap_and_its_head_into_the_file(mapless, tmp_path, capsys):
    path = copy(mapless, tmp_path / "model.safetensors")
    assert read_preview(path)[1].map_info is None
    assert main([str(path)]) == 0
    assert "UMAP map of 359 items saved" in capsys.readouterr().out
    meta, preview = read_preview(path)
    assert meta["map"]["method"] == "umap" and meta["map"]["r2"] > 0.5 and preview.map_head
    before, after = load_checkpoint(mapless), load_checkpoint(path)
    assert np.array_equal(before.preview.means, after.preview.means)
    for name, weight in before.model.state_dict().items():
        assert np.array_equal(weight.numpy(), after.model.state_dict()[name].numpy())
    assert main([str(path)]) == 0 and "has its UMAP map already" in capsys.readouterr().out


def test_a_read_only_file_is_refused_untouched(mapless, tmp_path, capsys):
    (tmp_path / "shipped").mkdir()
    path = copy(mapless, tmp_path / "shipped" / "model.safetensors")
    os.chmod(path, 0o444)
    with pytest.raises(WriteError, match="model.safetensors is read-only: the map was not saved into it"):
        add_map(path)
    assert main([str(path)]) == 2 and "is read-only" in capsys.readouterr().err
    assert path.read_bytes() == mapless.read_bytes() and os.listdir(tmp_path / "shipped") == ["model.safetensors"]
