"""Real ONNX pairs for the tests: a torch model's encoder and decoder exported with torch.onnx.export into a
folder with its model.json, as the README tells a user to do."""
import json
import warnings
from pathlib import Path

import torch
from torch import nn


class EncoderGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        posterior = self.model.encode(x)
        return posterior.mean, posterior.logvar


class DecoderGraph(nn.Module):
    def __init__(self, model, probabilities: bool = False):
        super().__init__()
        self.model, self.probabilities = model, probabilities

    def forward(self, z):
        out = self.model.decode(z)
        return torch.sigmoid(out) if self.probabilities else out


def export(module: nn.Module, example: torch.Tensor, path: Path, outputs: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(module.eval(), (example,), str(path), input_names=["input"], output_names=outputs,
                          dynamic_axes={"input": {0: "batch"}, **{name: {0: "batch"} for name in outputs}},
                          dynamo=False)


def write_pair(model, folder: Path, dataset: str = "digits", probabilities: bool = False, **sidecar) -> Path:
    """``model`` (one of ours) as an ONNX pair in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shape = list(model.config["input_shape"])
    export(EncoderGraph(model), torch.zeros(1, *shape), folder / "encoder.onnx", ["mean", "logvar"])
    export(DecoderGraph(model, probabilities), torch.zeros(1, model.latent_dim), folder / "decoder.onnx", ["x"])
    fields = {"latent_dim": model.latent_dim, "input_shape": shape, "dataset": dataset,
              "decoder_output": "probabilities" if probabilities else "logits", **sidecar}
    (folder / "model.json").write_text(json.dumps(fields))
    return folder
