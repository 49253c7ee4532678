"""A checkpoint's lean copy: the same model, metadata, preview set and map without the optimizer state (a third of
a sentence model's file), for shipping a run that was kept resumable while it trained.

    python -m explorer.io.lean_copy SOURCE.safetensors TARGET.safetensors
"""
from __future__ import annotations

import argparse
import sys

from explorer.errors import ExplorerError


def lean_copy(source, target) -> None:
    from explorer.io.checkpoint import load_checkpoint, save_checkpoint

    checkpoint = load_checkpoint(source)
    save_checkpoint(target, checkpoint.model, checkpoint.meta, checkpoint.preview, None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args(argv)
    try:
        lean_copy(args.source, args.target)
    except ExplorerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
