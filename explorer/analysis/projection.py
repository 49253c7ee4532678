"""2-D maps of latent means: UMAP (the default), PCA and t-SNE. A fitted map places new latents: PCA by its linear
transform, UMAP and t-SNE by a map head (``explorer.analysis.maphead``) fitted to them.

UMAP's cost is mostly numba compiling its functions, once per process, and finding nearest neighbours. Here its
compiled functions are cached on disk (umap-learn caches almost none of its own), so only the first fit on a
machine compiles; the nearest neighbours come from an exact scikit-learn search (milliseconds for a few thousand
latents, and no pynndescent compile); and the layout runs a fixed number of epochs, seeded and single-threaded, so
a map is reproducible from its recorded method, parameters and seed.
"""
from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.analysis.maphead import MapHead, fit_map_head
from explorer.errors import ConfigError
from explorer.io.map_meta import DEFAULT_METHOD, METHODS

# latent: a 2-D latent is its own map
UMAP_PARAMS = {"n_neighbors": 15, "min_dist": 0.1, "n_epochs": 200, "metric": "euclidean"}
TSNE_PARAMS = {"perplexity": 30.0, "init": "pca"}
MIN_ITEMS = {"umap": 30, "tsne": 10, "pca": 1, "latent": 1}  # below these a neighbour graph says little

Progress = Callable[[float, str], None]


@dataclass
class Projection:
    """A map of ``N`` latents: where each went, how it was computed, and how new latents are placed on it."""

    method: str
    points: np.ndarray  # (N, 2) float32
    params: dict = field(default_factory=dict)
    seed: int = 0
    head: MapHead | None = None  # UMAP and t-SNE: places new latents
    r2: float | None = None  # the head's R² on held-out latents
    linear: tuple[np.ndarray, np.ndarray] | None = None  # PCA: (mean (D,), components (D, 2))
    seconds: float = 0.0  # how long the fit took
    input_dim: int = 0  # the width of the latents it was fitted on (and places)

    def transform(self, latents) -> np.ndarray:
        """Place new latents (n, D) on this map: (n, 2) float32."""
        latents = np.atleast_2d(np.asarray(latents, dtype=np.float32))
        if self.linear is not None:
            mean, components = self.linear
            return ((_two_columns(latents) - mean) @ components).astype(np.float32)
        if self.head is None:
            raise ConfigError(f"this {METHODS.get(self.method, self.method)} map cannot place new points")
        return self.head.place(latents)

    def info(self) -> dict:
        """The checkpoint's ``map`` metadata: method, parameters, seed, the head's config and R²."""
        return {"method": self.method, "params": dict(self.params), "seed": self.seed,
                "head": None if self.head is None else dict(self.head.config), "r2": self.r2}


def configure_numba_cache() -> None:
    """Give numba (UMAP's compiler) a persistent cache, so only the first fit on a machine compiles."""
    if "NUMBA_CACHE_DIR" not in os.environ:
        root = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
        folder = Path(root) / "latent-explorer" / "numba"
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(folder)


_umap_cached = False


def import_umap():
    """umap-learn, with every numba function of its own modules set to cache its compiled code on disk."""
    global _umap_cached
    configure_numba_cache()
    import umap
    from numba.core.registry import CPUDispatcher

    if not _umap_cached:
        for module in (umap.layouts, umap.umap_, umap.utils, umap.spectral, umap.distances, umap.sparse):
            for value in vars(module).values():
                if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                    value.enable_caching()
        _umap_cached = True
    return umap


def project(points, method: str = DEFAULT_METHOD, seed: int = 0, with_head: bool = True,
            progress: Progress | None = None) -> Projection:
    """Map ``points`` (N, D) to 2-D with ``method``. UMAP and t-SNE maps get a head (``with_head``) fitted to them."""
    if method not in METHODS:
        raise ConfigError(f"unknown projection {method!r}; expected one of {', '.join(METHODS)}")
    latents = np.asarray(points, dtype=np.float32)
    if latents.ndim != 2 or len(latents) == 0 or latents.shape[1] == 0:
        raise ConfigError(f"a projection needs a non-empty (N, D) array, got shape {latents.shape}")
    if len(latents) < MIN_ITEMS[method]:
        raise ConfigError(f"{METHODS[method]} needs at least {MIN_ITEMS[method]} points, got {len(latents)}")
    from threadpoolctl import threadpool_limits

    report = progress or (lambda fraction, text: None)
    start = time.perf_counter()
    inputs = _two_columns(latents)
    # Small matrices: BLAS threads only wait for each other (a head fit ran 40x slower with two on a busy machine).
    with threadpool_limits(1):
        if method == "latent":
            projection = _latent(latents, seed)
        elif method == "pca":
            projection = _pca(inputs, seed)
        elif method == "umap":
            projection = _umap(inputs, seed, report)
        else:
            projection = _tsne(inputs, seed, report)
        if with_head and projection.linear is None:
            report(0.95, "fitting the map head")
            projection.head, projection.r2 = fit_map_head(latents, projection.points, seed)
    projection.seconds = time.perf_counter() - start
    projection.input_dim = latents.shape[1]
    report(1.0, "done")
    return projection


