"""Hostile ONNX pairs: weight files outside the folder, huge initializers, absurd sidecars, graphs that are not
what they claim. Each gets one clear message naming the file, nothing is written, nothing hangs."""
import json
import os
import shutil

import numpy as np
import pytest
import torch

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from explorer.cli import main  # noqa: E402
from explorer.errors import CheckpointError  # noqa: E402
from explorer.importers.opening import open_model, save_imported  # noqa: E402
from explorer.io.checkpoint import load_checkpoint  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402
from tests.onnx_pairs import write_pair  # noqa: E402
from tests.security.conftest import rewrite_meta  # noqa: E402


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return write_pair(tiny_model().eval(), tmp_path_factory.mktemp("hostile") / "pair")


@pytest.fixture
def copy(pair, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(pair, target)
    return target


def _refused(path, pattern):
    with pytest.raises(CheckpointError, match=pattern):
        open_model(path)


def _external(copy, location: str, tmp_path):
    """The decoder with its weights moved to an external file, then its location pointed at ``location``."""
    proto = onnx.load(copy / "decoder.onnx")
    onnx.save_model(proto, copy / "decoder.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)
    proto = onnx.load(copy / "decoder.onnx", load_external_data=False)
    for tensor in proto.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    onnx.save_model(proto, copy / "decoder.onnx")
    return copy


def test_external_weights_inside_the_folder_are_read(copy, tmp_path):
    _external(copy, "weights.bin", tmp_path)
    z = torch.randn(2, 4)
    assert open_model(copy).model.decode(z).shape == (2, 1, 8, 8)


@pytest.mark.parametrize("where", ["../outside.bin", "/etc/passwd", "sub/../../outside.bin"])
def test_external_weights_outside_the_folder_are_refused(copy, tmp_path, where):
    shutil.copy(copy / "encoder.onnx", tmp_path / "outside.bin")
    _external(copy, where, tmp_path)
    _refused(copy, "outside the model's folder")


def test_a_symlink_out_of_the_folder_is_refused(copy, tmp_path):
    _external(copy, "weights.bin", tmp_path)
    os.replace(copy / "weights.bin", tmp_path / "moved.bin")
    os.symlink(tmp_path / "moved.bin", copy / "weights.bin")
    _refused(copy, "outside the model's folder")


def _graph_with(tensor, copy):
    node = helper.make_node("Identity", ["input"], ["x"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])], [tensor])
    onnx.save_model(helper.make_model(graph), copy / "decoder.onnx")


def test_a_huge_initializer_is_refused_before_it_is_read(copy):
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[100_000, 100_000],
                       data_location=TensorProto.EXTERNAL)
    huge.external_data.add(key="location", value="weights.bin")
    (copy / "weights.bin").write_bytes(b"\0" * 16)
    _graph_with(huge, copy)
    _refused(copy, r"tensor 'huge' would take 40,000,000,000 bytes, above the limit")


def test_a_constant_hidden_in_a_node_is_sized_too(copy):
    node = helper.make_node("Constant", [], ["c"], value=TensorProto(name="big", data_type=TensorProto.DOUBLE,
                                                                        dims=[2**40]))
    graph = helper.make_graph([node, helper.make_node("Identity", ["input"], ["x"])], "g",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])])
    onnx.save_model(helper.make_model(graph), copy / "decoder.onnx")
    _refused(copy, "tensor 'big' would take")


def test_external_bytes_past_the_end_of_the_file_are_refused(copy):
    weights = numpy_helper.from_array(np.zeros((4, 4), np.float32), "w")
    weights.ClearField("raw_data")
    weights.data_location = TensorProto.EXTERNAL
    weights.external_data.add(key="location", value="weights.bin")
    weights.external_data.add(key="offset", value="1000")
    (copy / "weights.bin").write_bytes(b"\0" * 64)
    _graph_with(weights, copy)
    _refused(copy, r"reads bytes 1,000-1,064 of 'weights.bin', which holds 64")


def test_bytes_that_are_not_onnx_are_refused(copy):
    (copy / "encoder.onnx").write_bytes(b"\x08\x07garbage that is not protobuf" * 10)
    _refused(copy, r"encoder.onnx (is not an ONNX model|cannot be run by onnxruntime)")


@pytest.mark.parametrize("change,pattern", [
    ({"latent_dim": 10**9}, r"model.json: field latent_dim: .*less than or equal to 1024"),
    ({"input_shape": [1, 50_000, 50_000]}, r"field input_shape\[1\]"),
    ({"input_shape": [3, 8, 8]}, "greyscale"),
    ({"dataset": "/etc/passwd"}, "field dataset"),
    ({"latent_dim": "4"}, "field latent_dim"),
    ({"run_this": "import os"}, "unknown field"),
])
def test_an_absurd_sidecar_is_refused_naming_the_field(copy, change, pattern):
    sidecar = json.loads((copy / "model.json").read_text())
    (copy / "model.json").write_text(json.dumps({**sidecar, **change}))
    _refused(copy, pattern)


def test_a_sidecar_that_lies_about_the_latent_size_is_caught_by_the_probe(copy):
    sidecar = json.loads((copy / "model.json").read_text())
    (copy / "model.json").write_text(json.dumps({**sidecar, "latent_dim": 5}))
    _refused(copy, r"encoder's ONNX graph gives \[\[2, 4\], \[2, 4\]\] .* expected a mean and a log-variance")


def test_a_folder_that_is_neither_format_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    _refused(tmp_path, "is a folder, but not a model: expected an ONNX pair")
    (tmp_path / "encoder.onnx").write_bytes(b"")
    _refused(tmp_path, "model.json does not exist")


def test_a_checkpoint_whose_stored_graph_was_swapped_is_refused(pair, tmp_path):
    saved = save_imported(open_model(pair), tmp_path / "ok.safetensors", method="pca")
    blob = bytearray(saved.read_bytes())
    graph = (pair / "encoder.onnx").read_bytes()
    start = bytes(blob).find(graph[:64])
    blob[start:start + len(graph)] = b"\xff" * len(graph)
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="encoder's ONNX graph"):
        load_checkpoint(damaged)
    bigger = rewrite_meta(saved, tmp_path / "bigger.safetensors",
                          lambda meta: meta["model_config"].update(encoder_bytes=2**40))
    with pytest.raises(CheckpointError, match="encoder_bytes"):
        load_checkpoint(bigger)


def test_import_writes_nothing_for_a_hostile_folder(copy, tmp_path, capsys):
    (copy / "decoder.onnx").write_bytes(b"not onnx")
    out = tmp_path / "never.safetensors"
    assert main(["import", str(copy), "--out", str(out)]) == 2
    assert "decoder.onnx" in capsys.readouterr().err and not out.exists()
    assert list(tmp_path.glob("*.tmp*")) == []
