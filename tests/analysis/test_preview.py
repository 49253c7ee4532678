"""The preview set of a colour model: RGB items stored (N, H, W, 3), validated when read back, and turned back
into the model's input when ``evaluate`` has only the preview."""
import json

import numpy as np
import pytest
import torch

from explorer.analysis.preview import stored_inputs
from explorer.cli import main
from explorer.data import factors
from explorer.domains.image import from_uint8, to_uint8
from explorer.errors import DataError
from explorer.io.preview import read_preview
from tests.factor_toy import toy_colour_dataset, train_on_toy_factors


@pytest.fixture(scope="module")
def colour_path(tmp_path_factory):
    return train_on_toy_factors(tmp_path_factory.mktemp("colour") / "toy-colour.safetensors", epochs=2, colour=True)


def test_colour_items_are_stored_as_rgb_and_read_back(colour_path):
    test = toy_colour_dataset().test
    meta, preview = read_preview(colour_path)
    assert meta["dataset"]["shape"] == [3, 8, 8]
    assert preview.inputs.dtype == np.uint8 and preview.inputs.shape == (len(test), 8, 8, 3)
    assert np.array_equal(preview.inputs, test.x.permute(0, 2, 3, 1).numpy())
    assert len({tuple(item.reshape(-1, 3).max(0)) for item in preview.inputs}) > 1  # items of different colours


def test_stored_items_round_trip_to_the_model_input():
    test = toy_colour_dataset().test
    items, lengths = stored_inputs(test)
    assert lengths is None and items.flags.c_contiguous and items.shape[1:] == (8, 8, 3)
    assert torch.allclose(from_uint8(items), test.x.float() / 255)
    grey = test.x[:, :1].float() / 255
    assert to_uint8(grey).shape == (len(test), 8, 8)  # one channel stays (N, H, W)
    assert stored_inputs(type(test)(grey, test.y))[0].shape == (len(test), 8, 8)


def test_evaluate_encodes_the_colour_preview_when_the_data_is_missing(colour_path, monkeypatch, capsys):
    def missing(dataset_id, data_dir=None):
        raise DataError(f"{dataset_id} is not here")

    monkeypatch.setattr(factors, "load_dsprites", missing)
    capsys.readouterr()
    assert main(["evaluate", colour_path, "--json", "--nll-samples", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.isfinite(report["recon"]) and np.isfinite(report["kl"])
    assert report["evaluated_on"].startswith(f"the checkpoint's preview set ({len(toy_colour_dataset().test)} items")
