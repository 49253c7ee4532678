"""The preview set a checkpoint carries so it can be explored with no dataset: the first held-out items, their
labels, posterior means and log-variances, and a 2-D map of the means."""
from __future__ import annotations

import numpy as np
import torch

from explorer.data.base import Split
from explorer.io.checkpoint import Preview
from explorer.models.base import LatentModel

PREVIEW_SIZE = 3000


def build_preview(model: LatentModel, split: Split, size: int = PREVIEW_SIZE, map_method: str = "pca") -> Preview:
    """The first ``size`` held-out items with their posterior means, log-variances and a ``map_method`` map."""
    from explorer.analysis.metrics import posterior_stats
    from explorer.analysis.projection import project

    part = split.subset(slice(0, min(size, len(split))))
    means, logvars = posterior_stats(model, part)
    means_np = means.cpu().numpy().astype(np.float32)
    if part.lengths is None:
        inputs = (part.x[:, 0] * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
        lengths = None
    else:
        inputs = part.x.numpy().astype(np.int64)
        lengths = part.lengths.numpy().astype(np.int64)
    return Preview(
        inputs=inputs,
        labels=part.y.numpy().astype(np.int64),
        means=means_np,
        logvars=None if logvars is None else logvars.cpu().numpy().astype(np.float32),
        projection=(np.asarray(project(means_np, map_method).points, dtype=np.float32) if means_np.shape[1]
                    else np.zeros((len(means_np), 2), dtype=np.float32)),
        lengths=lengths,
    )
