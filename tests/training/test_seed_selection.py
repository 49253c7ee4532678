"""Choosing a seed without labels: the lowest test loss, or the most balanced categorical code (the entropy of the
mean q(c|x) over log K, read from a checkpoint's preview)."""
import math

import numpy as np
import pytest

from explorer.analysis.preview import encode_preview
from explorer.errors import ConfigError
from explorer.io.checkpoint import save_checkpoint
from explorer.models.registry import build_config, build_model
from explorer.training.seed_selection import code_balance, pick, run_scores


def test_balance_is_one_for_an_evenly_used_code_and_zero_for_a_collapsed_one():
    even = np.tile(np.eye(4) * 50, (3, 1))
    collapsed = np.tile([[50.0, 0, 0, 0]], (12, 1))
    assert code_balance(even, [4]) == pytest.approx(1.0) and code_balance(collapsed, [4]) == pytest.approx(0, abs=1e-6)
    two = np.concatenate([even, collapsed[:, :3]], axis=1)  # a 4-way and a 3-way variable
    assert code_balance(two, [4, 3]) == pytest.approx(0.5, abs=1e-6)
    half = np.tile(np.eye(4)[:2] * 50, (3, 1))  # two of four categories used
    assert code_balance(half, [4]) == pytest.approx(math.log(2) / math.log(4))
    with pytest.raises(ConfigError, match="logits of 4 categories"):
        code_balance(np.zeros((3, 5)), [4])


def test_pick_takes_the_lowest_loss_or_the_most_balanced_code():
    scored = {"a": {"loss": 40.0, "balance": 0.7}, "b": {"loss": 38.0, "balance": 0.6}, "c": {"loss": 45.0}}
    assert pick(scored, "loss") == "b" and pick(scored, "balance") == "a"
    assert pick({"x": {"loss": 2.0, "balance": 0.5}, "y": {"loss": 1.0, "balance": 0.5}}, "balance") == "y"
    with pytest.raises(ConfigError, match="categorical code"):
        pick({"c": {"loss": 1.0}}, "balance")
    with pytest.raises(ConfigError, match="loss or balance"):
        pick(scored, "accuracy")


def test_a_checkpoints_scores_come_from_its_metrics_and_its_previews_code(tmp_path, digits):
    import torch

    config = build_config("joint-vae", {"shape": [1, 8, 8]}, {"latent_dim": 2, "hidden": [16], "discrete": [5]})
    torch.manual_seed(0)
    model = build_model(config)
    preview = encode_preview(model, digits.test, size=64)
    meta = {"label": "JointVAE", "dataset": digits.describe(),
            "train_config": {"epochs": 1}, "history": [], "metrics": {"elbo": 41.5}}
    path = save_checkpoint(tmp_path / "j.safetensors", model, meta, preview=preview)
    scores = run_scores(path)
    assert scores["loss"] == 41.5
    assert scores["balance"] == pytest.approx(code_balance(preview.logits, [5]))
    assert 0 < scores["balance"] <= 1
