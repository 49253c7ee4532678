"""The safetensors container, checked by us before the safetensors library sees the file: an 8-byte header length,
a JSON header naming each tensor's dtype, shape and byte range, then the data. Every range must lie inside the
file, match its dtype and shape, and the ranges must tile the data without gaps or overlaps; JSON that is not an
object, repeats a key, nests too deeply or holds numbers that are too long is refused. Errors are CheckpointErrors
that name the file once."""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

from explorer.errors import CheckpointError
from explorer.files import loads_json
from explorer.limits import MAX_HEADER_BYTES, MAX_TENSORS

DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4,
               "I64": 8, "U64": 8, "F64": 8}
MAX_TENSOR_NAME = 300
MAX_DIMS = 8
_PICKLE_MAGIC = (b"PK\x03\x04", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")
NOT_A_CHECKPOINT = "not a Latent Explorer checkpoint"


@dataclass(frozen=True)
class TensorEntry:
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass
class Header:
    tensors: dict[str, TensorEntry]
    metadata: dict[str, str]
    data_start: int  # offset of the data in the file: 8 + header length


def header_length(path: Path, head: bytes, file_size: int) -> int:
    """The header's byte count from the file's first 8 bytes, after telling pickles and foreign files apart."""
    if any(head.startswith(magic) for magic in _PICKLE_MAGIC):
        raise CheckpointError(f"{path} is a PyTorch pickle (.pt/.pth), {NOT_A_CHECKPOINT}; it is never unpickled")
    if len(head) < 8:
        raise CheckpointError(f"{path} is empty or truncated ({len(head)} bytes): {NOT_A_CHECKPOINT}")
    (length,) = struct.unpack("<Q", head[:8])
    if length < 2 or length > MAX_HEADER_BYTES:
        raise CheckpointError(f"{path} is {NOT_A_CHECKPOINT} (not a safetensors file)")
    if length > file_size - 8:
        raise CheckpointError(f"{path} is truncated, or {NOT_A_CHECKPOINT}: its header needs {length:,} bytes, "
                              f"the file has {file_size - 8:,} after the length")
    return length


def parse_header(path: Path, raw: bytes, file_size: int) -> Header:
    """Validate the JSON header ``raw`` of a file of ``file_size`` bytes."""
    if not raw.startswith(b"{"):
        raise CheckpointError(f"{path} is {NOT_A_CHECKPOINT} (not a safetensors file)")
    header = loads_json(raw, f"{path} is {NOT_A_CHECKPOINT} (not a safetensors file): its header", CheckpointError)
    if not isinstance(header, dict):
        raise CheckpointError(f"{path} is {NOT_A_CHECKPOINT}: its safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise CheckpointError(f"{path}: the safetensors metadata must map names to strings")
    if len(header) > MAX_TENSORS:
        raise CheckpointError(f"{path}: {len(header):,} tensors, above the limit of {MAX_TENSORS:,}")
    data_length = file_size - 8 - len(raw)
    tensors = {name: _entry(path, name, value) for name, value in header.items()}
    position = 0
    for name, entry in sorted(tensors.items(), key=lambda item: (item[1].begin, item[1].end)):
        if entry.begin != position:
            problem = "overlaps the one before it" if entry.begin < position else "leaves a gap before it"
            raise CheckpointError(f"{path} is damaged: tensor {_name(name)} {problem} "
                                  f"(bytes {entry.begin}-{entry.end})")
        position = entry.end
    if position != data_length:
        if position > data_length:
            raise CheckpointError(f"{path} is truncated: its tensors need {position:,} bytes, the file holds "
                                  f"{data_length:,}")
        raise CheckpointError(f"{path} is damaged: {data_length - position:,} bytes after its last tensor")
    return Header(tensors=tensors, metadata=metadata, data_start=8 + len(raw))


def _entry(path: Path, name: str, value) -> TensorEntry:
    where = f"{path}: tensor {_name(name)}"
    if len(name) > MAX_TENSOR_NAME:
        raise CheckpointError(f"{path}: a tensor name is {len(name)} characters long, above {MAX_TENSOR_NAME}")
    if not isinstance(value, dict) or set(value) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"{where} must have exactly dtype, shape and data_offsets")
    dtype, shape, offsets = value["dtype"], value["shape"], value["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPE_SIZES:
        raise CheckpointError(f"{where} has dtype {_name(dtype)}; expected one of {', '.join(DTYPE_SIZES)}")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS
            or not all(_is_int(n) and 0 <= n < 2**48 for n in shape)):
        raise CheckpointError(f"{where}: its shape must be a list of at most {MAX_DIMS} non-negative integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_int(n) and 0 <= n < 2**63 for n in offsets):
        raise CheckpointError(f"{where}: its data_offsets must be two non-negative integers [begin, end]")
    begin, end = offsets
    need = math.prod(shape) * DTYPE_SIZES[dtype]
    if end - begin != need:
        raise CheckpointError(f"{where}: dtype {dtype} and shape {shape} need {need:,} bytes, its offsets give "
                              f"{end - begin:,}")
    return TensorEntry(dtype, tuple(shape), begin, end)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _name(text) -> str:
    """A name from the file, quoted, escaped and cut short for a message."""
    text = repr(text)
    return text if len(text) <= 80 else text[:77] + "..."


