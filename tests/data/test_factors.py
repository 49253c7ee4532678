"""dSprites regenerated from its specification: index order, shapes, positions, pooling and the cache."""
import os

import numpy as np
import pytest
import torch

from explorer.data import factors
from explorer.data.base import as_pixels
from explorer.errors import DataError


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.nonzero(image)
    return rows.mean(), cols.mean()


def test_index_order_is_the_original_one_y_fastest():
    assert factors.COUNT == 737_280
    assert factors.FACTORS.sizes == (3, 6, 40, 32, 32)
    assert factors.factor_classes(np.array([0, 1, 32, 1024, 737_279])).tolist() == [
        [0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0], [2, 5, 39, 31, 31]]
    index = np.random.default_rng(0).integers(0, factors.COUNT, 500)
    assert (factors.index_of(factors.factor_classes(index)) == index).all()


def test_positions_move_the_sprite_along_columns_for_x_and_rows_for_y():
    images = factors.render_sprite_positions("square", 1.0, 0.0)  # [x, y, row, col]
    assert images.shape == (32, 32, 64, 64)
    row0, col0 = centre_of_mass(images[0, 0])
    row_x, col_x = centre_of_mass(images[31, 0])
    row_y, col_y = centre_of_mass(images[0, 31])
    assert col_x - col0 == pytest.approx(31 * 1.25, abs=1.0) and row_x == pytest.approx(row0, abs=0.5)
    assert row_y - row0 == pytest.approx(31 * 1.25, abs=1.0) and col_y == pytest.approx(col0, abs=0.5)
    # Every position of one sprite has the same area where it is not cut by the border.
    areas = images[8:24, 8:24].sum(axis=(2, 3))
    assert areas.max() - areas.min() <= 0.1 * areas.mean()


def test_shapes_scale_and_turn():
    square_small = factors.sprite_patch("square", 0.5, 0.0).sum()
    square_big = factors.sprite_patch("square", 1.0, 0.0).sum()
    assert square_big / square_small == pytest.approx(4.0, rel=0.05)
    ellipse = factors.sprite_patch("ellipse", 1.0, 0.0)
    assert np.nonzero(ellipse.any(0))[0].size > 1.5 * np.nonzero(ellipse.any(1))[0].size  # wide at orientation 0
    turned = factors.sprite_patch("ellipse", 1.0, np.pi / 2)
    assert np.nonzero(turned.any(1))[0].size > 1.5 * np.nonzero(turned.any(0))[0].size
    heart = factors.sprite_patch("heart", 1.0, 0.0)
    assert (heart == heart[:, ::-1]).all() and not (heart == heart[::-1]).all()  # mirror-symmetric, not upside-down
    # Orientation 2π is orientation 0, as in the original files.
    assert (factors.sprite_patch("heart", 1.0, 2 * np.pi) == heart).mean() > 0.999


def test_pooling_gives_grey_levels_of_the_binary_image():
    images = factors.render_sprite_positions("heart", 0.8, 1.0)[5:7, 9]
    packed = np.packbits(images.reshape(2, -1), axis=1)
    full, pooled = factors.unpack_images(packed), factors.unpack_images(packed, 32)
    assert full.dtype == torch.uint8 and pooled.dtype == torch.float16
    assert (as_pixels(full)[:, 0].numpy() == images).all()
    expected = images.reshape(2, 32, 2, 32, 2).mean(axis=(2, 4))
    assert np.array_equal(as_pixels(pooled)[:, 0].numpy(), expected)


@pytest.fixture(scope="module")
def dsprites(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return factors.load_dsprites("dsprites-32", data_dir=root), root


def test_the_dataset_carries_its_factors_and_is_cached(dsprites):
    dataset, root = dsprites
    assert len(dataset.train) + len(dataset.test) == factors.COUNT and dataset.shape == (1, 32, 32)
    assert dataset.class_names == ["square", "ellipse", "heart"]
    assert (dataset.test.y == dataset.test.factors[:, 0]).all()
    assert dataset.describe()["factors"][2]["name"] == "orientation"
    # Each item's pixels are the image its factors index.
    truth = factors.GroundTruth.of(dataset)
    assert torch.equal(truth.images(dataset.test.factors[:50].numpy()), dataset.test.x[:50])
    assert factors.cache_path(root).stat().st_size > factors.COUNT * factors.PACKED_BYTES


def test_a_damaged_cache_is_refused_and_rebuilt(dsprites, tmp_path):
    path = factors.cache_path(tmp_path)
    path.parent.mkdir(parents=True)
    np.save(path, np.zeros((10, 512), dtype=np.uint8))
    with pytest.raises(DataError, match="expected uint8"):
        factors._read_cache(path)
    os.remove(path)
    os.mkfifo(path)
    with pytest.raises(DataError, match="FIFO"):
        factors._read_cache(path)


def test_unknown_variant_is_named():
    with pytest.raises(DataError, match="dsprites-32"):
        factors.load_dsprites("dsprites-16")


def test_noisy_variant_adds_the_same_uniform_noise_every_time():
    images = factors.render_sprite_positions("square", 1.0, 0.0)[3:5, 7]
    pooled = factors.unpack_images(np.packbits(images.reshape(2, -1), axis=1), 32)
    noisy = factors.with_noise(pooled, 64)
    assert noisy.dtype == torch.uint8 and noisy.shape == pooled.shape
    assert torch.equal(noisy, factors.with_noise(pooled, 64)) and not torch.equal(noisy, factors.with_noise(pooled, 0))
    pixels, clean = noisy.float() / 255, pooled.float()
    assert (pixels >= clean - 1 / 255).all() and (pixels[clean == 0] > 0).float().mean() > 0.99
    assert (pixels[clean == 1] == 1).all() and 0.4 < float(pixels[clean == 0].mean()) < 0.6
