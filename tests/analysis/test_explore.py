"""ModelExplorer: what every screen and export shows, computed from a checkpoint."""
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.explore import ModelExplorer
from explorer.errors import ConfigError
from explorer.training.run import RunSpec, TrainingRun

CORPUS = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


def run(kind, dataset="digits", latent_dim=4, **options):
    spec = RunSpec.create(model=kind, dataset=dataset, latent_dim=latent_dim, epochs=2, batch_size=64, device="cpu",
                          **options)
    return ModelExplorer(TrainingRun(spec).execute())


@pytest.fixture(scope="module")
def vae():
    return run("vae", hidden=[32])


@pytest.fixture(scope="module")
def cvae():
    return run("cvae", hidden=[32], learned_prior=True)


def test_preview_and_posterior(vae):
    assert vae.means.shape == (359, 4) and vae.projection.shape == (359, 2) and vae.items([0, 1]).shape == (2, 8, 8)
    mean, std, kl = vae.posterior(3)
    assert np.allclose(mean, vae.means[3]) and (std > 0).all() and (kl >= 0).all()
    assert sorted(vae.dims_by_kl) == [0, 1, 2, 3]
    assert vae.kl_per_dim[vae.dims_by_kl[0]] >= vae.kl_per_dim[vae.dims_by_kl[-1]]


def test_traversal_grid_has_one_row_per_dim(vae):
    items, values = vae.traversal(vae.means[0], [0, 2], mode="sigma", steps=7)
    assert items.shape == (14, 8, 8) and values.shape == (2, 7)
    assert len({item.tobytes() for item in items}) > 7
    _, quantiles = vae.traversal(vae.origin(), [1], mode="quantiles", steps=5)
    assert quantiles[0, 0] == pytest.approx(-1.6449, abs=1e-3)
    _, data = vae.traversal(vae.origin(), [1], mode="data", steps=3)
    assert data[0, 0] == pytest.approx(vae.means[:, 1].min()) and data[0, -1] == pytest.approx(vae.means[:, 1].max())


def test_interpolation_ends_reconstruct_a_and_b(vae):
    for method in ("lerp", "slerp"):
        items, path = vae.interpolation(vae.means[5], vae.means[9], steps=6, method=method)
        assert len(items) == 6 and path.shape == (6, 4)
        assert np.array_equal(items[0], vae.reconstruct(5)[0]) and np.array_equal(items[-1], vae.reconstruct(9)[0])


def test_samples_are_seeded(vae):
    assert np.array_equal(vae.samples(5, seed=3), vae.samples(5, seed=3))
    assert not np.array_equal(vae.samples(5, seed=3), vae.samples(5, seed=4))
    assert not np.array_equal(vae.samples(5, temperature=0.1, seed=3), vae.samples(5, temperature=2.0, seed=3))


def test_arithmetic_nearest_and_placement(vae):
    assert vae.analogy(vae.means[0], vae.means[1], vae.means[2]).shape == (1, 8, 8)
    same = vae.attribute(vae.means[0], 1, 2, strength=0.0)
    assert np.array_equal(same[0], vae.reconstruct(0)[0])
    index, distances = vae.nearest(vae.means[7], k=3)
    assert index[0] == 7 and distances[0] == 0 and len(index) == 3
    assert vae.encode_items(vae.items([4])).shape == (1, 4)


def test_a_run_saves_a_umap_map_whose_head_places_new_latents(vae):
    assert vae.map_method == "umap" and vae.map_in_file
    assert vae.checkpoint.preview.map_info["params"]["n_neighbors"] == 15 and vae.map_r2 > 0.5
    placed = vae.project_new(vae.means)
    extent = np.ptp(vae.projection, axis=0).max()
    assert np.median(np.linalg.norm(placed - vae.projection, axis=1)) < 0.1 * extent


def test_cvae_class_swap_and_per_class_samples(cvae):
    row = cvae.class_swap(cvae.means[0])
    assert row.shape == (10, 8, 8) and len({item.tobytes() for item in row}) > 1
    assert cvae.samples(4, class_index=3, seed=0).shape == (4, 8, 8)
    with pytest.raises(ConfigError, match="one class at a time"):
        cvae.samples(4)
    with pytest.raises(ConfigError, match="class index out of range"):
        cvae.decode(cvae.means[:1], 12)


def test_plain_vae_refuses_class_swap(vae):
    with pytest.raises(ConfigError, match="conditional model"):
        vae.class_swap(vae.means[0])


def test_sentence_explorer_renders_text_and_length_buckets():
    explorer = run("sentence-vae", dataset=CORPUS, embed_dim=16, hidden_dim=32,
                   min_count=1, max_len=12)
    assert explorer.domain_name == "text"
    assert all(isinstance(s, str) for s in explorer.items([0, 1]))
    z = explorer.encode_items(["the cat sat on the mat .", "the dog sat on the rug ."])
    sentences, path = explorer.interpolation(z[0], z[1], steps=4)
    assert len(sentences) == 4 and path.shape == (4, 4)
    buckets, names = explorer.length_buckets()
    assert len(buckets) == len(explorer.means) and names[0] == "1-5 words"
