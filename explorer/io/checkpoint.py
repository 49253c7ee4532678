"""Checkpoints: one self-contained .safetensors file with the weights, the optimizer state, a preview set and the
metadata (JSON in the header). Written atomically; loading validates and names what is wrong; nothing is unpickled."""
from __future__ import annotations

import datetime
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

import explorer
from explorer.errors import CheckpointError, ExplorerError
from explorer.io.atomic import WriteError, atomic_path
from explorer.models.base import LatentModel, build_model

FORMAT_VERSION = 2  # 2: optimizer states per named optimizer; 1 (one unnamed state) is still read
META_KEY = "latent_explorer"
REQUIRED_META = ("format_version", "model_config", "dataset", "train_config", "history", "metrics")
SPECIAL_TOKENS = ("<pad>", "<unk>", "<bos>", "<eos>")
_PICKLE_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


@dataclass
class Preview:
    """Held-out items stored with a checkpoint so it can be explored without the dataset."""

    inputs: np.ndarray  # uint8 (N, H, W) images, or int64 (N, T) token ids
    labels: np.ndarray  # int64 (N,)
    means: np.ndarray  # float32 (N, D)
    logvars: np.ndarray | None  # float32 (N, D); None for deterministic encoders
    projection: np.ndarray  # float32 (N, 2)
    lengths: np.ndarray | None = None  # int64 (N,) for text

    def arrays(self) -> dict[str, np.ndarray]:
        names = ("inputs", "labels", "means", "logvars", "projection", "lengths")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


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
    """Write atomically: a temp file in the same folder, fsync, rename. The old file survives any failure."""
    path = Path(path)
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    optimizer_meta = None
    if optimizer_state is not None:
        optimizer_tensors, optimizer_meta = _flatten_optimizer(optimizer_state)
        tensors.update(optimizer_tensors)
    if preview is not None:
        tensors.update({f"preview.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in preview.arrays().items()})
    full_meta = dict(meta)
    full_meta.update(format_version=FORMAT_VERSION, app_version=explorer.__version__,
                     created=full_meta.get("created")
                     or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     model_config=model.config, optimizer=optimizer_meta)
    try:
        header = {META_KEY: json.dumps(full_meta, allow_nan=True)}
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"cannot save {path}: metadata is not JSON-serialisable ({exc})") from exc
    try:
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata=header)
    except WriteError as exc:
        raise CheckpointError(str(exc).replace("cannot write", "cannot save", 1)) from exc
    return path


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


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict, version: int) -> dict[str, dict]:
    if version < 2:  # one unnamed optimizer, tensors under optim.<param>.<key>
        meta = {"main": meta}
        tensors = {f"optim.main.{key[len('optim.'):]}": value for key, value in tensors.items()}
    states: dict[str, dict] = {}
    for name, entry in meta.items():
        state: dict[int, dict] = {}
        prefix = f"optim.{name}."
        for key, value in tensors.items():
            if key.startswith(prefix):
                param_id, tensor_name = key[len(prefix):].split(".", 1)
                state.setdefault(int(param_id), {})[tensor_name] = value
        for param_id, entries in entry.get("scalars", {}).items():
            state.setdefault(int(param_id), {}).update(entries)
        states[name] = {"state": state, "param_groups": entry["param_groups"]}
    return states


# Loading
def read_metadata(path) -> dict:
    """The metadata alone, from the header: fast, for recent-file lists and `info`."""
    path = _check_file(path)
    header = _read_header(path)
    return _parse_meta(path, header)


