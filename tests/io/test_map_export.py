"""The map taken elsewhere: the Embedding Atlas parquet table and TensorBoard Projector's files, read back with
pyarrow and as TSV, hold the coordinates, labels, latents and items that were exported."""
import io
import re

import numpy as np
import pytest
from PIL import Image

pq = pytest.importorskip("pyarrow.parquet")

from explorer.analysis.explore import ModelExplorer  # noqa: E402
from explorer.analysis.preview import encode_preview  # noqa: E402
from explorer.cli import main  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.importers.opening import imported_checkpoint, save_imported  # noqa: E402
from explorer.io.checkpoint import Checkpoint  # noqa: E402
from explorer.io.map_export import save_map  # noqa: E402
from explorer.models.registry import build_model, text_model_config  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402
from tests.security.conftest import CORPUS  # noqa: E402


@pytest.fixture(scope="module")
def image_explorer(digits):
    return ModelExplorer(imported_checkpoint(tiny_model().eval(), digits, "tiny VAE"))


@pytest.fixture(scope="module")
def text_explorer():
    corpus = load_dataset(CORPUS, max_len=12, min_count=1, tokenizer="word")
    model = build_model(text_model_config("sentence-vae", len(corpus.extra["vocab"]), 12, latent_dim=4,
                                          embed_dim=8, hidden_dim=8)).eval()
    preview = encode_preview(model, corpus.test)
    meta = {"dataset": corpus.describe(), "history": [], "metrics": {}, "train_config": {},
            "model_config": model.config}
    return ModelExplorer(Checkpoint(model, meta, preview))


def test_the_atlas_table_round_trips(image_explorer, tmp_path):
    table = pq.read_table(save_map("atlas", tmp_path / "atlas.parquet", image_explorer)).to_pydict()
    e = image_explorer
    assert np.allclose(table["x"], e.projection[:, 0]) and np.allclose(table["y"], e.projection[:, 1])
    assert table["label"] == e.labels.tolist() and table["class"][:3] == [e.class_names[i] for i in e.labels[:3]]
    assert np.allclose(np.array(table["latent"]), e.means)
    first = np.asarray(Image.open(io.BytesIO(table["image"][0])))
    assert np.array_equal(first, e.items([0])[0]) and "text" not in table


def test_sentences_go_into_the_table_and_the_metadata_as_text(text_explorer, tmp_path):
    table = pq.read_table(save_map("atlas", tmp_path / "atlas.parquet", text_explorer)).to_pydict()
    sentences = text_explorer.items(np.arange(len(text_explorer.means)))
    assert table["text"] == [str(s) for s in sentences] and "image" not in table
    folder = save_map("projector", tmp_path / "proj", text_explorer)
    rows = (folder / "metadata.tsv").read_text().splitlines()
    assert rows[0] == "index\tlabel\tclass\ttext" and rows[1].split("\t")[3] == re.sub(r"\s", " ", sentences[0])
    assert "sprite" not in (folder / "projector_config.pbtxt").read_text()


def test_the_projector_files_round_trip(image_explorer, tmp_path):
    folder = save_map("projector", tmp_path / "projector", image_explorer)
    e = image_explorer
    assert np.allclose(np.loadtxt(folder / "tensors.tsv", delimiter="\t"), e.means, atol=1e-6)
    rows = [line.split("\t") for line in (folder / "metadata.tsv").read_text().splitlines()]
    assert rows[0] == ["index", "label", "class"] and [int(r[1]) for r in rows[1:]] == e.labels.tolist()
    sprite = np.asarray(Image.open(folder / "sprite.png"))
    side = int(np.ceil(np.sqrt(len(e.means))))
    assert sprite.shape == (side * 8, side * 8)
    assert np.array_equal(sprite[8:16, 16:24], e.items([side + 2])[0])  # row 1, column 2
    config = (folder / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "tensors.tsv"' in config and "single_image_dim: 8" in config


def test_export_writes_both_from_a_checkpoint(image_explorer, tmp_path, capsys):
    path = save_imported(image_explorer.checkpoint, tmp_path / "m.safetensors", method="pca")
    assert main(["export", str(path), "--what", "atlas", "--out", str(tmp_path / "a.parquet")]) == 0
    assert pq.read_table(tmp_path / "a.parquet").num_rows == len(image_explorer.means)
    assert main(["export", str(path), "--what", "projector", "--out", str(tmp_path / "p")]) == 0
    assert sorted(f.name for f in (tmp_path / "p").iterdir()) == ["metadata.tsv", "projector_config.pbtxt",
                                                                  "sprite.png", "tensors.tsv"]
    assert main(["export", str(path), "--what", "atlas", "--out", str(tmp_path / "a.csv")]) == 2
    assert "expected a .parquet file" in capsys.readouterr().err


def test_ground_truth_factors_become_columns(digits, tmp_path):
    y = digits.train.y[:200].numpy()
    np.savez(tmp_path / "f.npz", x=digits.train.x[:200, 0].numpy(), y=y, factors=np.stack([y % 2], axis=1),
             factor_names=np.array(["parity"]))
    explorer = ModelExplorer(imported_checkpoint(tiny_model().eval(), load_dataset(f"npz:{tmp_path / 'f.npz'}"), "f"))
    table = pq.read_table(save_map("atlas", tmp_path / "atlas.parquet", explorer)).to_pydict()
    assert table["factor_parity"] == (explorer.labels % 2).tolist()
