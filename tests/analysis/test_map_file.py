"""A map added to a checkpoint saved without one: computed as at a run's end, written atomically, read-only files
left alone."""
import os
from pathlib import Path

import numpy as np
import pytest

from bench.map_launch import mapless_copy
from explorer.analysis.map_file import add_map, main
from explorer.atomic import WriteError
from explorer.io.checkpoint import load_checkpoint
from explorer.io.preview import read_preview
from explorer.training.run import RunSpec, TrainingRun


@pytest.fixture(scope="module")
def mapless(tmp_path_factory):
    """A run's checkpoint saved as before maps were computed at save: a PCA of the means, no map metadata."""
    folder = tmp_path_factory.mktemp("mapless")
    spec = RunSpec.create(model="vae", dataset="digits", latent_dim=3, hidden=[16], epochs=1, batch_size=64,
                          device="cpu", out=str(folder / "run.safetensors"))
    TrainingRun(spec).execute()
    return Path(mapless_copy(folder / "run.safetensors", folder / "old.safetensors"))


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


def test_the_whole_dataset_is_placed_on_the_map_by_its_head(mapless):
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.whole_dataset import whole_dataset_explorer

    preview = ModelExplorer(load_checkpoint(mapless.parent / "run.safetensors"))
    steps = []
    whole = whole_dataset_explorer(preview, progress=lambda fraction, text: steps.append(fraction))
    assert len(whole.labels) == 1797 and whole.items([0]).shape == (1, 8, 8) and steps[-1] == 1.0
    assert whole.preview_explorer is preview and whole.checkpoint_to_save is preview.checkpoint
    assert np.allclose(whole.projection, preview.project_new(whole.means), atol=1e-4)  # placed a chunk at a time
    test_items = whole.means[-len(preview.means):]  # the test split comes last: the preview's items among them
    assert np.allclose(test_items, preview.means, atol=1e-5)
    assert np.array_equal(whole.project_new(preview.means[:3]), preview.project_new(preview.means[:3]))
