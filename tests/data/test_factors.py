"""dSprites regenerated from its specification: index order, shapes, positions, pooling and the cache."""
import os

import numpy as np
import pytest
import torch

from explorer.data import factors
from explorer.data.base import as_pixels, seeded_split
from explorer.data.registry import IMAGE_SHAPES
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


def test_colour_variant_tints_each_sprite_with_one_colour_per_item():
    images = factors.render_sprite_positions("ellipse", 1.0, 0.5)[10:13, 4]
    pooled = factors.unpack_images(np.packbits(images.reshape(3, -1), axis=1), 32)
    coloured = factors.with_colour(pooled, 64)
    assert coloured.dtype == torch.uint8 and coloured.shape == (3, 3, 32, 32)
    assert torch.equal(coloured, factors.with_colour(pooled, 64))
    assert not torch.equal(coloured, factors.with_colour(pooled, 0))
    grey = pooled[:, 0].float()
    assert (coloured.permute(0, 2, 3, 1)[grey == 0] == 0).all()  # the background stays black
    on = coloured.permute(0, 2, 3, 1)[grey == 1].float() / 255  # (pixels, 3): each item's colour
    assert ((on >= 0.5 - 1 / 255) & (on < 1.0 + 1 / 255)).all()
    per_item = coloured.float().flatten(2).amax(2) / 255  # (3 items, 3 channels)
    assert len({tuple(row) for row in per_item.tolist()}) == 3  # each item its own colour
    # a half-covered pixel is half its item's colour
    half = (grey == 0.5)
    item, row, col = (index[0] for index in torch.nonzero(half, as_tuple=True))
    assert coloured[item, :, row, col].float() / 255 == pytest.approx(per_item[item] / 2, abs=1 / 255)


def first_items_packed(count: int) -> np.ndarray:
    """The packed rows of the first ``count`` dSprites items (the first square's orientations, in index order)."""
    rows = [np.packbits(factors.render_sprite_positions("square", 0.5, float(angle)).reshape(1024, -1), axis=1)
            for angle in factors.ORIENTATIONS[:count // 1024]]
    return np.concatenate(rows)


def test_the_colour_datasets_are_rgb_and_split_like_the_grey_ones(monkeypatch):
    count = 2048
    monkeypatch.setattr(factors, "COUNT", count)
    monkeypatch.setattr(factors, "CHUNK", 700)  # several chunks, one cut inside the second orientation
    packed = first_items_packed(count)
    monkeypatch.setattr(factors, "load_packed", lambda root=None: packed)
    grey, colour = factors.load_dsprites("dsprites-32"), factors.load_dsprites("dsprites-32-color")
    assert colour.shape == (3, 32, 32) == IMAGE_SHAPES["dsprites-32-color"]
    assert colour.train.x.dtype == torch.uint8 and colour.train.x.shape[1:] == (3, 32, 32)
    assert colour.factors is factors.FACTORS and len(colour.train) + len(colour.test) == count
    train_idx, test_idx = seeded_split(count, factors.TEST_FRACTION, factors.SPLIT_SEED)
    for dataset in (grey, colour):  # every item in the row the seeded split gives it, with its own factors
        assert torch.equal(dataset.train.factors, torch.from_numpy(factors.factor_classes(train_idx.numpy())))
        assert torch.equal(dataset.test.y, dataset.test.factors[:, 0])
    expected = torch.from_numpy(packed[test_idx.numpy()])
    assert torch.equal(grey.test.x, factors.unpack_images(expected.numpy(), 32))
    # the colour image is the grey one times its item's colour
    tint = colour.test.x.float().flatten(2).amax(2) / 255
    ratio = colour.test.x.float() / 255 - grey.test.x.float() * tint[:, :, None, None]
    assert ratio.abs().max() <= 1 / 255
