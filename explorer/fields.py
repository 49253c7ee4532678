"""The ground floor of every declared schema: bounded field types (pydantic, no torch), strict sections, and the
``Setting`` a field carries when a user sets it, so that a model config's field is the one declaration of that
setting: its type, bounds and default here, its help and label in the Setting, and the CLI flag and form field
generated from both (``explorer.models.settings``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from explorer.limits import MAX_HIDDEN, MAX_ID_CHARS, MAX_LABEL_CHARS, MAX_LAYERS, MAX_STEPS, MAX_TOKEN_CHARS


def Int(low: int, high: int):
    return Annotated[int, Field(ge=low, le=high)]


def Real(low: float | None = None, high: float | None = None):
    return Annotated[float, Field(ge=low, le=high, allow_inf_nan=False)]


Text = Annotated[str, StringConstraints(max_length=MAX_LABEL_CHARS)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL_CHARS)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TOKEN_CHARS)]
Count = Int(0, 2**53)
Steps = Int(0, MAX_STEPS)
Probability = Real(0.0, 1.0)
Number = Union[int, float]  # information only (history, metrics): NaN and infinities allowed
Numbers = Annotated[list[Number], Field(max_length=MAX_HIDDEN)]
Scalar = Union[bool, int, float, Text, None]


ScheduleKind = Literal["constant", "linear", "logistic", "cyclical"]  # how the KL weight grows (training.schedules)
SCHEDULE_KINDS = get_args(ScheduleKind)


def Sizes(low: int = 1, high: int = MAX_HIDDEN, max_items: int = MAX_LAYERS):
    """A list of layer widths (or category counts), each within [low, high]."""
    return Annotated[list[Int(low, high)], Field(min_length=1, max_length=max_items)]


class Section(BaseModel):
    """A part of a declared document: exact types (no coercion of "3" to 3) and no field this version does not
    know."""

    model_config = ConfigDict(strict=True, extra="forbid", protected_namespaces=())


class Record(Section):
    """An open-ended record (a history row, metrics, optimizer settings): declared fields plus any other named
    number, flag, short string or list of numbers, kept as information."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[Name, Union[Scalar, Numbers]] = Field(init=False)


@dataclass(frozen=True)
class Setting:
    """Marks a config field as a setting a user chooses: a CLI flag and a form field. ``auto``: the field's value
    is chosen from the data unless given (its help says how), so its option's default is shown as auto."""

    help: str
    label: str = ""
    group: str = "basic"  # basic | advanced: where the app's form shows it
    section: str = "model"  # the CLI's group of flags
    auto: bool = False
    aliases: tuple[str, ...] = ()
    repeatable: bool = False  # a list whose flag, given twice, adds values (--discrete 10 --discrete 3)
    choice_labels: tuple[str, ...] = ()


def describe_error(exc: ValidationError, value, prefix: str = "", noun: str = "metadata field") -> str:
    """The first problem of a pydantic error as "metadata field a.b[2]: what was expected" (no input echoed;
    ``noun`` names what a path is).
    Pydantic puts the member names of a union (bool, int, ...) in an error's location; they are told apart from
    field names by walking the validated value, and listed as the accepted types."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    loc, tags = _field_path(value, first)
    if tags and tags[0][:1].isupper():  # one member of a union of sections: report the problem inside it
        loc, tags = loc + [int(t) if t.isdecimal() else t for t in tags[1:]], []
    path = prefix + "".join(f"[{part}]" if isinstance(part, int) else f".{str(part)[:60]}" for part in loc)
    path = path.lstrip(".") or "(top level)"
    if tags:
        accepted = []
        for error in errors:
            error_loc, error_tags = _field_path(value, error)
            if error_loc == loc and error_tags and error_tags[0] not in accepted:
                accepted.append(error_tags[0])
        message = f"wrong type or out of range (accepted: {', '.join(_type_name(tag) for tag in accepted)})"
    elif first["type"] == "extra_forbidden":
        message = "unknown field (this version does not know it)"
    elif first["type"] == "missing":
        message = "missing"
    else:
        message = re.sub(r" or instance of \w+", "", first["msg"].removeprefix("Value error, "))
    return f"{noun} {path}: {message}"


def _field_path(value, error: dict) -> tuple[list, list[str]]:
    """Split a pydantic error location into the path of keys and indexes into ``value`` and the union tags."""
    path, tags, loc = [], [], error["loc"]
    for position, part in enumerate(loc):
        if tags:
            tags.append(str(part))
        elif isinstance(value, dict) and isinstance(part, str) and (
                part in value or (error["type"] == "missing" and position == len(loc) - 1)):
            path.append(part)
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int):
            path.append(part)
            value = value[part] if 0 <= part < len(value) else None
        else:
            tags.append(str(part))
    return path, tags


def _type_name(tag: str) -> str:
    tag = tag.split("[")[0]
    return {"constrained-str": "str", "function-after": "object"}.get(tag, tag)
