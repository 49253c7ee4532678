import csv

import numpy as np
import pytest
from PIL import Image

from explorer.errors import ConfigError, ExplorerError
from explorer.io import export


def test_image_grid_png_has_the_tiled_size(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (10, 8, 8), dtype=np.uint8)
    path = export.save_image_grid(tmp_path / "grid.png", images, ncols=5, pad=2, scale=2)
    with Image.open(path) as image:
        assert image.size == (5 * 18 + 2, 2 * 18 + 2)
        assert np.array_equal(np.asarray(image)[2:18, 2:18], images[0].repeat(2, 0).repeat(2, 1))


def test_latents_csv_and_npz(tmp_path):
    means = np.arange(12, dtype=np.float32).reshape(4, 3)
    labels, projection = np.array([0, 1, 1, 0]), np.ones((4, 2))
    export.save_latents(tmp_path / "z.csv", means, labels, projection, ["zero", "one"])
    rows = list(csv.reader(open(tmp_path / "z.csv")))
    assert rows[0] == ["index", "label", "class_name", "x", "y", "z0", "z1", "z2"]
    assert rows[2][:3] == ["1", "1", "one"] and float(rows[2][-1]) == 5.0
    export.save_latents(tmp_path / "z.npz", means, labels, projection, ["zero", "one"])
    data = np.load(tmp_path / "z.npz")
    assert set(data.files) == {"means", "labels", "projection", "class_names"}
    assert np.array_equal(data["means"], means)


def test_history_csv_and_curves(tmp_path):
    history = [{"epoch": e, "train_loss": 10.0 / e, "train_recon": 9.0 / e, "train_kl": 1.0, "test_elbo": 11.0 / e,
                "test_recon": 10.0 / e, "test_kl": 1.0, "active_units": e, "kl_per_dim": [0.5, 0.5], "beta": 1.0,
                "capacity": None} for e in (1, 2, 3)]
    export.save_history_csv(tmp_path / "h.csv", history)
    rows = list(csv.DictReader(open(tmp_path / "h.csv")))
    assert len(rows) == 3 and rows[2]["kl_dim1"] == "0.5"
    path = export.save_curves_png(tmp_path / "curves.png", history)
    with Image.open(path) as image:
        assert image.size[0] > 300


def test_sentences_txt_and_csv(tmp_path):
    export.save_sentences(tmp_path / "s.txt", ["a cat .", "a dog ."])
    assert (tmp_path / "s.txt").read_text() == "a cat .\na dog .\n"
    export.save_sentences(tmp_path / "s.csv", ["a cat ."], {"step": [0]})
    assert list(csv.reader(open(tmp_path / "s.csv"))) == [["index", "sentence", "step"], ["0", "a cat .", "0"]]


def test_bad_targets_are_named(tmp_path):
    with pytest.raises(ConfigError, match="expected a .png file"):
        export.save_image_grid(tmp_path / "grid.jpg", np.zeros((1, 8, 8), np.uint8), 1)
    with pytest.raises(ExplorerError, match="folder .*missing does not exist"):
        export.save_sentences(tmp_path / "missing" / "s.txt", ["x"])