def load_checkpoint(path, device: str | torch.device = "cpu") -> Checkpoint:
    path = _check_file(path)
    meta = _parse_meta(path, _read_header(path))
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, RuntimeError) as exc:
        raise CheckpointError(f"{path} is damaged: its tensors cannot be read ({exc})") from exc
    try:
        model = build_model(meta["model_config"])
    except ExplorerError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    _load_weights(path, model, {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")})
    _check_vocab(path, meta, model)
    preview = _load_preview(path, {k[len("preview."):]: v for k, v in tensors.items() if k.startswith("preview.")},
                            model)
    optimizer_state = None
    if meta.get("optimizer"):
        optimizer_state = _unflatten_optimizer({k: v for k, v in tensors.items() if k.startswith("optim.")},
                                               meta["optimizer"], meta["format_version"])
    return Checkpoint(model=model.to(device).eval(), meta=meta, preview=preview, optimizer_state=optimizer_state)


def _check_file(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path} does not exist")
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    return path


def _read_header(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
            if any(head.startswith(magic) for magic in _PICKLE_MAGIC):
                raise CheckpointError(f"{path} is a PyTorch pickle (.pt/.pth), not a Latent Explorer checkpoint; "
                                      "it is never unpickled")
            if len(head) < 8:
                raise CheckpointError(f"{path} is empty or truncated ({len(head)} bytes): not a checkpoint")
            (length,) = struct.unpack("<Q", head)
            size = path.stat().st_size
            if length > min(size - 8, 100 * 2**20):
                raise CheckpointError(f"{path} is not a safetensors checkpoint, or is truncated "
                                      f"(header claims {length} bytes, file has {size})")
            header = json.loads(handle.read(length))
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} is not a safetensors checkpoint: its header is not JSON") from exc
    if not isinstance(header, dict):
        raise CheckpointError(f"{path} is not a safetensors checkpoint: malformed header")
    ends = [entry["data_offsets"][1] for key, entry in header.items() if key != "__metadata__"
            and isinstance(entry, dict) and "data_offsets" in entry]
    if ends and max(ends) > size - 8 - length:
        raise CheckpointError(f"{path} is truncated: its tensors need {max(ends)} bytes, "
                              f"the file holds {size - 8 - length}")
    return header


def _parse_meta(path: Path, header: dict) -> dict:
    raw = (header.get("__metadata__") or {}).get(META_KEY)
    if raw is None:
        raise CheckpointError(f"{path} is a safetensors file but not a Latent Explorer checkpoint "
                              f"(no '{META_KEY}' metadata)")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: its metadata is not valid JSON ({exc})") from exc
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise CheckpointError(f"{path}: metadata has no integer format_version")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{path} was written by a newer Latent Explorer (format {version}; "
                              f"this version reads up to {FORMAT_VERSION}): upgrade to open it")
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise CheckpointError(f"{path}: metadata lacks {', '.join(missing)}")
    return meta


def _load_weights(path: Path, model: LatentModel, weights: dict[str, torch.Tensor]) -> None:
    expected = model.state_dict()
    for name, tensor in expected.items():
        if name not in weights:
            raise CheckpointError(f"{path}: weight {name!r} is missing for a {model.kind} model")
        if tuple(weights[name].shape) != tuple(tensor.shape):
            raise CheckpointError(f"{path}: weight {name!r} has shape {tuple(weights[name].shape)}, "
                                  f"the model's config needs {tuple(tensor.shape)}")
    extra = sorted(set(weights) - set(expected))
    if extra:
        raise CheckpointError(f"{path}: unexpected weight {extra[0]!r} for a {model.kind} model")
    model.load_state_dict(weights)


def _check_vocab(path: Path, meta: dict, model: LatentModel) -> None:
    if model.domain != "text":
        return
    vocab = meta["dataset"].get("vocab")
    if not isinstance(vocab, list) or not all(isinstance(token, str) for token in vocab):
        raise CheckpointError(f"{path}: the vocabulary is missing or not a list of strings")
    if len(set(vocab)) != len(vocab):
        raise CheckpointError(f"{path}: the vocabulary has duplicate tokens")
    absent = [token for token in SPECIAL_TOKENS if token not in vocab]
    if absent:
        raise CheckpointError(f"{path}: the vocabulary lacks the special tokens {', '.join(absent)}")
    if len(vocab) != int(model.config["vocab_size"]):
        raise CheckpointError(f"{path}: the vocabulary has {len(vocab)} tokens, the model's embedding "
                              f"{model.config['vocab_size']}")


def _load_preview(path: Path, arrays: dict[str, torch.Tensor], model: LatentModel) -> Preview | None:
    if not arrays:
        return None
    missing = [name for name in ("inputs", "labels", "means", "projection") if name not in arrays]
    if missing:
        raise CheckpointError(f"{path}: the preview set lacks {', '.join(missing)}")
    sizes = {name: array.shape[0] for name, array in arrays.items()}
    if len(set(sizes.values())) != 1:
        raise CheckpointError(f"{path}: the preview arrays differ in length ({sizes})")
    if arrays["means"].dim() != 2 or arrays["means"].shape[1] != model.latent_dim:
        raise CheckpointError(f"{path}: preview means have shape {tuple(arrays['means'].shape)}, "
                              f"expected (N, {model.latent_dim})")
    if tuple(arrays["projection"].shape[1:]) != (2,):
        raise CheckpointError(f"{path}: preview projection must be (N, 2), got {tuple(arrays['projection'].shape)}")
    if model.domain == "text" and "lengths" not in arrays:
        raise CheckpointError(f"{path}: a text preview set needs sentence lengths")
    numpy = {name: array.numpy() for name, array in arrays.items()}
    return Preview(inputs=numpy["inputs"], labels=numpy["labels"], means=numpy["means"],
                   logvars=numpy.get("logvars"), projection=numpy["projection"], lengths=numpy.get("lengths"))
