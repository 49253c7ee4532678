"""Command-line front: train, evaluate, export and info over the same core functions the GUI uses, one module a
verb.

Exit codes: 0 on success, 2 for a user error (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import sys

from explorer.cli import evaluate, export, import_model, info, train
from explorer.cli.arguments import MAX_MESSAGE_CHARS
from explorer.errors import REFUSED_STATUS, ExplorerError
from explorer.io.display import printable

VERBS = {"train": train, "evaluate": evaluate, "export": export, "info": info, "import": import_model}
COMMANDS = tuple(VERBS)


class OneLineErrors(argparse.ArgumentParser):
    """A mistyped argument is reported like every other user error: one line on stderr, exit status 2."""

    def error(self, message: str):
        self.exit(REFUSED_STATUS, f"error: {printable(message, MAX_MESSAGE_CHARS)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="latent-explorer", description="Train and explore VAEs.")
    commands = parser.add_subparsers(dest="command", required=True)
    for verb in VERBS.values():
        verb.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its one-line usage error (or the help)
        return int(exc.code or 0)
    args.argv = argv
    try:
        return VERBS[args.command].run(args)
    except ExplorerError as exc:
        print(f"error: {printable(exc, MAX_MESSAGE_CHARS)}", file=sys.stderr)
        return REFUSED_STATUS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
