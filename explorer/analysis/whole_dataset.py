"""The whole dataset on the map: every item of an image model's dataset (training and test) encoded and placed on
the model's map by its head (no refit), as a ModelExplorer over those items, so hovering, selection, groups and the
inspector work on any of them. The checkpoint's own preview set is what is saved; the dataset never is.

Built to hold the 737,280 items of dSprites: encoded a chunk at a time (checking for cancellation between chunks),
each chunk written into arrays allocated once (uint8 items, float32 latents and map points), so the dataset's own
tensors are the only other copy, and are dropped when it is done."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.analysis.preview import stored_inputs
from explorer.errors import ConfigError, DataError

CHUNK = 5000  # items encoded between two progress reports
LOADED = 0.05  # of the progress bar for loading the dataset


class _Columns:
    """Arrays of ``total`` rows, allocated at the first chunk (when their widths are known) and filled in order."""

    def __init__(self, total: int):
        self.total, self.filled, self.arrays = total, 0, {}

    def add(self, **chunk: np.ndarray | None) -> None:
        rows = None
        for name, values in chunk.items():
            if values is None:
                continue
            if name not in self.arrays:
                self.arrays[name] = np.empty((self.total,) + values.shape[1:], dtype=values.dtype)
            rows = len(values)
            self.arrays[name][self.filled:self.filled + rows] = values
        self.filled += rows or 0

    def get(self, name: str) -> np.ndarray | None:
        return self.arrays.get(name)


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
    parts = [dataset.train, dataset.test]
    del dataset  # its splits are freed one by one below
    total = sum(len(part) for part in parts)
    columns = _Columns(total)
    while parts:
        part = parts.pop(0)
        for start in range(0, len(part), CHUNK):
            if check is not None:
                check()
            report(LOADED + (1 - LOADED) * columns.filled / total,
                   f"encoding and placing {columns.filled:,} of {total:,}")
            chunk = part.subset(slice(start, start + CHUNK))
            posterior = encode_split(explorer.model, chunk)
            means = posterior.point().numpy().astype(np.float32)
            columns.add(inputs=stored_inputs(chunk)[0], labels=chunk.y.numpy().astype(np.int64), means=means,
                        logvars=None if posterior.logvar is None else posterior.logvar.numpy().astype(np.float32),
                        logits=torch.cat(posterior.logits, dim=1).numpy().astype(np.float32) if posterior.logits
                        else None, projection=explorer.project_new(means).astype(np.float32))
        del part
    preview = dataclasses.replace(explorer.checkpoint.preview, inputs=columns.get("inputs"),
                                  labels=columns.get("labels"), means=columns.get("means"),
                                  logvars=columns.get("logvars"), logits=columns.get("logits"),
                                  projection=columns.get("projection"), lengths=None)
    whole = ModelExplorer(dataclasses.replace(explorer.checkpoint, preview=preview))
    whole.adopt_map_of(explorer)
    whole.preview_explorer = explorer
    report(1.0, "done")
    return whole
