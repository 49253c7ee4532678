"""The program's entry point (``latent-explorer`` and ``python main.py``): no subcommand opens the app,
train / evaluate / export / info run the command line."""
from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except KeyboardInterrupt:  # Ctrl+C while torch or Qt is still being imported: no traceback
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`info ... | head -1`): stop quietly, as Python's docs advise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: list[str]) -> int:
    from explorer.cli import COMMANDS

    if argv and argv[0] in COMMANDS:
        from explorer.cli import main as cli_main

        return cli_main(argv)
    parser = argparse.ArgumentParser(
        prog="latent-explorer",
        description="Open the Latent Explorer app, or run a command: "
                    f"{', '.join(COMMANDS)} (see latent-explorer COMMAND --help).")
    parser.add_argument("checkpoint", nargs="?", help="a .safetensors checkpoint to open")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="open offscreen, save a screenshot of the whole window once it shows content, exit")
    args = parser.parse_args(argv)
    from explorer.gui.app import run

    return run(args.checkpoint, screenshot=args.screenshot)
