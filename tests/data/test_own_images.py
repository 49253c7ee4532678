"""The user's own images: a folder of PNG/JPEG files labelled by sub-folder, and an npz of arrays, loaded by id as
every dataset is, and trained on."""
import numpy as np
import pytest
import torch
from PIL import Image

from explorer.cli import main
from explorer.data.own_images import load_image_folder
from explorer.data.registry import IMAGE_DATASETS, IMAGE_SHAPES, dataset_domain, dataset_ids, load_dataset
from explorer.io.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def image_folder(digits, tmp_path_factory):
    """The first 60 digits written as PNG (classes 0-2 in sub-folders) and JPEG files, 8x8 grey."""
    folder = tmp_path_factory.mktemp("own") / "images"
    pixels = (digits.train.x[:60, 0].numpy() * 255).astype(np.uint8)
    for i, (image, label) in enumerate(zip(pixels, digits.train.y[:60].tolist())):
        target = folder / f"class-{label % 3}"
        target.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(target / (f"{i}.png" if i % 2 else f"{i}.jpg"))
    return folder


def test_an_image_folder_is_a_dataset_labelled_by_its_sub_folders(image_folder):
    dataset = load_image_folder(f"images:{image_folder}", size=16)
    assert dataset.class_names == ["class-0", "class-1", "class-2"] and dataset.shape == (1, 16, 16)
    assert len(dataset.train) + len(dataset.test) == 60 and len(dataset.test) == 6
    assert dataset.train.x.dtype == torch.uint8 and set(dataset.train.y.tolist()) <= {0, 1, 2}
    assert dataset_domain(f"images:{image_folder}") == "image" and "images:DIR" in dataset_ids()


def test_png_pixels_come_back_as_written(tmp_path):
    pixels = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels[::-1].copy()).save(tmp_path / "b.png")
    dataset = load_image_folder(f"images:{tmp_path}", size=8)
    both = torch.cat([dataset.train.x, dataset.test.x])[:, 0].numpy()
    assert sorted(map(bytes, both)) == sorted([bytes(pixels), bytes(pixels[::-1].copy())])
    assert dataset.class_names == [] and (dataset.train.y == -1).all()


def test_an_npz_with_labels_and_factors(tmp_path, digits):
    x = digits.train.x[:40, 0].numpy()
    y = digits.train.y[:40].numpy()
    factors = np.stack([y % 2, y % 5], axis=1)
    path = tmp_path / "data.npz"
    np.savez_compressed(path, x=x, y=y, factors=factors, factor_names=np.array(["parity", "mod5"]))
    dataset = load_dataset(f"npz:{path}")
    assert dataset.shape == (1, 8, 8) and dataset.class_names == [str(i) for i in range(int(y.max()) + 1)]
    assert dataset.factors.names == ("parity", "mod5") and dataset.factors.sizes == (2, 5)
    assert dataset.train.factors.shape == (36, 2)
    assert torch.allclose(torch.sort(torch.cat([dataset.train.x, dataset.test.x]).flatten()).values,
                          torch.sort(torch.from_numpy(x).flatten()).values)


def test_train_on_an_image_folder_and_evaluate_it(image_folder, tmp_path, capsys):
    out = tmp_path / "own.safetensors"
    assert main(["train", "--dataset", f"images:{image_folder}", "--latent-dim", "2", "--hidden", "16", "--epochs",
                 "1", "--out", str(out)]) == 0
    checkpoint = load_checkpoint(out)
    assert checkpoint.dataset["shape"] == [1, 28, 28] and checkpoint.dataset["id"] == f"images:{image_folder}"
    capsys.readouterr()
    assert main(["evaluate", str(out), "--dataset", f"images:{image_folder}", "--json"]) == 0
    assert '"elbo"' in capsys.readouterr().out


def test_every_image_dataset_declares_its_shape():
    assert set(IMAGE_SHAPES) == set(IMAGE_DATASETS)
