"""The preview set a checkpoint carries (held-out items, their latents and the map of them), and reading it alone
from a file, with numpy and without torch: the app draws a checkpoint's map before the model, and torch, have
loaded. What is read is validated by the same rules as a whole checkpoint's load (metadata, tensor layout,
values); the model's own weights are checked when the model loads."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.errors import CheckpointError
from explorer.files import loads_json, open_regular
from explorer.io.header import NOT_A_CHECKPOINT, Header, header_length, parse_header
from explorer.io.schema import ValidMeta, validate_meta
from explorer.io.tensor_checks import check_tensors, map_head_problem, preview_problem
from explorer.limits import MAX_CHECKPOINT_BYTES

META_KEY = "latent_explorer"
NUMPY_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}
PREVIEW_ARRAYS = ("inputs", "labels", "means", "logvars", "projection", "lengths", "logits", "factors")


@dataclass
class Preview:
    """Held-out items stored with a checkpoint so it can be explored without the dataset, and their map."""

    inputs: np.ndarray  # uint8 (N, H, W) grey or (N, H, W, C) colour images, or int64 (N, T) token ids
    labels: np.ndarray  # int64 (N,)
    means: np.ndarray  # float32 (N, D + ΣK): the posterior's point, continuous means then category probabilities
    logvars: np.ndarray | None  # float32 (N, D); None for deterministic encoders
    projection: np.ndarray  # float32 (N, 2): the map
    lengths: np.ndarray | None = None  # int64 (N,) for text
    map_info: dict | None = None  # the checkpoint's ``map`` metadata: method, params, seed, head config, R²
    map_head: dict[str, np.ndarray] | None = None  # the map head's weights (``maphead.*``)
    logits: np.ndarray | None = None  # float32 (N, ΣK): each categorical variable's logits, side by side
    factors: np.ndarray | None = None  # int64 (N, F): each item's ground-truth factor classes, where the data has them

    def arrays(self) -> dict[str, np.ndarray]:
        """The ``preview.*`` tensors by name."""
        return {name: getattr(self, name) for name in PREVIEW_ARRAYS if getattr(self, name) is not None}

    @classmethod
    def from_arrays(cls, arrays: dict, map_info: dict | None, map_head: dict | None) -> Preview:
        return cls(inputs=arrays["inputs"], labels=arrays["labels"], means=arrays["means"],
                   logvars=arrays.get("logvars"), projection=arrays["projection"], lengths=arrays.get("lengths"),
                   map_info=map_info, map_head=map_head or None, logits=arrays.get("logits"),
                   factors=arrays.get("factors"))


def preview_values_problem(valid: ValidMeta, preview: Preview) -> str | None:
    return preview_problem(valid, preview.arrays()) or (map_head_problem(preview.map_head)
                                                        if preview.map_head else None)


def validate_header(where: str, header: Header) -> tuple[dict, ValidMeta]:
    """A parsed header's metadata, validated, and its tensors' layout checked against it."""
    raw = header.metadata.get(META_KEY)
    if raw is None:
        raise CheckpointError(f"{where} is a safetensors file but {NOT_A_CHECKPOINT} (no '{META_KEY}' metadata)")
    meta = loads_json(raw, f"{where}: its metadata", CheckpointError)
    valid = validate_meta(where, meta)
    check_tensors(where, valid, header)
    return meta, valid


def read_metadata_and_header(where: str, data: bytes) -> tuple[dict, ValidMeta, Header]:
    """Parse and validate a checkpoint held in ``data``: container, metadata, tensor layout."""
    header = parse_header(where, data[8:8 + header_length(where, data[:8], len(data))], len(data))
    return (*validate_header(where, header), header)


def read_preview(path) -> tuple[dict, Preview | None]:
    """A checkpoint's metadata and its preview set with the map, validated, without building the model."""
    path = Path(path)
    with open_regular(path, "checkpoint", MAX_CHECKPOINT_BYTES, CheckpointError) as handle:
        data = handle.read(MAX_CHECKPOINT_BYTES + 1)
    meta, valid, header = read_metadata_and_header(str(path), data)
    arrays = {name: _array(data, header, entry) for name, entry in header.tensors.items()
              if name.startswith(("preview.", "maphead."))}
    preview = preview_from_tensors(path, valid, meta, arrays)
    return meta, preview


def preview_from_tensors(path, valid: ValidMeta, meta: dict, tensors: dict) -> Preview | None:
    """The Preview from a checkpoint's ``preview.*`` and ``maphead.*`` tensors (numpy arrays or torch tensors),
    its values checked."""
    arrays = {k[len("preview."):]: np.asarray(v) for k, v in tensors.items() if k.startswith("preview.")}
    if not arrays:
        return None
    head = {k[len("maphead."):]: np.asarray(v) for k, v in tensors.items() if k.startswith("maphead.")}
    preview = Preview.from_arrays(arrays, meta.get("map"), head)
    problem = preview_values_problem(valid, preview)
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    return preview


def _array(data: bytes, header: Header, entry) -> np.ndarray:
    begin = header.data_start + entry.begin
    dtype = NUMPY_DTYPES.get(entry.dtype)
    if dtype is None:
        raise CheckpointError(f"a preview tensor has dtype {entry.dtype}, which the preview never uses")
    return np.frombuffer(data, dtype=dtype, count=int(np.prod(entry.shape)), offset=begin).reshape(entry.shape).copy()
