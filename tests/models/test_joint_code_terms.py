"""The JointVAE's optional code terms: batch balance KL(mean q(c) ‖ uniform) and invariance of q(c|x) under small
shifts, rotations and scalings. Each adds its weight times its value to the loss, and its gradient reaches the
encoder only."""
import math

import pytest
import torch

from explorer.models import code_terms
from explorer.models.base import Batch, StepContext
from explorer.models.registry import build_config, build_model
from explorer.training.objectives import Objective, ObjectiveConfig


def joint(**options):
    config = build_config("joint-vae", {"shape": [1, 8, 8]}, {"latent_dim": 3, "hidden": [32], "discrete": [4],
                                                                **options})
    torch.manual_seed(0)
    return build_model(config)


class NoUpdate(StepContext):
    """The step's loss kept, its gradients computed, no weight changed."""

    def update(self, loss, optimizer="main"):
        self.loss = loss
        loss.backward()


def step(model, batch, seed=1):
    model.train()
    model.zero_grad()
    ctx = NoUpdate({}, Objective(ObjectiveConfig()))
    torch.manual_seed(seed)
    scalars = model.training_step(batch, 0, ctx)
    grads = {name: None if p.grad is None else p.grad.clone() for name, p in model.named_parameters()}
    return scalars, grads


def test_batch_balance_is_zero_for_a_balanced_batch_and_log_k_for_a_collapsed_one():
    sure = torch.full((6, 4), -30.0)
    sure[:, 2] = 30.0
    assert code_terms.batch_balance([sure]) == pytest.approx(math.log(4), abs=1e-6)
    spread = torch.eye(4).repeat(2, 1) * 60 - 30
    assert code_terms.batch_balance([spread]).item() == pytest.approx(0.0, abs=1e-6)
    skewed = torch.tensor([[2.0, 0, 0, 0], [1.0, 0.5, 0, 0]], requires_grad=True)
    before = code_terms.batch_balance([skewed])
    before.backward()
    with torch.no_grad():
        after = code_terms.batch_balance([skewed - 0.5 * skewed.grad])
    assert 0 < after < before  # its gradient spreads the batch over the categories


def test_small_transforms_move_images_a_little_and_invariance_is_zero_for_the_same_code():
    x = torch.zeros(4, 1, 8, 8)
    x[:, :, 2:6, 3:5] = 1.0
    torch.manual_seed(0)
    moved = code_terms.small_transforms(x)
    assert moved.shape == x.shape and not torch.allclose(moved, x)
    assert (moved - x).abs().mean() < 0.3 and torch.allclose(code_terms.small_transforms(x, 0, 0, 0), x, atol=1e-6)
    logits = [torch.randn(4, 4)]
    assert code_terms.invariance(logits, logits).item() == pytest.approx(0.0, abs=1e-6)
    assert code_terms.invariance(logits, [torch.randn(4, 4)]) > 0


@pytest.mark.parametrize("term, weight", [("balance", 3.0), ("invariance", 5.0)])
def test_each_term_adds_its_weight_times_its_value_and_its_gradient_reaches_the_encoder_only(digits, term, weight):
    batch = Batch(digits.train.x[:16], digits.train.y[:16])
    plain_scalars, plain_grads = step(joint(), batch)
    scalars, grads = step(joint(**{f"{term}_weight": weight}), batch)
    assert term not in plain_scalars and scalars[term] > 0
    assert scalars["loss"].item() == pytest.approx(plain_scalars["loss"].item() + weight * scalars[term].item(),
                                                   rel=1e-5)
    changed = {name for name in grads if not torch.allclose(grads[name], plain_grads[name], atol=1e-7)}
    assert changed and all(not name.startswith("decoder") for name in changed), sorted(changed)
    assert any(name.startswith("latent_head") for name in changed)


def test_the_terms_are_settings_of_the_joint_vae_only():
    from explorer.training.options import all_options

    options = {option.name: option for option in all_options()}
    for name in ("balance_weight", "invariance_weight"):
        assert options[name].kinds == ("joint-vae",) and options[name].low == 0.0
