"""Checkpoints: one self-contained .safetensors file with the weights, the optimizer state, a preview set and the
metadata (JSON in the header). Written atomically; loading validates and names what is wrong; nothing is unpickled."""
from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as serialize

import explorer
from explorer.atomic import WriteError, check_output_path, write_atomic
from explorer.errors import CheckpointError, ExplorerError
from explorer.files import open_regular
from explorer.io.header import Header, header_length, parse_header
from explorer.io.preview import (
    META_KEY,
    Preview,
    preview_from_tensors,
    preview_values_problem,
    read_metadata_and_header,
    validate_header,
)
from explorer.io.schema import ValidMeta
from explorer.limits import MAX_CHECKPOINT_BYTES
from explorer.models.base import LatentModel
from explorer.models.registry import build_model

FORMAT_VERSION = 2  # 2: optimizer states per named optimizer; 1 (one unnamed state) is still read
TORCH_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


@dataclass
class Checkpoint:
    model: LatentModel
    meta: dict
    preview: Preview | None
    optimizer_state: dict | None = None

    @property
    def dataset(self) -> dict:
        return self.meta.get("dataset", {})

    @property
    def history(self) -> list[dict]:
        return self.meta.get("history", [])

    @property
    def metrics(self) -> dict:
        return self.meta.get("metrics", {})

    @property
    def train_config(self) -> dict:
        return self.meta.get("train_config", {})

    @property
    def label(self) -> str:
        return self.meta.get("label") or self.model.config["kind"]


