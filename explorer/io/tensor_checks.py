"""The checkpoint's tensors against its validated metadata: their names, dtypes and shapes from the header alone,
before a byte of tensor data is read (``check_tensors``), then the preview's and the map head's values once read.

To add a preview array: one entry in ``PREVIEW_ARRAYS``."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.errors import CheckpointError
from explorer.io.header import Header, TensorEntry
from explorer.io.map_meta import head_tensor_shapes
from explorer.io.schema import CheckpointMeta, ValidMeta
from explorer.limits import MAX_PREVIEW_ITEMS

TENSOR_PREFIXES = ("model.", "optim.", "preview.", "maphead.")


@dataclass(frozen=True)
class PreviewArray:
    """How one ``preview.NAME`` tensor must look: its dtype and its shape after the item count N."""

    dtype: str
    trailing: Callable[[ValidMeta], tuple[int, ...]]
    required: Callable[[ValidMeta], bool] = lambda valid: True


def _item_shape(valid: ValidMeta) -> tuple[int, ...]:
    """A stored item's shape: (H, W) for a grey image, (H, W, C) for colour, (T,) for text."""
    shape = tuple(valid.meta.dataset.shape)
    if valid.model.domain != "image":
        return shape
    return shape[1:] if shape[0] == 1 else shape[1:] + shape[:1]


def _continuous(valid: ValidMeta) -> int:
    return valid.model.latent_layout()[0]


def _factor_sizes(valid: ValidMeta) -> list[int]:
    """How many values each ground-truth factor of the dataset has (none without factors)."""
    return [len(factor.values) for factor in valid.meta.dataset.factors or []]


def _categories(valid: ValidMeta) -> int:
    return sum(valid.model.latent_layout()[1])


PREVIEW_ARRAYS = {
    "inputs": PreviewArray("", _item_shape),  # dtype by domain: U8 images, I64 token ids
    "labels": PreviewArray("I64", lambda valid: ()),
    # The posterior's point: continuous means, then each categorical variable's probabilities.
    "means": PreviewArray("F32", lambda valid: (_continuous(valid) + _categories(valid),)),
    "logvars": PreviewArray("F32", lambda valid: (_continuous(valid),), required=lambda valid: False),
    "logits": PreviewArray("F32", lambda valid: (_categories(valid),), required=lambda valid: _categories(valid) > 0),
    "projection": PreviewArray("F32", lambda valid: (2,)),
    "lengths": PreviewArray("I64", lambda valid: (), required=lambda valid: valid.model.domain == "text"),
    "factors": PreviewArray("I64", lambda valid: (len(_factor_sizes(valid)),), required=lambda valid: False),
}
INPUT_DTYPES = {"image": "U8", "text": "I64"}


def check_tensors(where: str, valid: ValidMeta, header: Header) -> None:
    """Names, dtypes and shapes of the tensors against the metadata, from the header alone."""
    for name in header.tensors:
        if not name.startswith(TENSOR_PREFIXES):
            raise CheckpointError(f"{where}: unexpected tensor {name[:80]!r}; tensor names start with "
                                  f"{', '.join(TENSOR_PREFIXES)}")
    _check_preview(where, valid, {name[len("preview."):]: entry for name, entry in header.tensors.items()
                                  if name.startswith("preview.")})
    _check_optimizer_tensors(where, valid.meta, [name for name in header.tensors if name.startswith("optim.")])
    if valid.meta.map is not None and not any(name.startswith("preview.") for name in header.tensors):
        raise CheckpointError(f"{where}: its metadata describes a map (map) but it has no preview set to map")
    _check_map_head(where, valid, {name[len("maphead."):]: entry for name, entry in header.tensors.items()
                                   if name.startswith("maphead.")})


def _check_map_head(where: str, valid: ValidMeta, arrays: dict[str, TensorEntry]) -> None:
    """The ``maphead.*`` tensors are exactly those of the head the ``map`` metadata describes, for this model's
    latents."""
    map_info = valid.meta.map
    head = map_info.head if map_info is not None else None
    if head is None:
        if arrays:
            raise CheckpointError(f"{where}: map head tensors without a map head in the metadata (map.head)")
        return
    width = _continuous(valid) + _categories(valid)  # the latent vector, category probabilities included
    if head.input_dim != width:
        raise CheckpointError(f"{where}: the map head takes {head.input_dim} inputs, the model's latents have "
                              f"{width}")
    expected = head_tensor_shapes(head.model_dump())
    for name, shape in expected.items():
        entry = arrays.get(name)
        if entry is None:
            raise CheckpointError(f"{where}: map head tensor {name!r} is missing")
        if entry.dtype != "F32" or entry.shape != shape:
            raise CheckpointError(f"{where}: map head tensor {name!r} is {entry.dtype} {list(entry.shape)}, "
                                  f"expected F32 {list(shape)}")
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise CheckpointError(f"{where}: unexpected map head tensor {extra[0][:80]!r}")


