"""The whole dataset on the map: every item of an image model's dataset (training and test) encoded and placed on
the model's map by its head (no refit), as a ModelExplorer over those items, so hovering, selection, groups and the
inspector work on any of them. The checkpoint's own preview set is what is saved; the dataset never is."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.preview import stored_inputs
from explorer.data.base import Split
from explorer.errors import ConfigError, DataError

CHUNK = 5000  # items encoded between two progress reports


def whole_dataset_explorer(explorer: ModelExplorer, progress: Callable[[float, str], None] | None = None,
                           check: Callable[[], None] | None = None) -> ModelExplorer:
    """``explorer``'s model over every item of its dataset, placed on its map. DataError when the dataset is not
    on this machine; ConfigError for a text model."""
    from explorer.analysis.metrics import encode_split
    from explorer.data.registry import is_named_dataset, load_dataset

    report = progress or (lambda fraction, text: None)
    dataset_id = str(explorer.checkpoint.dataset.get("id", ""))
    if explorer.domain_name != "image":
        raise ConfigError("the whole dataset can be mapped for image models only")
    if not is_named_dataset(dataset_id):
        raise DataError(f"the model's dataset {dataset_id!r} is not one the app can find by name")
    report(0.0, f"loading {dataset_id}")
    dataset = load_dataset(dataset_id)
    items = Split(torch.cat([dataset.train.x, dataset.test.x]), torch.cat([dataset.train.y, dataset.test.y]))
    points, logvars, logits = [], [], []
    for start in range(0, len(items), CHUNK):
        if check is not None:
            check()
        report(0.05 + 0.9 * start / len(items), f"encoding {start:,} of {len(items):,}")
        posterior = encode_split(explorer.model, items.subset(slice(start, start + CHUNK)))
        points.append(posterior.point().numpy().astype(np.float32))
        if posterior.logvar is not None:
            logvars.append(posterior.logvar.numpy().astype(np.float32))
        if posterior.logits:
            logits.append(torch.cat(posterior.logits, dim=1).numpy().astype(np.float32))
    means = np.concatenate(points)
    report(0.95, "placing on the map")
    inputs, _ = stored_inputs(items)
    preview = dataclasses.replace(explorer.checkpoint.preview, inputs=inputs, labels=items.y.numpy().astype(np.int64),
                                  means=means, logvars=np.concatenate(logvars) if logvars else None,
                                  logits=np.concatenate(logits) if logits else None,
                                  projection=explorer.project_new(means), lengths=None)
    whole = ModelExplorer(dataclasses.replace(explorer.checkpoint, preview=preview))
    whole.adopt_map_of(explorer)
    whole.preview_explorer = explorer
    report(1.0, "done")
    return whole