# Saving
def save_checkpoint(path, model: LatentModel, meta: dict, preview: Preview | None = None,
                    optimizer_state: dict | None = None) -> Path:
    """Write atomically: a temp file in the same folder, fsync, rename; the old file survives any failure, keeps
    its permissions, and a diverged model (NaN or infinite weights or test loss) is never written. The file is
    checked with the same rules as a loaded one before it is written."""
    target = _output(path)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    _refuse_diverged(path, tensors, meta.get("metrics"))
    optimizer_meta = None
    if optimizer_state is not None:
        optimizer_tensors, optimizer_meta = _flatten_optimizer(optimizer_state)
        tensors.update(optimizer_tensors)
    full_meta = dict(meta)
    full_meta.pop("map", None)  # the map belongs to the preview: a checkpoint without one has no map
    if preview is not None:
        tensors.update({f"preview.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in preview.arrays().items()})
        tensors.update({f"maphead.{k}": torch.from_numpy(np.ascontiguousarray(v))
                        for k, v in (preview.map_head or {}).items()})
        if preview.map_info is not None:
            full_meta["map"] = preview.map_info
    full_meta.update(format_version=FORMAT_VERSION, app_version=explorer.__version__,
                     created=full_meta.get("created")
                     or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                     model_config=model.config, optimizer=optimizer_meta)
    try:
        header = {META_KEY: json.dumps(full_meta, allow_nan=True)}
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"cannot save {path}: metadata is not JSON-serialisable ({exc})") from exc
    data = serialize(tensors, metadata=header)
    where = f"{path} (not saved)"
    _, valid, _ = read_metadata_and_header(where, data)
    problem = preview_values_problem(valid, preview) if preview is not None else None
    if problem:
        raise CheckpointError(f"{where}: {problem}")
    try:
        write_atomic(target, data, "checkpoint")
    except WriteError as exc:
        raise CheckpointError(str(exc).replace("cannot write", "cannot save", 1)) from None
    return Path(path)


def _output(path) -> Path:
    try:
        return check_output_path(path, "checkpoint")
    except WriteError as exc:
        raise CheckpointError(str(exc).replace("cannot write", "cannot save", 1)) from None


def _refuse_diverged(path, tensors: dict[str, torch.Tensor], metrics) -> None:
    bad = next((name for name, t in tensors.items() if t.is_floating_point() and not bool(torch.isfinite(t).all())),
               None)
    elbo = (metrics or {}).get("elbo")
    if bad is None and not (isinstance(elbo, float) and not math.isfinite(elbo)):
        return
    problem = f"weight {bad[len('model.'):]!r} holds NaN or infinite values" if bad else f"its test loss is {elbo}"
    message = f"not saving {path}: the model has diverged ({problem})"
    raise CheckpointError(message + ("; the file already there is kept" if os.path.lexists(path) else ""))


def _flatten_optimizer(states: dict[str, dict]) -> tuple[dict[str, torch.Tensor], dict]:
    """Tensors of each named optimizer's state_dict under optim.<name>.<param>.<key>; everything else as JSON."""
    tensors, meta = {}, {}
    for name, state in states.items():
        scalars = {}
        for param_id, entries in state["state"].items():
            for key, value in entries.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optim.{name}.{param_id}.{key}"] = value.detach().cpu().contiguous()
                else:
                    scalars.setdefault(str(param_id), {})[key] = value
        meta[name] = {"param_groups": state["param_groups"], "scalars": scalars}
    return tensors, meta


def _unflatten_optimizers(tensors: dict[str, torch.Tensor], meta: dict) -> dict | None:
    """{name: state_dict}: a format-2 file's named optimizers (tensors under optim.<name>.<param>.<key>), or a
    format-1 file's one optimizer as "main". The schema has checked that every tensor names a parameter of its
    optimizer."""
    if not meta.get("optimizer"):
        return None
    named = meta["format_version"] >= 2
    states = {}
    for name, entry in (meta["optimizer"].items() if named else [("", meta["optimizer"])]):
        prefix = f"optim.{name}." if named else "optim."
        state: dict[int, dict] = {}
        for key, value in tensors.items():
            if key.startswith(prefix):
                param_id, field = key[len(prefix):].split(".", 1)
                state.setdefault(int(param_id), {})[field] = value
        for param_id, entries in entry.get("scalars", {}).items():
            state.setdefault(int(param_id), {}).update(entries)
        states[name] = {"state": state, "param_groups": entry["param_groups"]}
    return states if named else {"main": states[""]}


# Loading
def read_metadata(path) -> dict:
    """The metadata alone, validated, from the header: fast, for recent-file lists and `info`."""
    path = Path(path)
    with open_regular(path, "checkpoint", MAX_CHECKPOINT_BYTES, CheckpointError) as handle:
        size = os.fstat(handle.fileno()).st_size
        head = handle.read(8)
        raw = handle.read(header_length(path, head, size))
    header = parse_header(path, raw, size)
    meta, valid = validate_header(str(path), header)
    _skeleton(path, valid, header)
    return meta


def load_checkpoint(path, device: str | torch.device = "cpu") -> Checkpoint:
    path = Path(path)
    with open_regular(path, "checkpoint", MAX_CHECKPOINT_BYTES, CheckpointError) as handle:
        data = handle.read(MAX_CHECKPOINT_BYTES + 1)
    meta, valid, header = read_metadata_and_header(str(path), data)
    model = _build(path, valid, header)
    try:
        tensors = load_tensors(data)
    except (SafetensorError, RuntimeError, ValueError) as exc:
        raise CheckpointError(f"{path} is damaged: its tensors cannot be read ({exc})") from None
    del data
    _load_weights(path, model, {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    preview = preview_from_tensors(path, valid, meta, {k: v.numpy() for k, v in tensors.items()
                                                        if k.startswith(("preview.", "maphead."))})
    return Checkpoint(model=model.to(device).eval(), meta=meta, preview=preview,
                      optimizer_state=_unflatten_optimizers(tensors, meta))


@contextlib.contextmanager
def _config_errors(path: Path):
    """Building a model from a config that passed the schema can still fail: the file's fault, not a bug."""
    try:
        yield
    except CheckpointError:
        raise
    except (ExplorerError, KeyError, TypeError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise CheckpointError(f"{path}: its model config cannot be built ({str(exc)[:200]})") from None


def _skeleton(path: Path, valid: ValidMeta, header: Header) -> None:
    """Build the model the config describes without memory (torch's meta device) and compare its weights' names,
    dtypes and shapes with the file's: a file can only make the app allocate what it holds."""
    with _config_errors(path):
        with torch.device("meta"):
            skeleton = build_model(valid.meta.model_config_)
        expected = {f"model.{name}": (TORCH_DTYPES.get(t.dtype, str(t.dtype)), tuple(t.shape))
                    for name, t in skeleton.state_dict().items()}
        found = {name: (entry.dtype, entry.shape) for name, entry in header.tensors.items()
                 if name.startswith("model.")}
        for name, (dtype, shape) in expected.items():
            if name not in found:
                raise CheckpointError(f"{path}: weight {name[6:]!r} is missing for a {skeleton.kind} model")
            if found[name] != (dtype, shape):
                raise CheckpointError(f"{path}: weight {name[6:]!r} is {found[name][0]} with shape "
                                      f"{found[name][1]}, the model's config needs {dtype} {shape}")
        extra = sorted(set(found) - set(expected))
        if extra:
            raise CheckpointError(f"{path}: unexpected weight {extra[0][6:][:80]!r} for a {skeleton.kind} model")


def _build(path: Path, valid: ValidMeta, header: Header) -> LatentModel:
    _skeleton(path, valid, header)
    with _config_errors(path):
        return build_model(valid.meta.model_config_)


def _load_weights(path: Path, model: LatentModel, weights: dict[str, torch.Tensor]) -> None:
    bad = next((name for name, tensor in weights.items() if tensor.is_floating_point()
                and not bool(torch.isfinite(tensor).all())), None)
    if bad is not None:
        raise CheckpointError(f"{path}: weight {bad!r} holds NaN or infinite values (a diverged model)")
    model.load_state_dict(weights)
