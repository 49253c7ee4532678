"""What the verbs share: flags built from declared options, bounded integer lists, data-folder flags."""
from __future__ import annotations

import argparse
import re

from explorer.errors import ConfigError
from explorer.io.display import printable
from explorer.limits import check_range

MAX_MESSAGE_CHARS = 2000
_INDEX = re.compile(r"-?[0-9]+")  # ASCII digits only: int() also reads other scripts' digits, isdigit() superscripts


def is_index(text: str) -> bool:
    return bool(_INDEX.fullmatch(text.strip()))


def option_args(parser: argparse.ArgumentParser, options, group_title=lambda section: f"{section} settings",
                show_kinds: bool = True) -> None:
    """One flag per declared option, grouped by section. Values are parsed and bounded by the options themselves
    (``Option.check``), so a bad value gets the same message here as in the app's boxes and forms."""
    groups = {}
    for option in options:
        group = groups.get(option.section) or groups.setdefault(
            option.section, parser.add_argument_group(group_title(option.section)))
        default = "auto" if option.default is None else option.default
        where = f" [{', '.join(option.kinds)}]" if option.kinds and show_kinds else ""
        text = f"{option.help}{where} (default: {default})".replace("%", "%%")
        if option.type == "bool":
            group.add_argument(*option.flags, dest=option.name, action=argparse.BooleanOptionalAction, help=text)
        elif option.type == "choice":
            group.add_argument(*option.flags, dest=option.name, choices=option.choices, help=text)
        elif option.repeatable:  # --discrete 10,3 or --discrete 10 --discrete 3
            group.add_argument(*option.flags, dest=option.name, action="append", metavar=option.name.upper(),
                               help=text)
        else:
            group.add_argument(*option.flags, dest=option.name, metavar=option.name.upper(), help=text)


def sweep_args(parser: argparse.ArgumentParser) -> None:
    from explorer.training.sweep import MAX_JOBS, MAX_SEEDS
    from explorer.training.sweep_launch import LAUNCHERS

    group = parser.add_argument_group("sweep (one run folder a value and seed under --run-dir, with sweep.json)")
    group.add_argument("--sweep", metavar="OPTION=V1,V2,...",
                       help="train once for each value of a numeric setting, e.g. beta=1,2,4,8,16")
    group.add_argument("--seeds", metavar="N", help=f"seeds per value, from --seed on (1 to {MAX_SEEDS}; default 1)")
    group.add_argument("--jobs", metavar="N", help=f"trials run at once (1 to {MAX_JOBS}; default 1, with Ray as "
                                                   "many as the cluster takes)")
    group.add_argument("--launcher", choices=LAUNCHERS, help="where trials run: child processes of this command "
                                                             "(local, the default) or a Ray cluster (ray)")
    group.add_argument("--address", help="the Ray cluster's address (auto, ray://HOST:PORT, or local to start one "
                                         "here); default auto")


def data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="folder holding the dataset files")
    parser.add_argument("--download", action="store_true", help="fetch MNIST / Fashion-MNIST once from OpenML")


def int_list(text: str, name: str, low: int, high: int, max_count: int) -> list[int]:
    """Comma-separated integers, each within [low, high], at most ``max_count`` of them."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(_INDEX.fullmatch(part) for part in parts):
        raise ConfigError(f"{name} expects integers separated by commas, got {printable(text, 60)!r}")
    if not parts:
        raise ConfigError(f"{name} is empty")
    if len(parts) > max_count:
        raise ConfigError(f"{name} lists {len(parts)} values, above the limit of {max_count}")
    return [check_range(name, int(part), low, high, integer=True) for part in parts]
