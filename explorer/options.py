"""Declared settings: each option a run can take is declared once, with its type, default, bounds, help and where
it applies. The CLI's parser, the app's training form, presets and run folders are all built from declarations, so
they cannot drift apart. Nothing here imports torch or Qt."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.errors import ConfigError
from explorer.limits import MAX_LAYERS, check_range

TYPES = ("int", "float", "bool", "choice", "str", "int_list", "path")
GROUPS = ("basic", "advanced")


@dataclass(frozen=True)
class Option:
    """One setting. ``default`` None means "chosen by the model from the dataset" (shown as auto). ``kinds`` and
    ``domains`` restrict where it applies (empty: everywhere). ``low``/``high`` are inclusive bounds checked before
    anything is allocated; an int_list bounds each element and ``max_items`` its length."""

    name: str
    type: str
    default: Any
    help: str
    label: str = ""
    choices: tuple = ()
    choice_labels: tuple[str, ...] = ()  # how a form shows each choice (default: the choice itself)
    low: float | None = None
    high: float | None = None
    max_items: int = MAX_LAYERS
    group: str = "basic"
    kinds: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    section: str = "model"  # model | objective | training | data | output
    aliases: tuple[str, ...] = ()  # other names the command line accepts for it (e.g. capacity_z for capacity)
    repeatable: bool = False  # an int_list whose flag, given twice, adds values (--discrete 10 --discrete 3)

    def __post_init__(self):
        if self.type not in TYPES or self.group not in GROUPS:
            raise ValueError(f"option {self.name}: bad type {self.type!r} or group {self.group!r}")

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def flags(self) -> list[str]:
        """The command-line flags: its own, then its aliases'."""
        return [self.flag] + ["--" + alias.replace("_", "-") for alias in self.aliases]

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def choice_label(self, choice) -> str:
        return self.choice_labels[self.choices.index(choice)] if self.choice_labels else str(choice)

    def applies_to(self, kind: str, domain: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (not self.domains or domain in self.domains)

    def check(self, value: Any, flag: str | None = None) -> Any:
        """The value converted to this option's type, or ConfigError naming the flag (``flag``: the one the user
        typed, if not this option's own), the value and the limits."""
        flag = flag or self.flag
        if value is None:
            return None
        try:
            value = self._convert(value)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{flag} expects {self._expected()}, got {value!r}") from None
        items = value if self.type == "int_list" else [value]
        if self.type == "int_list" and len(value) > self.max_items:
            raise ConfigError(f"{flag} lists {len(value)} values, above the limit of {self.max_items}")
        if self.type == "choice" and value not in self.choices:
            raise ConfigError(f"{flag} must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        if self.type in ("int", "float", "int_list"):
            for item in items:
                check_range(flag, item, self.low, self.high, integer=self.type != "float")
        if self.type in ("str", "path") and not value:
            raise ConfigError(f"{flag} must not be empty")
        return value

    def _convert(self, value):
        if self.type == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return _ascii_int(value)
        if self.type == "float":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value) if not isinstance(value, str) else float(_ascii(value))
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            raise ValueError(value)
        if self.type == "int_list":
            # "10,3", [10, 3], or a flag given twice (["10", "3"], ["10,3", "5"])
            parts = [p for v in ([value] if isinstance(value, str) else list(value))
                     for p in (v.split(",") if isinstance(v, str) else [v])]
            parts = [p for p in parts if not (isinstance(p, str) and not p.strip())]
            if not parts or any(isinstance(p, bool) for p in parts):
                raise ValueError(value)
            return [_ascii_int(p) for p in parts]
        if not isinstance(value, str):
            raise ValueError(value)
        return value.strip() if self.type == "choice" else value

    def _expected(self) -> str:
        return {"int": "an integer", "float": "a number", "bool": "true or false", "choice": "one of "
                + ", ".join(map(str, self.choices)), "str": "text", "int_list": "integers separated by commas",
                "path": "a path"}[self.type]


def _ascii(text: str) -> str:
    # int("²") and float("١") succeed in Python; a command line digit must be an ASCII digit.
    text = text.strip()
    if not text.isascii():
        raise ValueError(text)
    return text


def _ascii_int(value) -> int:
    if isinstance(value, str):
        return int(_ascii(value))
    if isinstance(value, float):
        return int(value)
    return int(value)


def by_name(options) -> dict[str, Option]:
    return {option.name: option for option in options}
