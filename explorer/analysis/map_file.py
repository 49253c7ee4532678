"""A map saved into a checkpoint written without one (before maps were computed at save): the same map and head a
run's final save computes, written atomically over the file. A read-only file is refused untouched.

    python -m explorer.analysis.map_file CHECKPOINT...   (adds a UMAP map to each file that has none)
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from explorer.analysis.preview import map_means, set_map
from explorer.analysis.projection import DEFAULT_METHOD, METHODS, Projection
from explorer.atomic import WriteError
from explorer.errors import CheckpointError, ExplorerError


def refuse_read_only(path) -> None:
    """Raise WriteError when ``path`` exists and is read-only (its mode, or this user's rights)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not os.access(path, os.W_OK) or not stat.S_IMODE(mode) & 0o222:
        raise WriteError(f"{path} is read-only: the map was not saved into it")


def save_with_map(checkpoint, path) -> Path:
    """Write ``checkpoint`` (its preview holding the map to keep) over ``path``, atomically."""
    from explorer.io.checkpoint import save_checkpoint

    refuse_read_only(path)
    return save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview, checkpoint.optimizer_state)


def add_map(path, worker=None, method: str = DEFAULT_METHOD, seed: int = 0) -> Projection:
    """Compute the map of ``path``'s preview set (in ``worker``, a ProjectionWorker, when given) and save it, with
    its head, into the file."""
    from explorer.io.checkpoint import load_checkpoint

    refuse_read_only(path)
    checkpoint = load_checkpoint(path)
    preview = checkpoint.preview
    if preview is None or not preview.means.shape[1]:
        raise CheckpointError(f"{path} has no preview set with latents to map")
    projection = map_means(preview.means, method, worker, seed)
    set_map(preview, projection)
    save_with_map(checkpoint, path)
    return projection


def main(argv: list[str] | None = None) -> int:
    from explorer.io.checkpoint import read_metadata

    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    for path in paths:
        try:
            method = (read_metadata(path).get("map") or {}).get("method")
            if method in (DEFAULT_METHOD, "latent"):  # a 2-D latent is its own map
                print(f"{path}: has its {METHODS[method]} map already")
                continue
            projection = add_map(path)
        except ExplorerError as error:
            print(error, file=sys.stderr)
            return 2
        r2 = "none" if projection.r2 is None else f"{projection.r2:.3f}"
        print(f"{path}: {METHODS[projection.method]} map of {len(projection.points)} items saved "
              f"({projection.seconds:.1f} s; map head R² on held-out latents {r2})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
