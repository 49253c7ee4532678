import os
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.projection import import_umap, project
from explorer.analysis.projection_worker import ProjectionWorker
from explorer.errors import ConfigError


def clusters(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[5.0, 0, 0, 0], [-5.0, 0, 0, 0]])
    labels = np.arange(n) % 2
    return (centers[labels] + rng.normal(size=(n, 4))).astype(np.float32), labels


def separation(points, labels) -> float:
    """Distance between the two clusters' centroids over their mean spread."""
    centroids = [points[labels == c].mean(0) for c in (0, 1)]
    spread = np.mean([points[labels == c].std(0).mean() for c in (0, 1)])
    return float(np.linalg.norm(centroids[0] - centroids[1]) / spread)


def test_pca_places_new_points_by_its_linear_map():
    points, labels = clusters()
    projection = project(points, "pca")
    assert projection.points.shape == (60, 2) and projection.head is None
    assert np.allclose(projection.transform(points[:3]), projection.points[:3], atol=1e-4)
    assert projection.info() == {"method": "pca", "params": {}, "seed": 0, "head": None, "r2": None}


@pytest.mark.parametrize("shape", [(60, 4), (500, 20), (3, 8), (40, 1)])
def test_pca_agrees_with_scikit_learn_signs_included(shape):
    from sklearn.decomposition import PCA

    points = (np.random.default_rng(1).normal(size=shape) * np.arange(1, shape[1] + 1)).astype(np.float32)
    columns = np.hstack([points, np.zeros_like(points)]) if shape[1] == 1 else points
    expected = PCA(n_components=2).fit_transform(columns)
    assert np.allclose(project(points, "pca").points, expected, atol=1e-4)


def test_umap_map_is_seeded_reports_progress_and_gets_a_head():
    points, labels = clusters(200)
    steps = []
    projection = project(points, "umap", progress=lambda fraction, text: steps.append(fraction))
    assert separation(projection.points, labels) > 3
    assert np.array_equal(projection.points, project(points, "umap").points)
    assert steps[0] == 0 and steps[-1] == 1 and steps == sorted(steps) and len(steps) > 5
    info = projection.info()
    assert info["method"] == "umap" and info["params"]["n_epochs"] == 200 and info["head"]["input_dim"] == 4
    assert info["r2"] > 0.8
    placed = projection.transform(points[:50])
    assert np.median(np.linalg.norm(placed - projection.points[:50], axis=1)) < 0.1 * np.ptp(projection.points)


def test_umap_caches_its_compiled_code_on_disk():
    project(clusters(40)[0], "umap", with_head=False)
    import_umap()
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    assert list(cache.rglob("layouts._optimize_layout_euclidean_single_epoch*.nbi"))


def test_tsne_gets_a_head_too():
    points, labels = clusters(60)
    projection = project(points, "tsne")
    assert projection.head is not None and projection.transform(points[:2]).shape == (2, 2)


def test_one_dimensional_latents_and_bad_input():
    assert project(np.arange(10.0).reshape(10, 1), "pca").points.shape == (10, 2)
    with pytest.raises(ConfigError, match="unknown projection 'mds'"):
        project(np.zeros((5, 2)), "mds")
    with pytest.raises(ConfigError, match="UMAP needs at least 30 points, got 5"):
        project(np.zeros((5, 2)), "umap")


def test_the_worker_fits_in_its_own_process_and_lives_through_errors_and_abandoned_fits():
    points, labels = clusters(200)
    worker = ProjectionWorker()
    try:
        worker.start()
        steps = []
        fitted = worker.fit(points, "umap", progress=lambda fraction, text: steps.append(text))
        assert worker.ready and "laying out" in steps
        assert np.array_equal(fitted.points, project(points, "umap").points)  # the same map, in another process
        with pytest.raises(ConfigError, match="UMAP needs at least 30 points"):
            worker.fit(points[:5], "umap")

        class Abandon(Exception):
            pass

        def abandon():
            raise Abandon

        with pytest.raises(Abandon):
            worker.fit(points, "umap", check=abandon)
        assert worker.fit(points, "pca").method == "pca"  # the abandoned fit's result was dropped
        process = worker._process
    finally:
        worker.close()
    assert process.poll() is not None and not worker.alive
