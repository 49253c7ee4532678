import gzip
import struct

import numpy as np
import pytest
import torch

from explorer.data import images
from explorer.data.registry import load_dataset
from explorer.errors import DataError


def test_digits_split_is_fixed_and_in_unit_range(digits):
    again = load_dataset("digits")
    assert torch.equal(digits.train.y, again.train.y)
    assert digits.train.x.shape[1:] == (1, 8, 8) and digits.shape == (1, 8, 8)
    assert 0.0 <= float(digits.train.x.min()) and float(digits.train.x.max()) <= 1.0
    assert len(digits.train) + len(digits.test) == 1797
    assert digits.class_names == [str(i) for i in range(10)]


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def _fake_mnist(folder, n_train=12, n_test=4):
    rng = np.random.default_rng(0)
    _write_idx(folder / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (n_train, 28, 28)))
    _write_idx(folder / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, n_train))
    _write_idx(folder / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (n_test, 28, 28)))
    _write_idx(folder / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, n_test))


def test_idx_files_in_data_dir_load_with_the_official_split(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_DATA", str(tmp_path / "cache"))
    _fake_mnist(tmp_path)
    dataset = load_dataset("mnist", data_dir=tmp_path)
    assert (len(dataset.train), len(dataset.test)) == (12, 4)
    raw = images.read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    assert torch.allclose(dataset.train.x[0, 0], torch.as_tensor(raw[0] / 255.0, dtype=torch.float32))


def test_truncated_idx_file_is_named(tmp_path):
    _fake_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = gzip.decompress(path.read_bytes())
    with gzip.open(path, "wb") as handle:
        handle.write(data[:-100])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is truncated"):
        load_dataset("mnist", data_dir=tmp_path)


def test_missing_dataset_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(images, "DEBIAN_DIRS", {"mnist": tmp_path / "none", "fashion-mnist": tmp_path / "none"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(DataError, match="--data-dir FOLDER .* or --download"):
        load_dataset("mnist", data_dir=tmp_path / "empty")


def test_unknown_dataset_lists_the_ids():
    with pytest.raises(DataError, match="expected one of digits, mnist-5k"):
        load_dataset("cifar")
