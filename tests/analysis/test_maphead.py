import numpy as np
import pytest

from explorer.analysis.maphead import MapHead, fit_map_head
from explorer.io.map_meta import head_tensor_shapes


def test_a_head_learns_a_smooth_map_and_reports_held_out_r2():
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(500, 6)).astype(np.float32)
    points = np.stack([np.sin(latents[:, 0]) + latents[:, 1], latents[:, 2] * latents[:, 3]], 1)
    head, r2 = fit_map_head(latents, points)
    assert 0.8 < r2 <= 1.0
    assert {name: array.shape for name, array in head.arrays.items()} == head_tensor_shapes(head.config)
    assert all(array.dtype == np.float32 for array in head.arrays.values())
    rebuilt = MapHead(dict(head.config), {name: array.copy() for name, array in head.arrays.items()})
    assert np.array_equal(rebuilt.place(latents[:3]), head.place(latents[:3]))
    assert head.place(latents[0]).shape == (1, 2)


def test_too_few_items_give_no_r2():
    latents = np.random.default_rng(0).normal(size=(20, 3))
    head, r2 = fit_map_head(latents, latents[:, :2])
    assert r2 is None and head.place(latents).shape == (20, 2)


def test_a_map_that_cannot_be_fitted_falls_back_to_pca(monkeypatch):
    """The final save of a run must not fail for want of its UMAP: it keeps a PCA map and says so."""
    import explorer.analysis.preview as preview

    real_project = preview.project

    def failing(points, method="umap", seed=0, **kwargs):
        if method != "pca":
            raise ValueError("the fit diverged")
        return real_project(points, method, seed, **kwargs)

    monkeypatch.setattr(preview, "project", failing)
    means = np.random.default_rng(0).normal(size=(300, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="saved with a PCA map"):
        projection = preview.map_means(means, "umap")
    assert projection.method == "pca" and projection.points.shape == (300, 2)
