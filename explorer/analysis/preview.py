"""The preview set a checkpoint carries so it can be explored with no dataset: the first held-out items, their
labels, posterior points (continuous means, category probabilities), log-variances and categorical logits, and
the map of the points (UMAP with its map head in a run's final snapshot, PCA in the snapshots taken while it
trains; a 2-D latent is its own map)."""
from __future__ import annotations

import warnings

import numpy as np
import torch

from explorer.analysis.maphead import MapHead
from explorer.analysis.projection import DEFAULT_METHOD, MIN_ITEMS, Projection, project
from explorer.analysis.projection_worker import ProjectionWorkerError
from explorer.data.base import Split, as_pixels
from explorer.domains.image import to_uint8
from explorer.io.preview import Preview
from explorer.models.base import LatentModel

PREVIEW_SIZE = 3000
SNAPSHOT_METHOD = "pca"  # while a run trains: instant, and what the app shows for each epoch's snapshot


def encode_preview(model: LatentModel, split: Split, size: int = PREVIEW_SIZE) -> Preview:
    """The first ``size`` held-out items with their posteriors (points, log-variances, categorical logits), without
    a map yet (``set_map(preview, preview_map(preview.means, ...))`` gives it one)."""
    from explorer.analysis.metrics import encode_split

    part = split.subset(slice(0, min(size, len(split))))
    posterior = encode_split(model, part)
    means_np, logvars = posterior.point().numpy().astype(np.float32), posterior.logvar
    inputs, lengths = stored_inputs(part)
    return Preview(inputs=inputs, labels=part.y.numpy().astype(np.int64), means=means_np,
                   logvars=None if logvars is None else logvars.cpu().numpy().astype(np.float32),
                   projection=np.zeros((len(means_np), 2), dtype=np.float32), lengths=lengths,
                   logits=torch.cat(posterior.logits, dim=1).numpy().astype(np.float32) if posterior.logits else None,
                   factors=None if part.factors is None else part.factors.numpy().astype(np.int64))


def preview_map(means: np.ndarray, method: str = DEFAULT_METHOD, worker=None, seed: int = 0) -> Projection | None:
    """The map a preview of these points gets: ``method``'s, the latent itself when it is 2-D, none for a model
    without latents (a language model)."""
    if not means.shape[1]:
        return None
    return map_means(means, "latent" if means.shape[1] == 2 else method, worker, seed)


def stored_inputs(part: Split) -> tuple[np.ndarray, np.ndarray | None]:
    """Items as a preview stores them: uint8 images (N, H, W) grey or (N, H, W, C) colour, or int64 token ids
    (N, T) with their lengths."""
    if part.lengths is None:
        return np.ascontiguousarray(to_uint8(as_pixels(part.x))), None
    return part.x.numpy().astype(np.int64), part.lengths.numpy().astype(np.int64)


def map_means(means: np.ndarray, method: str = DEFAULT_METHOD, worker=None, seed: int = 0) -> Projection:
    """The map of a preview's means by ``method`` (PCA when there are too few items for it, or when the fit
    fails: a model is never left unsaved for want of its map)."""
    if len(means) < MIN_ITEMS[method]:
        method = "pca"
    if method in ("pca", "latent"):  # those take no time and cannot fail on finite means
        return project(means, method, seed)
    try:
        if worker is not None:
            try:
                return worker.fit(means, method, seed)
            except ProjectionWorkerError:  # the worker process could not run: fit here instead
                pass
        return project(means, method, seed)
    except Exception as exc:  # noqa: BLE001 - any failure of the fitting library, relayed or raised here
        warnings.warn(f"the {method} map could not be fitted ({type(exc).__name__}: {exc}); saved with a PCA map",
                      stacklevel=2)
        return project(means, "pca", seed)


def stored_map(preview: Preview) -> Projection | None:
    """The map a checkpoint carries, able to place new latents when it has a head; None for a map that places
    them by a refit (a PCA) or a file without map metadata."""
    info = preview.map_info
    if info is None or info.get("head") is None or not preview.map_head:
        return None
    return Projection(info["method"], np.asarray(preview.projection, dtype=np.float32), dict(info.get("params", {})),
                      int(info.get("seed") or 0), head=MapHead(dict(info["head"]), dict(preview.map_head)),
                      r2=info.get("r2"), input_dim=int(info["head"]["input_dim"]))


def set_map(preview: Preview, projection: Projection | None) -> None:
    """Make ``projection`` the preview's map: its points, its metadata and its head's weights (None: no map)."""
    if projection is None:
        return
    preview.projection = np.asarray(projection.points, dtype=np.float32)
    preview.map_info = projection.info()
    preview.map_head = None if projection.head is None else dict(projection.head.arrays)
