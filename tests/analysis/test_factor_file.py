"""Factors added to the preview of a checkpoint saved without them (``python -m explorer.analysis.factor_file``)."""
import numpy as np
import pytest

from explorer.analysis import factor_file
from explorer.data import factors
from explorer.io.checkpoint import load_checkpoint, save_checkpoint
from explorer.io.preview import read_preview
from tests.factor_toy import toy_factor_dataset, train_on_toy_factors


@pytest.fixture
def without_factors(tmp_path, monkeypatch):
    path = train_on_toy_factors(tmp_path / "toy.safetensors", epochs=1)
    checkpoint = load_checkpoint(path)
    expected = checkpoint.preview.factors.copy()
    checkpoint.preview.factors = None
    save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview)
    monkeypatch.setattr(factors, "load_dsprites", toy_factor_dataset)
    return path, expected


def test_the_tool_adds_each_preview_items_factors(without_factors, capsys):
    path, expected = without_factors
    assert read_preview(path)[1].factors is None
    assert factor_file.main([path]) == 0
    assert np.array_equal(read_preview(path)[1].factors, expected)
    assert f"factors of {len(expected)} preview items saved" in capsys.readouterr().out


def test_items_that_are_not_the_test_split_are_refused_untouched(without_factors, capsys):
    path, _ = without_factors
    checkpoint = load_checkpoint(path)
    checkpoint.preview.inputs = 255 - checkpoint.preview.inputs
    save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview)
    before = open(path, "rb").read()
    assert factor_file.main([path]) == 2
    assert "are not the first" in capsys.readouterr().err
    assert open(path, "rb").read() == before


def test_a_preview_factor_out_of_range_is_refused(without_factors):
    from explorer.errors import CheckpointError

    path, expected = without_factors
    checkpoint = load_checkpoint(path)
    checkpoint.preview.factors = expected.copy()
    checkpoint.preview.factors[0, 1] = 99
    with pytest.raises(CheckpointError, match="preview factor 1 ranges from 0 to 99, expected 0 to 5"):
        save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview)
