"""2-D maps of latent means: PCA at once, UMAP or t-SNE when asked. Each fitted projection can place new points."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.errors import ConfigError

METHODS = ("latent", "pca", "umap", "tsne")  # latent: a 2-D latent is its own map


@dataclass
class Projection:
    method: str
    points: np.ndarray  # (N, 2) float32
    fitted_on: np.ndarray  # the (N, D) latents it was fitted on
    _model: Any = None

    def transform(self, new_points: np.ndarray) -> np.ndarray:
        """Place new latents (n, D) on this map."""
        new_points = _as_2d_input(new_points)
        if self.method == "tsne":
            return _nearest_neighbour_placement(self.fitted_on, self.points, new_points)
        return np.asarray(self._model.transform(new_points), dtype=np.float32)


def configure_numba_cache() -> None:
    """Give numba (UMAP's compiler) a persistent cache so later launches skip most of the compile."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        root = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
        folder = Path(root) / "latent-explorer" / "numba"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(folder)


def project(points: np.ndarray, method: str = "pca", seed: int = 0) -> Projection:
    points = _as_2d_input(points)
    if method == "latent":
        if points.shape[1] != 2:
            raise ConfigError(f"only a 2-D latent is its own map; this one has {points.shape[1]} dimensions")
        model, result = _Identity(), points.copy()
    elif method == "pca":
        from sklearn.decomposition import PCA

        model = PCA(n_components=2, random_state=seed).fit(points)
        result = model.transform(points)
    elif method == "umap":
        configure_numba_cache()
        import umap

        model = umap.UMAP(n_components=2, n_neighbors=min(15, len(points) - 1), random_state=seed)
        result = model.fit_transform(points)
    elif method == "tsne":
        from sklearn.manifold import TSNE

        model = None
        result = TSNE(n_components=2, perplexity=min(30.0, (len(points) - 1) / 3), random_state=seed,
                      init="pca").fit_transform(points)
    else:
        raise ConfigError(f"unknown projection {method!r}; expected one of {', '.join(METHODS)}")
    return Projection(method, np.asarray(result, dtype=np.float32), points, model)


class _Identity:
    @staticmethod
    def transform(points: np.ndarray) -> np.ndarray:
        return points


def _as_2d_input(points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float32)
    if points.ndim != 2 or len(points) == 0:
        raise ConfigError(f"a projection needs a non-empty (N, D) array, got shape {points.shape}")
    if points.shape[1] == 1:  # PCA and UMAP need two features
        points = np.hstack([points, np.zeros_like(points)])
    return points


def _nearest_neighbour_placement(fitted: np.ndarray, mapped: np.ndarray, new: np.ndarray, k: int = 5) -> np.ndarray:
    """t-SNE has no transform: a new point goes to the distance-weighted mean of its k nearest fitted neighbours."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(fitted))
    distances, index = NearestNeighbors(n_neighbors=k).fit(fitted).kneighbors(new)
    weights = 1.0 / (distances + 1e-6)
    weights /= weights.sum(1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, mapped[index]).astype(np.float32)
