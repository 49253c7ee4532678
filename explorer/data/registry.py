"""Dataset ids shared by the CLI and the GUI, mapped to their loaders."""
from __future__ import annotations

import os

from explorer.data.base import Dataset
from explorer.errors import DataError

NOISY_DSPRITES = "dsprites-32-noisy"
COLOUR_DSPRITES = ("dsprites-color", "dsprites-32-color")
DSPRITES = ("dsprites", "dsprites-32", NOISY_DSPRITES, *COLOUR_DSPRITES)
IMAGE_DATASETS = ["digits", "mnist-5k", "mnist", "fashion-mnist", *DSPRITES]
IMAGE_FILES = ["images:DIR", "npz:FILE"]  # the user's own images: a folder of PNG/JPEG files, or arrays
TEXT_DATASETS = ["wordnet-examples", "text:PATH"]
IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist-5k": (1, 28, 28), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28),
                "dsprites": (1, 64, 64), "dsprites-32": (1, 32, 32), NOISY_DSPRITES: (1, 32, 32),
                "dsprites-color": (3, 64, 64), "dsprites-32-color": (3, 32, 32)}  # item (C, H, W)


def dataset_ids() -> list[str]:
    return IMAGE_DATASETS + IMAGE_FILES + TEXT_DATASETS


def dataset_of_shape(shape) -> str | None:
    """The first image dataset, in the order listed, whose items have ``shape``: the one an imported model that
    does not name its data is previewed on (the always-available ones come first)."""
    return next((dataset_id for dataset_id in IMAGE_DATASETS if IMAGE_SHAPES[dataset_id] == tuple(shape)), None)


def _is_own_images(dataset_id: str) -> bool:
    return dataset_id.startswith(("images:", "npz:"))


def is_named_dataset(dataset_id: str) -> bool:
    """A dataset found by its name in known places, as opposed to ``text:PATH``, which names a file. A dataset id
    read from a checkpoint is loaded by the app only when it is a named one."""
    return dataset_id in dataset_ids() and ":" not in dataset_id


def load_dataset(dataset_id: str, data_dir: str | os.PathLike | None = None, download: bool = False,
                 **text_options) -> Dataset:
    """Load a dataset by id. ``text_options`` (max_len, min_count, lowercase, ...) apply to text corpora."""
    from explorer.data import images

    if _is_own_images(dataset_id):
        from explorer.data import own_images

        if dataset_id.startswith("npz:"):
            return own_images.load_npz(dataset_id)
        return own_images.load_image_folder(dataset_id)
    if dataset_id == "digits":
        return images.load_sklearn_digits()
    if dataset_id == "mnist-5k":
        return images.load_mnist_5k()
    if dataset_id in images.IDX_DATASETS:
        return images.load_idx_dataset(dataset_id, data_dir, download)
    if dataset_id in DSPRITES:
        from explorer.data.factors import load_dsprites

        return load_dsprites(dataset_id, data_dir)
    if dataset_id == "wordnet-examples" or dataset_id.startswith("text:"):
        from explorer.data import text

        return text.load_corpus(dataset_id, data_dir=data_dir, **text_options)
    raise DataError(f"unknown dataset {dataset_id!r}; expected one of {', '.join(dataset_ids())}")


def dataset_domain(dataset_id: str) -> str | None:
    """"image" or "text" for a dataset id, without loading it; None for an id that names nothing known."""
    if dataset_id in IMAGE_DATASETS or _is_own_images(dataset_id):
        return "image"
    if dataset_id == "wordnet-examples" or dataset_id.startswith("text:"):
        return "text"
    return None
