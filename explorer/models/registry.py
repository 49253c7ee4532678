"""The one registry of model kinds: each kind's config class (torch-free: validating a received file's config and
listing the settings needs no torch), and its model class, imported from where the config says when a model is
built. The built-in kinds are listed here in the order the app shows them; ``register_kind`` adds one more (the
README's example kind is one file that calls it)."""
from __future__ import annotations

import importlib
from dataclasses import replace

from pydantic import ValidationError

from explorer.errors import ConfigError, ExplorerError
from explorer.fields import describe_error
from explorer.limits import MAX_PARAMETERS
from explorer.models.config import IMAGE_CONFIGS, IMPORTED_CONFIGS, ZOO_CONFIGS, ModelConfig
from explorer.models.settings import options_of
from explorer.models.text_config import TEXT_CONFIGS
from explorer.options import Option

_CONFIGS: dict[str, type[ModelConfig]] = {cls.info.kind: cls for cls in
                                          IMAGE_CONFIGS + TEXT_CONFIGS + ZOO_CONFIGS + IMPORTED_CONFIGS}
_MODELS: dict[str, type] = {}  # kind -> model class, filled as kinds are first built


def register_kind(config_class: type[ModelConfig], model_class: type) -> None:
    """Add a kind defined outside the built-in modules: its config class and its model class."""
    _CONFIGS[config_class.info.kind] = config_class
    _MODELS[config_class.info.kind] = model_class


def unregister_kind(kind: str) -> None:
    _CONFIGS.pop(kind, None)
    _MODELS.pop(kind, None)


def kinds() -> dict[str, type[ModelConfig]]:
    """Every kind's config class, in the order the app lists them."""
    return dict(_CONFIGS)


def trainable_kinds() -> list[str]:
    """The kinds a run can train (an imported kind is only explored)."""
    return [kind for kind, cls in _CONFIGS.items() if cls.info.trainable]


def config_class(kind, error: type[ExplorerError] = ConfigError) -> type[ModelConfig]:
    if not isinstance(kind, str) or kind not in _CONFIGS:
        raise error(f"unknown model kind {repr(kind)[:60]}; expected one of {', '.join(_CONFIGS)}")
    return _CONFIGS[kind]


def model_class(kind: str):
    """The model class of a kind (its module imported on first use)."""
    if kind not in _MODELS:
        module, name = config_class(kind).info.model.split(":")
        _MODELS[kind] = getattr(importlib.import_module(module), name)
    return _MODELS[kind]


def model_classes() -> dict:
    return {kind: model_class(kind) for kind in _CONFIGS}


def validate_config(config, error: type[ExplorerError] = ConfigError) -> ModelConfig:
    """A config dict validated by its kind's class, or ``error`` naming the first field at fault."""
    if not isinstance(config, dict):
        raise error(f"a model config must be a JSON object, got {type(config).__name__}")
    cls = config_class(config.get("kind"), error)
    try:
        return cls.model_validate(config)
    except ValidationError as exc:
        raise error(f"invalid config for model kind {cls.info.kind!r}: "
                    f"{describe_error(exc, config, 'model_config')}") from None


def build_config(kind: str, dataset_info: dict, settings: dict) -> dict:
    """A new model's config for a dataset (``Dataset.describe()``) and the run's settings (None: default)."""
    cls = config_class(kind)
    if dataset_info.get("domain", "image") != cls.info.domain:
        needs = "a text corpus" if cls.info.domain == "text" else "an image dataset"
        raise ConfigError(f"model {kind!r} needs {needs}; {dataset_info.get('id')!r} is {dataset_info.get('domain')}")
    return cls.for_data(dataset_info, settings)


def build_model(config: dict):
    """Rebuild a model from its config dict (as stored in a checkpoint), validated first."""
    valid = validate_config(config)
    return model_class(valid.kind)(valid.model_dump(exclude_none=True))


def check_model_size(config: dict, error: type[ExplorerError] = ConfigError) -> int:
    """The number of weights of the model ``config`` describes, counted on torch's meta device (nothing is
    allocated); ``error`` above MAX_PARAMETERS."""
    import torch

    with torch.device("meta"):
        count = sum(parameter.numel() for parameter in build_model(config).parameters())
    if count > MAX_PARAMETERS:
        raise error(f"the model would have {count:,} weights, above the limit of {MAX_PARAMETERS:,}: choose smaller "
                    "layers")
    return count


def kind_options() -> dict[str, Option]:
    """The settings the kinds declare, each marked with the kinds that have it. A setting several kinds share must
    be declared alike (type, bounds, choices, help); where their defaults differ it is shown as auto."""
    found: dict[str, Option] = {}
    for kind, cls in _CONFIGS.items():
        for option in options_of(cls):
            known = found.get(option.name)
            if known is None:
                found[option.name] = replace(option, kinds=(kind,))
                continue
            if replace(known, kinds=(), default=None) != replace(option, default=None):
                raise ValueError(f"setting {option.name!r} of kind {kind!r} is declared unlike the same setting of "
                                 f"{', '.join(known.kinds)}")
            default = known.default if known.default == option.default else None
            found[option.name] = replace(known, kinds=known.kinds + (kind,), default=default)
    return found


def image_model_config(kind: str, input_shape, num_classes: int = 0, **settings) -> dict:
    """A new image model's config for images of ``input_shape`` (and ``num_classes`` classes)."""
    return build_config(kind, {"domain": "image", "shape": list(input_shape),
                               "class_names": [str(c) for c in range(num_classes)]}, settings)


def text_model_config(kind: str, vocab_size: int, max_len: int = 20, **settings) -> dict:
    """A new sentence model's config for a vocabulary of ``vocab_size`` tokens and sentences up to ``max_len``."""
    return build_config(kind, {"domain": "text", "vocab": range(vocab_size), "max_len": max_len}, settings)
