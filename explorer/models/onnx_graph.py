"""An ONNX graph from a file, checked before onnxruntime sees it, and the runner onnxruntime makes of it.

A received graph is data until checked: its weights may live in external files (only ones inside the model's own
folder are read, never through a path that climbs out of it), and every tensor it declares is sized from its
shape before anything is read, so a 4-byte file cannot claim a terabyte initializer. What comes back is one
self-contained serialized graph (external data folded in), which is what a checkpoint stores.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from explorer.errors import CheckpointError
from explorer.limits import MAX_ONNX_BYTES, MAX_ONNX_TENSOR_BYTES


def checked_graph(data: bytes, where: str, folder: Path | None = None) -> bytes:
    """``data`` as one self-contained ONNX graph, or CheckpointError naming ``where`` and what is wrong. External
    weights are read from files inside ``folder`` (None: external data is refused)."""
    import onnx
    from onnx import external_data_helper

    if len(data) > MAX_ONNX_BYTES:
        raise CheckpointError(f"{where} is {len(data):,} bytes, above the limit of {MAX_ONNX_BYTES:,}")
    try:
        proto = onnx.load_model_from_string(data)
    except Exception as exc:  # noqa: BLE001 - protobuf's decode errors have no common public class
        raise CheckpointError(f"{where} is not an ONNX model ({str(exc)[:120]})") from None
    tensors = list(_declared_tensors(proto))
    total = sum(_tensor_bytes(tensor, where) for tensor in tensors)
    if total > MAX_ONNX_BYTES:
        raise CheckpointError(f"{where} declares {total:,} bytes of weights, above the limit of {MAX_ONNX_BYTES:,}")
    external = [tensor for tensor in tensors if tensor.data_location == onnx.TensorProto.EXTERNAL]
    if not external:
        return data
    if folder is None:
        raise CheckpointError(f"{where} refers to external weight files; a stored graph must hold its weights")
    for tensor in external:
        _check_external(tensor, folder, where, _tensor_bytes(tensor, where))
    try:
        external_data_helper.load_external_data_for_model(proto, str(folder))
        return proto.SerializeToString()
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{where}: its external weights cannot be read ({str(exc)[:120]})") from None


def _declared_tensors(proto):
    """Every tensor a graph declares: initializers, sparse ones and constants in node attributes, in subgraphs
    and functions too (walked without recursion)."""
    graphs = [proto.graph]
    nodes = [node for function in proto.functions for node in function.node]
    while graphs or nodes:
        if graphs:
            graph = graphs.pop()
            yield from graph.initializer
            for sparse in graph.sparse_initializer:
                yield sparse.values
                yield sparse.indices
            nodes.extend(graph.node)
            continue
        for attribute in nodes.pop().attribute:
            if attribute.HasField("t"):
                yield attribute.t
            yield from attribute.tensors
            if attribute.HasField("sparse_tensor"):
                yield attribute.sparse_tensor.values
                yield attribute.sparse_tensor.indices
            if attribute.HasField("g"):
                graphs.append(attribute.g)
            graphs.extend(attribute.graphs)


def _tensor_bytes(tensor, where: str) -> int:
    from onnx import helper

    name = repr(tensor.name[:60])
    if any(dim < 0 for dim in tensor.dims):
        raise CheckpointError(f"{where}: tensor {name} has a negative dimension {list(tensor.dims)[:8]}")
    try:
        itemsize = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{where}: tensor {name} has an unknown element type {tensor.data_type}") from None
    size = math.prod(tensor.dims) * itemsize
    if size > MAX_ONNX_TENSOR_BYTES:
        raise CheckpointError(f"{where}: tensor {name} would take {size:,} bytes, above the limit of "
                              f"{MAX_ONNX_TENSOR_BYTES:,}")
    return size


def _check_external(tensor, folder: Path, where: str, declared: int) -> None:
    """An external weight must be a regular file inside ``folder`` holding the tensor's ``declared`` bytes where
    it says."""
    info = {entry.key: entry.value for entry in tensor.external_data}
    location, name = info.get("location", ""), repr(tensor.name[:60])
    base = folder.resolve()
    target = (base / location).resolve()
    if not location or Path(location).is_absolute() or not target.is_relative_to(base) or target == base:
        raise CheckpointError(f"{where}: tensor {name} reads its weights from {location[:100]!r}, outside the "
                              "model's folder")
    try:
        size = os.stat(target).st_size if target.is_file() else None
    except OSError:
        size = None
    if size is None:
        raise CheckpointError(f"{where}: tensor {name}'s weight file {location[:100]!r} is not a regular file in "
                              "the model's folder")
    try:
        offset, length = int(info.get("offset", 0)), int(info.get("length", declared))
    except ValueError:
        raise CheckpointError(f"{where}: tensor {name} has a malformed offset or length") from None
    if offset < 0 or length < 0 or offset + length > size:
        raise CheckpointError(f"{where}: tensor {name} reads bytes {offset:,}-{offset + length:,} of "
                              f"{location[:100]!r}, which holds {size:,}")


class GraphRunner:
    """One onnxruntime session on the CPU, run on float32 arrays; its failures are the file's fault, named."""

    def __init__(self, graph: bytes, where: str, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.log_severity_level = 3  # errors are relayed in our message, not printed by onnxruntime
        self.where = where
        try:
            self.session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own unrelated exception classes
            raise CheckpointError(f"{where} cannot be run by onnxruntime ({_first_line(exc)})") from None
        self.inputs = self.session.get_inputs()
        self.outputs = len(self.session.get_outputs())
        if len(self.inputs) != 1:
            raise CheckpointError(f"{where} takes {len(self.inputs)} inputs; expected one")

    def __call__(self, array: np.ndarray) -> list[np.ndarray]:
        try:
            results = self.session.run(None, {self.inputs[0].name: np.ascontiguousarray(array, dtype=np.float32)})
        except Exception as exc:  # noqa: BLE001 - as above
            raise CheckpointError(f"{self.where} failed on a batch of shape {list(array.shape)} "
                                  f"({_first_line(exc)})") from None
        return [np.asarray(result, dtype=np.float32) for result in results]


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