def _latent(latents: np.ndarray, seed: int) -> Projection:
    """A 2-D latent is its own map: the identity, which places new latents exactly."""
    if latents.shape[1] != 2:
        raise ConfigError(f"only a 2-D latent is its own map; this one has {latents.shape[1]} dimensions")
    return Projection("latent", latents.copy(), {}, seed, linear=(np.zeros(2, np.float32), np.eye(2, dtype=np.float32)))


def _pca(inputs: np.ndarray, seed: int) -> Projection:
    """The first two principal axes, by an SVD of the centred points (NumPy alone: a training process saves a PCA
    map at every snapshot and should not import scikit-learn for it). Each axis is signed so its largest loading
    is positive, as scikit-learn does, so refits of a similar model are not mirrored."""
    data = np.asarray(inputs, dtype=np.float64)
    mean = data.mean(0)
    _, _, axes = np.linalg.svd(data - mean, full_matrices=False)
    components = np.zeros((2, data.shape[1]))
    components[:len(axes[:2])] = axes[:2]
    largest = components[np.arange(2), np.abs(components).argmax(1)]
    components *= np.where(largest < 0, -1.0, 1.0)[:, None]
    points = ((data - mean) @ components.T).astype(np.float32)
    return Projection("pca", points, {}, seed, linear=(mean.astype(np.float32), components.T.astype(np.float32)))


def _umap(inputs: np.ndarray, seed: int, report: Progress) -> Projection:
    from sklearn.neighbors import NearestNeighbors

    report(0.0, "loading UMAP")
    umap = import_umap()
    params = dict(UMAP_PARAMS, n_neighbors=min(UMAP_PARAMS["n_neighbors"], len(inputs) - 1))
    report(0.02, "finding neighbours")
    distances, indices = NearestNeighbors(n_neighbors=params["n_neighbors"]).fit(inputs).kneighbors(inputs)
    epochs = _EpochProgress(lambda fraction: report(0.05 + 0.85 * fraction, "laying out"))
    reducer = umap.UMAP(n_components=2, random_state=seed, n_jobs=1, precomputed_knn=(indices, distances, None),
                        tqdm_kwds={"disable": False, "file": epochs, "bar_format": "{n} {total}\n",
                                   "mininterval": 0.1}, **params)
    with warnings.catch_warnings():
        # Placing new points is the map head's job: UMAP's own transform (which needs its kNN index) is not used.
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")
        points = reducer.fit_transform(inputs)
    return Projection("umap", np.asarray(points, dtype=np.float32), params, seed)


def _tsne(inputs: np.ndarray, seed: int, report: Progress) -> Projection:
    from sklearn.manifold import TSNE

    report(0.0, "laying out")
    params = dict(TSNE_PARAMS, perplexity=min(TSNE_PARAMS["perplexity"], (len(inputs) - 1) / 3))
    points = TSNE(n_components=2, random_state=seed, **params).fit_transform(inputs)
    return Projection("tsne", np.asarray(points, dtype=np.float32), params, seed)


class _EpochProgress:
    """A file for tqdm, which UMAP's layout reports its epochs to: "n total" lines become a fraction."""

    _count = re.compile(r"(\d+) (\d+)\s*$")

    def __init__(self, report: Callable[[float], None]):
        self._report = report

    def write(self, text: str) -> None:
        match = self._count.search(text)
        if match and int(match.group(2)):
            self._report(int(match.group(1)) / int(match.group(2)))

    def flush(self) -> None:
        pass


def _two_columns(latents: np.ndarray) -> np.ndarray:
    """PCA and UMAP need two features: a one-dimensional latent gets a zero column."""
    return np.hstack([latents, np.zeros_like(latents)]) if latents.shape[1] == 1 else latents
