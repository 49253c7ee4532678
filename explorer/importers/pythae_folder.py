"""A pythae model folder (``model_config.json``, ``environment.json``, ``model.pt``; ``encoder.pkl`` and
``decoder.pkl`` when it has custom nets) rebuilt as our own model, without running anything from it.

pythae's default nets for images are one hidden layer of 512 (``Encoder_VAE_MLP``/``Encoder_AE_MLP`` and
``Decoder_AE_MLP``), which are exactly our MLP VAE (or AE) with ``hidden=[512]``: the embedding and log-variance
heads side by side are our latent head, and the decoder's sigmoid output is ours of its logits. So the model that
opens is an ordinary ``vae``/``ae`` and saves as an ordinary checkpoint. The weights are read with
``torch.load(weights_only=True)`` (tensors only); a custom net's class is named from its pickle's opcodes
(``pickled_names``) and refused, never unpickled."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError

from explorer.errors import CheckpointError
from explorer.fields import Int, Name, Section, describe_error
from explorer.files import read_json, read_regular
from explorer.importers.formats import PYTHAE_CONFIG, PYTHAE_ENVIRONMENT, PYTHAE_NETS, PYTHAE_WEIGHTS
from explorer.importers.pickled_names import pickled_class
from explorer.limits import MAX_IMAGE_SIDE, MAX_IMPORTED_WEIGHTS_BYTES, MAX_LATENT_DIM, MAX_SETTINGS_BYTES

HIDDEN = 512  # the width of pythae's default MLP nets
# pythae model classes whose default nets, prior N(0, I) and weights (encoder and decoder only) fit our VAE or AE
KINDS = {"VAEConfig": "vae", "BetaVAEConfig": "vae", "DisentangledBetaVAEConfig": "vae", "BetaTCVAEConfig": "vae",
         "IWAEConfig": "vae", "INFOVAE_MMD_Config": "vae", "AEConfig": "ae"}
MAX_PICKLE_BYTES = 64 * 2**20


class PythaeConfig(Section):
    """What model_config.json must say for the model to be rebuilt here; pythae's other fields (its loss
    weights) are read as information only."""

    model_config = ConfigDict(extra="ignore")

    name: Name
    input_dim: Annotated[list[Int(1, MAX_IMAGE_SIDE)], Field(min_length=3, max_length=3)]
    latent_dim: Int(1, MAX_LATENT_DIM)
    uses_default_encoder: bool = True
    uses_default_decoder: bool = True
    reconstruction_loss: Name = "mse"


def is_pythae_folder(folder: Path) -> bool:
    return (folder / PYTHAE_CONFIG).exists() and (folder / PYTHAE_WEIGHTS).exists()


def read_pythae_folder(folder: Path):
    """(our model holding the folder's weights, pythae's model class name); CheckpointError names what does not
    fit."""
    from explorer.models.registry import build_model, image_model_config

    config = _read_config(folder)
    read_json(folder / PYTHAE_ENVIRONMENT, "pythae environment file", MAX_SETTINGS_BYTES, CheckpointError)
    for part, file in PYTHAE_NETS.items():
        if not getattr(config, f"uses_default_{part}"):
            where = folder / file
            name = pickled_class(read_regular(where, f"pythae {part}", MAX_PICKLE_BYTES, CheckpointError), str(where))
            raise CheckpointError(f"{where}: the {part} is a custom net ({name[:120]}); only pythae's default MLP "
                                  "nets are rebuilt here (no pickle is run): export the model to ONNX instead")
    if config.input_dim[0] != 1:
        raise CheckpointError(f"{folder / PYTHAE_CONFIG}: input_dim {config.input_dim} has {config.input_dim[0]} "
                              "channels; an imported model takes greyscale images (1 channel)")
    kind = KINDS.get(config.name)
    if kind is None:
        raise CheckpointError(f"{folder / PYTHAE_CONFIG}: pythae model {config.name[:60]!r} is not one this app "
                              f"rebuilds; expected one of {', '.join(KINDS)}")
    model = build_model(image_model_config(kind, config.input_dim, latent_dim=config.latent_dim, hidden=[HIDDEN],
                                           arch="mlp", likelihood="bernoulli"))
    model.load_state_dict(_our_weights(folder / PYTHAE_WEIGHTS, model))
    return model.eval(), config.name.removesuffix("Config").removesuffix("_")


def _read_config(folder: Path) -> PythaeConfig:
    raw = read_json(folder / PYTHAE_CONFIG, "pythae model config", MAX_SETTINGS_BYTES, CheckpointError)
    try:
        return PythaeConfig.model_validate(raw)
    except ValidationError as exc:
        raise CheckpointError(f"{folder / PYTHAE_CONFIG}: {describe_error(exc, raw, noun='field')}") from None


def _pythae_weights(path: Path) -> dict:
    """model.pt's state dict: tensors by name, nothing else (torch's weights-only reader refuses any object)."""
    import pickle

    import torch

    data = read_regular(path, "pythae weights", MAX_IMPORTED_WEIGHTS_BYTES, CheckpointError)
    try:
        saved = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, ValueError, EOFError, AttributeError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a file of weights only ({str(exc).splitlines()[0][:160]})") from None
    state = saved.get("model_state_dict") if isinstance(saved, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} holds no 'model_state_dict' of weights, as pythae writes it")
    bad = next((key for key, value in state.items() if not isinstance(key, str) or not isinstance(value, torch.Tensor)),
               None)
    if bad is not None:
        raise CheckpointError(f"{path}: entry {str(bad)[:80]!r} of its state dict is not a tensor")
    return state


def _our_weights(path: Path, model) -> dict:
    """pythae's default nets' weights under our names, each checked against our model's shape."""
    import torch

    state = _pythae_weights(path)
    heads = ["encoder.embedding"] + (["encoder.log_var"] if model.has_kl else [])
    names = {"encoder_mlp.0": "encoder.layers.0.0", "decoder_mlp.0": "decoder.layers.0.0",
             "decoder_out.0": "decoder.layers.1.0"}
    expected = {f"{theirs}.{p}" for theirs in [*names.values(), *heads] for p in ("weight", "bias")}
    if set(state) != expected:
        unknown = sorted(set(state) - expected) or sorted(expected - set(state))
        raise CheckpointError(f"{path}: weight {unknown[0][:80]!r} is not one of pythae's default MLP nets' "
                              f"({', '.join(sorted(expected))})")
    ours = {f"{mine}.{p}": state[f"{theirs}.{p}"] for mine, theirs in names.items() for p in ("weight", "bias")}
    for p in ("weight", "bias"):
        ours[f"latent_head.{p}"] = torch.cat([state[f"{head}.{p}"] for head in heads])
    for name, tensor in model.state_dict().items():
        if ours[name].shape != tensor.shape or not ours[name].is_floating_point():
            raise CheckpointError(f"{path}: weight for {name!r} is {ours[name].dtype} {list(ours[name].shape)}, the "
                                  f"config needs float {list(tensor.shape)}")
        if not bool(torch.isfinite(ours[name]).all()):
            raise CheckpointError(f"{path}: weight for {name!r} holds NaN or infinite values")
    return {name: value.to(torch.float32) for name, value in ours.items()}
