import numpy as np
import pytest

from explorer.analysis.projection import configure_numba_cache, project
from explorer.errors import ConfigError


def clusters(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[5.0, 0, 0, 0], [-5.0, 0, 0, 0]])
    labels = np.arange(n) % 2
    return centers[labels] + rng.normal(size=(n, 4)), labels


def test_pca_maps_and_places_new_points():
    points, labels = clusters()
    projection = project(points, "pca")
    assert projection.points.shape == (60, 2)
    placed = projection.transform(points[:3])
    assert np.allclose(placed, projection.points[:3], atol=1e-4)


def test_tsne_places_new_points_near_their_neighbours():
    points, labels = clusters()
    projection = project(points, "tsne")
    placed = projection.transform(points[:1] + 0.01)
    distances = np.linalg.norm(projection.points - placed, axis=1)
    assert labels[np.argmin(distances)] == labels[0]


def test_one_dimensional_latents_and_bad_input():
    assert project(np.arange(10.0).reshape(10, 1), "pca").points.shape == (10, 2)
    with pytest.raises(ConfigError, match="unknown projection 'mds'"):
        project(np.zeros((5, 2)), "mds")


@pytest.mark.slow
def test_umap_separates_clusters_and_transforms(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    configure_numba_cache()
    points, labels = clusters(200)
    projection = project(points, "umap")
    centroid = [projection.points[labels == c].mean(0) for c in (0, 1)]
    assert np.linalg.norm(centroid[0] - centroid[1]) > 2.0
    assert projection.transform(points[:2]).shape == (2, 2)
