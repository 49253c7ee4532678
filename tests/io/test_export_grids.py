"""Image grids at a chosen scale with row and column labels, colour grids, and σ beside the means."""
import csv

import numpy as np
import pytest
from PIL import Image

from explorer.errors import ConfigError
from explorer.io import export


def digits(n, size=8):
    return np.random.default_rng(0).integers(0, 256, (n, size, size), dtype=np.uint8)


def test_scale_enlarges_every_pixel_without_smoothing(tmp_path):
    images = digits(22)
    path = export.save_image_grid(tmp_path / "grid.png", images, ncols=11, pad=2, scale=8)
    with Image.open(path) as image:
        assert image.size == (11 * 66 + 2, 2 * 66 + 2)
        cell = np.asarray(image)[2:66, 68:132]
    assert np.array_equal(cell, images[1].repeat(8, 0).repeat(8, 1))


def test_labels_add_margins_and_leave_the_cells_as_they_were(tmp_path):
    images = digits(22)
    plain = export.grid_picture(images, 11, scale=4)
    labelled = export.grid_picture(images, 11, scale=4, row_labels=["z3  KL 1.23", "z0  KL 0.00"],
                                   col_labels=[f"{v:+.1f}σ" for v in np.linspace(-3, 3, 11)])
    extra_w, extra_h = labelled.width - plain.width, labelled.height - plain.height
    assert extra_w > 30 and extra_h > 8
    assert np.array_equal(np.asarray(labelled)[extra_h:, extra_w:], np.asarray(plain))
    margin = np.asarray(labelled)[:, :extra_w]
    assert margin.min() < 100  # the row labels are drawn in dark ink
    assert (np.asarray(labelled)[:extra_h - 1, extra_w:] < 100).any()  # and the column labels


def test_a_label_per_row_only_is_allowed(tmp_path):
    picture = export.grid_picture(digits(4), 2, scale=2, row_labels=["input", "reconstruction"])
    assert picture.height == export.grid_picture(digits(4), 2, scale=2).height


def test_long_column_labels_on_narrow_cells_shrink_then_skip_columns():
    labels = [f"value {v:+.3f}" for v in np.linspace(-3, 3, 11)]
    font, every = export._column_font(labels, 10, 16)
    widest = max(font.getlength(text) for text in labels)
    assert font.size == export.MIN_LABEL_PX and every > 1
    assert every * 10 >= widest  # labels written every `every` columns cannot overlap
    font, every = export._column_font(["A", "B"], 60, 16)
    assert font.size == 16 and every == 1


def test_colour_images_stay_colour(tmp_path):
    images = np.zeros((3, 4, 4, 3), np.uint8)
    images[..., 0] = 200
    path = export.save_image_grid(tmp_path / "c.png", images, 3, scale=2, col_labels=["a", "b", "c"])
    with Image.open(path) as image:
        assert image.mode == "RGB"
        assert tuple(np.asarray(image)[-4, 4]) == (200, 0, 0)


@pytest.mark.parametrize("scale", [0, export.MAX_GRID_SCALE + 1])
def test_a_scale_out_of_range_is_refused(tmp_path, scale):
    with pytest.raises(ConfigError, match="grid scale must be 1 to"):
        export.save_image_grid(tmp_path / "g.png", digits(2), 2, scale=scale)


def test_latents_carry_sigma_beside_the_means(tmp_path):
    means = np.arange(8, dtype=np.float32).reshape(2, 4)
    stds = np.full((2, 3), 0.5, np.float32)  # a discrete part at the end has no σ
    export.save_latents(tmp_path / "z.csv", means, np.array([0, 1]), stds=stds)
    rows = list(csv.reader(open(tmp_path / "z.csv")))
    assert rows[0] == ["index", "label", "class_name", "z0", "z1", "z2", "z3", "sigma_z0", "sigma_z1", "sigma_z2"]
    assert rows[1][3:] == ["0", "1", "2", "3", "0.5", "0.5", "0.5"]
    export.save_latents(tmp_path / "z.npz", means, np.array([0, 1]), stds=stds)
    assert np.array_equal(np.load(tmp_path / "z.npz")["stds"], stds)
