"""A model kind's settings, read off its config class: each field that carries a ``Setting`` becomes an ``Option``
(a CLI flag and a field of the app's training form) with the field's own type, bounds, choices and default, so
nothing about a model setting is written twice. Torch-free."""
from __future__ import annotations

import types
import typing
from typing import Literal, get_args, get_origin

import annotated_types

from explorer.fields import Setting
from explorer.limits import MAX_LAYERS
from explorer.options import Option


def _without_none(annotation):
    if get_origin(annotation) in (typing.Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation


def _bounds(metadata) -> tuple[float | None, float | None, int | None]:
    low = high = max_items = None
    for item in metadata:
        for inner in getattr(item, "metadata", [item]):  # a FieldInfo carries its constraints as metadata
            if isinstance(inner, annotated_types.Ge):
                low = inner.ge
            elif isinstance(inner, annotated_types.Le):
                high = inner.le
            elif isinstance(inner, annotated_types.MaxLen):
                max_items = inner.max_length
    return low, high, max_items


def option_of(name: str, field) -> Option | None:
    """The Option of one pydantic field, or None when the field is not a user's setting."""
    setting = next((item for item in field.metadata if isinstance(item, Setting)), None)
    if setting is None:
        return None
    annotation = _without_none(field.annotation)
    low, high, max_items = _bounds(field.metadata)
    choices: tuple = ()
    if get_origin(annotation) is Literal:
        kind, choices = "choice", get_args(annotation)
    elif get_origin(annotation) is list:
        kind = "int_list"
        element = get_args(annotation)[0]
        low, high, _ = _bounds(get_args(element)[1:]) if get_origin(element) is typing.Annotated else (None,) * 3
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "float"
    else:
        raise TypeError(f"setting {name}: no option type for {annotation!r}")
    default = None if setting.auto or field.is_required() else field.get_default(call_default_factory=True)
    return Option(name, kind, default, setting.help, label=setting.label, choices=choices,
                  choice_labels=setting.choice_labels, low=low, high=high, max_items=max_items or MAX_LAYERS,
                  group=setting.group, section=setting.section, aliases=setting.aliases,
                  repeatable=setting.repeatable)


def options_of(config_class) -> tuple[Option, ...]:
    """Every setting a config class declares, in field order."""
    found = (option_of(name, field) for name, field in config_class.model_fields.items())
    return tuple(option for option in found if option is not None)