def _check_preview(where: str, valid: ValidMeta, arrays: dict[str, TensorEntry]) -> None:
    if not arrays:
        return
    unknown = sorted(set(arrays) - set(PREVIEW_ARRAYS))
    if unknown:
        raise CheckpointError(f"{where}: unexpected preview array {unknown[0][:80]!r}; expected "
                              f"{', '.join(PREVIEW_ARRAYS)}")
    missing = [name for name, rule in PREVIEW_ARRAYS.items() if rule.required(valid) and name not in arrays]
    if missing:
        raise CheckpointError(f"{where}: the preview set lacks {', '.join(missing)}")
    count = arrays["labels"].shape[0] if arrays["labels"].shape else 0
    if not 1 <= count <= MAX_PREVIEW_ITEMS:
        raise CheckpointError(f"{where}: the preview set must hold 1 to {MAX_PREVIEW_ITEMS:,} items, "
                              f"its labels have shape {list(arrays['labels'].shape)}")
    for name, entry in arrays.items():
        rule = PREVIEW_ARRAYS[name]
        dtype = rule.dtype or INPUT_DTYPES[valid.model.domain]
        expected = (count,) + rule.trailing(valid)
        if entry.shape[:1] != (count,):
            raise CheckpointError(f"{where}: the preview arrays differ in length: labels has {count} items, "
                                  f"{name} {entry.shape[0] if entry.shape else 0}")
        if entry.dtype != dtype or entry.shape != expected:
            raise CheckpointError(f"{where}: preview {name} is {entry.dtype} {list(entry.shape)}, expected "
                                  f"{dtype} {list(expected)}")


_OPTIMIZER_TENSOR = {1: re.compile(r"optim\.()([0-9]{1,9})\.[^.]+"),
                     2: re.compile(r"optim\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,9})\.[^.]+")}


def _check_optimizer_tensors(where: str, meta: CheckpointMeta, names: list[str]) -> None:
    """``optim.PARAM.KEY`` (format 1) or ``optim.NAME.PARAM.KEY`` (format 2), naming a parameter of its optimizer."""
    optimizers = meta.optimizers()
    for name in names:
        match = _OPTIMIZER_TENSOR[meta.format_version].fullmatch(name)
        if (match is None or match.group(1) not in optimizers
                or int(match.group(2)) not in optimizers[match.group(1)].param_ids()):
            raise CheckpointError(f"{where}: optimizer tensor {name[:80]!r} names no parameter of the optimizer "
                                  "metadata")


def preview_problem(valid: ValidMeta, arrays: dict) -> str | None:
    """What is wrong with the preview's values (not only their shapes), or None: labels within the classes, token
    ids within the vocabulary, lengths within the sentence length, finite latents and map coordinates. ``arrays``
    maps names to torch tensors or numpy arrays."""
    if not arrays:
        return None
    model, dataset = valid.model, valid.meta.dataset
    labels = arrays["labels"]
    classes = max(len(dataset.class_names), model.num_classes)
    low = 0 if model.num_classes else -1
    if len(labels) and (int(labels.min()) < low or int(labels.max()) >= max(classes, 0)):
        return (f"preview labels range from {int(labels.min())} to {int(labels.max())}, expected "
                f"{low} to {classes - 1}")
    if model.domain == "text":
        inputs, lengths = arrays["inputs"], arrays["lengths"]
        if int(inputs.min()) < 0 or int(inputs.max()) >= model.vocab_size:
            return f"preview token ids must lie in 0..{model.vocab_size - 1}"
        if int(lengths.min()) < 0 or int(lengths.max()) > inputs.shape[1]:
            return f"preview sentence lengths must lie in 0..{inputs.shape[1]}"
    if "factors" in arrays:
        problem = _factors_problem(np.asarray(arrays["factors"]), _factor_sizes(valid))
        if problem:
            return problem
    for name in ("means", "logvars", "logits", "projection"):
        if name in arrays and not _all_finite(arrays[name]):
            return f"preview {name} hold NaN or infinite values"
    return None


def _factors_problem(factors: np.ndarray, sizes: list[int]) -> str | None:
    if not sizes:
        return "the preview holds factors but the dataset metadata declares none (dataset.factors)"
    for k, size in enumerate(sizes):
        column = factors[:, k]
        if len(column) and (int(column.min()) < 0 or int(column.max()) >= size):
            return (f"preview factor {k} ranges from {int(column.min())} to {int(column.max())}, expected 0 to "
                    f"{size - 1}")
    return None


def map_head_problem(arrays: dict) -> str | None:
    """What is wrong with a map head's values, or None: every weight finite, every scale positive."""
    for name, array in arrays.items():
        if not _all_finite(array):
            return f"map head tensor {name!r} holds NaN or infinite values"
    for name in ("in_scale", "out_scale"):
        if name in arrays and not bool((np.asarray(arrays[name]) > 0).all()):
            return f"map head tensor {name!r} must be positive"
    return None


def _all_finite(array) -> bool:
    return bool(np.isfinite(np.asarray(array)).all())
