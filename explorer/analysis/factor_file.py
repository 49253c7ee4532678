"""Ground-truth factors added to the preview set of a checkpoint saved before previews carried them: the preview
items are the first items of the dataset's test split (as a run saves them); each one's factor classes are looked
up, after checking that the stored images are those items, and the file is written atomically. A read-only file is
refused untouched.

    python -m explorer.analysis.factor_file CHECKPOINT [--data-dir DIR]
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from explorer.analysis.map_file import refuse_read_only, save_with_map
from explorer.errors import CheckpointError, DataError, ExplorerError


def add_factors(path, data_dir=None) -> int:
    """Add factors to ``path``'s preview; the number of items given factors."""
    from explorer.analysis.preview import stored_inputs
    from explorer.data.registry import DSPRITES, load_dataset
    from explorer.io.checkpoint import load_checkpoint

    refuse_read_only(path)
    checkpoint = load_checkpoint(path)
    dataset_id, preview = checkpoint.dataset.get("id"), checkpoint.preview
    if dataset_id not in DSPRITES:
        raise DataError(f"{path} was trained on {dataset_id!r}; factors can be added for {', '.join(DSPRITES)}")
    if preview is None:
        raise CheckpointError(f"{path} has no preview set")
    dataset = load_dataset(dataset_id, data_dir)
    part = dataset.test.subset(slice(0, len(preview.labels)))
    if len(part) != len(preview.labels) or not np.array_equal(stored_inputs(part)[0], preview.inputs):
        raise DataError(f"{path}: its preview items are not the first {len(preview.labels)} items of the "
                        f"{dataset_id} test split, so their factors are unknown")
    preview.factors = part.factors.numpy().astype(np.int64)
    save_with_map(checkpoint, path)
    return len(part)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.analysis.factor_file",
                                     description="add ground-truth factors to a dSprites checkpoint's preview set")
    parser.add_argument("checkpoint")
    parser.add_argument("--data-dir", help="where the dSprites cache is (default: the app's data folder)")
    args = parser.parse_args(argv)
    try:
        count = add_factors(args.checkpoint, args.data_dir)
    except ExplorerError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{args.checkpoint}: factors of {count} preview items saved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
