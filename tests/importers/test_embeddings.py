"""Embeddings files opened without a model: the atlas table and the Projector pair exported from a tiny model come
back with the coordinates, labels, vectors and items that were exported; .npy and .npz vectors get a map of
their own; and the explorer of them decodes nothing."""
import numpy as np
import pytest

pq = pytest.importorskip("pyarrow.parquet")

from explorer.analysis.explore import ModelExplorer  # noqa: E402
from explorer.analysis.explore_embeddings import EmbeddingsExplorer  # noqa: E402
from explorer.cli import main  # noqa: E402
from explorer.data.registry import load_dataset  # noqa: E402
from explorer.errors import CheckpointError  # noqa: E402
from explorer.importers.embeddings import open_embeddings, read_embeddings  # noqa: E402
from explorer.importers.opening import imported_checkpoint, open_model  # noqa: E402
from explorer.io.export import save_latents  # noqa: E402
from explorer.io.map_export import save_map  # noqa: E402
from explorer.io.map_meta import FILE_MAP  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402
from tests.io.test_map_export import text_explorer  # noqa: E402, F401 - a fixture


@pytest.fixture(scope="module")
def model_explorer():
    return ModelExplorer(imported_checkpoint(tiny_model().eval(), load_dataset("digits"), "tiny VAE"))


def test_the_atlas_table_opens_as_it_was_exported(model_explorer, tmp_path):
    e = model_explorer
    opened = open_embeddings(save_map("atlas", tmp_path / "atlas.parquet", e))
    assert isinstance(opened, EmbeddingsExplorer) and not opened.has_decoder
    assert np.array_equal(opened.projection, e.projection) and opened.map_method == FILE_MAP
    assert np.array_equal(opened.labels, e.labels) and opened.class_names == e.class_names
    assert np.array_equal(opened.means, e.means)
    assert np.array_equal(opened.items([0, 5]), e.items([0, 5]))  # the PNG thumbnails, pixel for pixel


def test_the_projector_pair_opens_as_it_was_exported(model_explorer, tmp_path):
    e = model_explorer
    folder = save_map("projector", tmp_path / "projector", e)
    for path in (folder, folder / "tensors.tsv", folder / "metadata.tsv"):
        opened = open_embeddings(path)
        assert np.allclose(opened.means, e.means, atol=1e-6)
        assert np.array_equal(opened.labels, e.labels) and opened.class_names == e.class_names
    assert opened.map_method == "pca" and opened.projection.shape == (len(e.means), 2)  # no map in the pair


def test_sentences_come_back_as_the_points_texts(text_explorer, tmp_path):  # noqa: F811
    sentences = text_explorer.items(np.arange(len(text_explorer.means)))
    from_table = open_embeddings(save_map("atlas", tmp_path / "atlas.parquet", text_explorer))
    from_pair = open_embeddings(save_map("projector", tmp_path / "proj", text_explorer))
    assert from_table.items([0, 1]) == sentences[:2] == from_pair.items([0, 1])


def test_an_npy_of_vectors_gets_a_pca_map(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(40, 6)).astype(np.float32)
    np.save(tmp_path / "v.npy", vectors)
    opened = open_embeddings(tmp_path / "v.npy")
    assert np.array_equal(opened.means, vectors) and (opened.labels == -1).all()
    assert opened.map_method == "pca" and opened.items([3]) == ["#3"]
    assert opened.project_new(vectors[:2]).shape == (2, 2)


def test_an_npz_with_labels_names_and_factors(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    factors = rng.integers(0, 5, (30, 2))
    np.savez(tmp_path / "e.npz", embeddings=x, labels=y, class_names=np.array(["a", "b", "c"]), factors=factors,
             factor_names=np.array(["size", "hue"]))
    opened = open_embeddings(tmp_path / "e.npz")
    assert np.array_equal(opened.labels, y) and opened.class_names == ["a", "b", "c"]
    assert np.array_equal(opened.factors, factors) and opened.factor_names == ["size", "hue"]
    assert opened.describe_factors(0) == f"size {factors[0, 0]} · hue {factors[0, 1]}"


def test_our_latents_npz_opens_on_its_own_map(model_explorer, tmp_path):
    e = model_explorer
    path = save_latents(tmp_path / "latents.npz", e.means, e.labels, e.projection, e.class_names, e.stds)
    opened = open_embeddings(path)
    assert np.array_equal(opened.projection, e.projection) and np.array_equal(opened.labels, e.labels)


def test_a_table_of_x_and_y_alone_is_its_own_map(tmp_path):
    import pyarrow as pa

    pq.write_table(pa.table({"projection_x": [0.0, 1.0, 2.0], "projection_y": [1.0, 0.0, 1.0],
                             "label": ["cat", "dog", "cat"]}), tmp_path / "t.parquet")
    embeddings, _ = read_embeddings(tmp_path / "t.parquet")
    assert embeddings.labels.tolist() == [0, 1, 0] and embeddings.class_names == ["cat", "dog"]
    assert np.array_equal(embeddings.vectors, embeddings.points)


def test_the_map_of_embeddings_exports_again(model_explorer, tmp_path):
    opened = open_embeddings(save_map("atlas", tmp_path / "a.parquet", model_explorer))
    again = open_embeddings(save_map("atlas", tmp_path / "b.parquet", opened))
    assert np.array_equal(again.projection, model_explorer.projection)
    assert np.array_equal(again.labels, model_explorer.labels)


def test_info_describes_an_embeddings_file_and_the_model_verbs_refuse_it(model_explorer, tmp_path, capsys):
    path = save_map("atlas", tmp_path / "a.parquet", model_explorer)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{len(model_explorer.means):,} points" in out and "map:" in out and "no decoder" in out
    with pytest.raises(CheckpointError, match="embeddings only"):
        open_model(path)
