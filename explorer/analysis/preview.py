"""The preview set a checkpoint carries so it can be explored with no dataset: the first held-out items, their
labels, posterior points (continuous means, category probabilities), log-variances and categorical logits, and a
2-D map of the points."""
from __future__ import annotations

import numpy as np
import torch

from explorer.data.base import Split
from explorer.io.checkpoint import Preview
from explorer.models.base import LatentModel

PREVIEW_SIZE = 3000


def build_preview(model: LatentModel, split: Split, size: int = PREVIEW_SIZE, map_method: str = "pca") -> Preview:
    """The first ``size`` held-out items with their posteriors (points, log-variances, categorical logits) and a
    ``map_method`` map of the points; a 2-D latent is its own map."""
    from explorer.analysis.metrics import encode_split
    from explorer.analysis.projection import project

    part = split.subset(slice(0, min(size, len(split))))
    posterior = encode_split(model, part)
    means_np = posterior.point().numpy().astype(np.float32)
    if part.lengths is None:
        inputs = (part.x[:, 0] * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
        lengths = None
    else:
        inputs = part.x.numpy().astype(np.int64)
        lengths = part.lengths.numpy().astype(np.int64)
    if means_np.shape[1] == 2:
        map_method = "latent"
    return Preview(
        inputs=inputs,
        labels=part.y.numpy().astype(np.int64),
        means=means_np,
        logvars=None if posterior.logvar is None else posterior.logvar.numpy().astype(np.float32),
        projection=(np.asarray(project(means_np, map_method).points, dtype=np.float32) if means_np.shape[1]
                    else np.zeros((len(means_np), 2), dtype=np.float32)),
        lengths=lengths,
        logits=torch.cat(posterior.logits, dim=1).numpy().astype(np.float32) if posterior.logits else None,
    )
