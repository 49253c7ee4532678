"""An ONNX pair's folder: ``encoder.onnx`` (x -> mean, log-variance), ``decoder.onnx`` (z -> pixel logits or
probabilities) and ``model.json``, the sidecar that says what they expect (validated by ``OnnxSidecar``)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError

from explorer.data.registry import IMAGE_DATASETS
from explorer.errors import CheckpointError
from explorer.fields import Int, Section, Text, describe_error
from explorer.files import read_json, read_regular
from explorer.importers.formats import ONNX_DECODER, ONNX_ENCODER, ONNX_SIDECAR
from explorer.limits import MAX_IMAGE_SIDE, MAX_LATENT_DIM, MAX_ONNX_BYTES
from explorer.models.config import DECODER_OUTPUTS
from explorer.models.onnx_graph import checked_graph


class OnnxSidecar(Section):
    """model.json: the latent size, the image shape the encoder takes (C, H, W), what the decoder gives, and the
    named dataset whose held-out items make the preview set."""

    latent_dim: Int(1, MAX_LATENT_DIM)
    input_shape: Annotated[list[Int(1, MAX_IMAGE_SIDE)], Field(min_length=3, max_length=3)]
    likelihood: Literal["bernoulli"] = "bernoulli"
    decoder_output: Literal[DECODER_OUTPUTS] = "logits"
    dataset: Literal[tuple(IMAGE_DATASETS)]
    label: Text | None = None


def is_onnx_folder(folder: Path) -> bool:
    return (folder / ONNX_ENCODER).exists() or (folder / ONNX_DECODER).exists()


def read_onnx_folder(folder: Path):
    """(the OnnxPairModel, the sidecar) of an ONNX pair's folder, every part checked; CheckpointError names the
    file at fault."""
    from explorer.models.onnx_pair import OnnxPairModel

    raw = read_json(folder / ONNX_SIDECAR, "ONNX pair's sidecar", error=CheckpointError)
    try:
        sidecar = OnnxSidecar.model_validate(raw)
    except ValidationError as exc:
        raise CheckpointError(f"{folder / ONNX_SIDECAR}: {describe_error(exc, raw, noun='field')}") from None
    graphs = [checked_graph(read_regular(folder / name, "ONNX graph", MAX_ONNX_BYTES, CheckpointError),
                            str(folder / name), folder) for name in (ONNX_ENCODER, ONNX_DECODER)]
    config = {"kind": "onnx-pair", "latent_dim": sidecar.latent_dim, "input_shape": list(sidecar.input_shape),
              "decoder_output": sidecar.decoder_output}
    try:
        OnnxPairModel.Config.model_validate(dict(config, encoder_bytes=len(graphs[0]), decoder_bytes=len(graphs[1])))
    except ValidationError as exc:
        raise CheckpointError(f"{folder / ONNX_SIDECAR}: {describe_error(exc, config, noun='field')}") from None
    return OnnxPairModel.from_graphs(config, *graphs), sidecar
