import math

import pytest
import torch

from explorer.errors import ConfigError
from explorer.training.objectives import Objective, ObjectiveConfig
from explorer.training.schedules import make_schedule


def terms(kl_per_dim):
    kl_per_dim = torch.as_tensor(kl_per_dim, dtype=torch.float32)
    return {"recon": torch.full((kl_per_dim.shape[0],), 10.0), "kl": kl_per_dim.sum(1), "kl_per_dim": kl_per_dim}


def test_schedules_at_known_steps():
    linear = make_schedule({"kind": "linear", "warmup_steps": 100})
    assert (linear(0), linear(50), linear(100), linear(500)) == (0.0, 0.5, 1.0, 1.0)
    logistic = make_schedule({"kind": "logistic", "k": 0.01, "x0": 200})
    assert logistic(200) == pytest.approx(0.5) and logistic(0) < 0.15 and logistic(1000) > 0.99
    cyclical = make_schedule({"kind": "cyclical", "cycles": 2, "ratio": 0.5, "total_steps": 200})
    assert [cyclical(s) for s in (0, 25, 50, 99, 100, 125)] == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5]
    assert make_schedule({"kind": "constant"})(12345) == 1.0
    with pytest.raises(ConfigError, match="unknown KL schedule 'cosine'"):
        make_schedule({"kind": "cosine"})


def test_beta_scales_the_kl_with_the_schedule():
    objective = Objective(ObjectiveConfig(beta=4.0, schedule={"kind": "linear", "warmup_steps": 10}))
    loss, stats = objective(terms([[1.0, 2.0]]), step=5)
    assert stats["beta"] == pytest.approx(2.0) and float(loss) == pytest.approx(10 + 2.0 * 3.0)


def test_capacity_objective_follows_burgess():
    objective = Objective(ObjectiveConfig(capacity=20.0, gamma=100.0, capacity_steps=1000))
    loss, stats = objective(terms([[3.0, 2.0]]), step=500)  # C(500) = 10 nats, KL = 5
    assert stats["capacity"] == pytest.approx(10.0)
    assert float(loss) == pytest.approx(10 + 100.0 * abs(5.0 - 10.0))
    assert objective.capacity_at(5000) == pytest.approx(20.0)


def test_free_bits_hold_each_dimension_at_its_floor():
    objective = Objective(ObjectiveConfig(free_bits=0.5))
    kl = torch.tensor([[0.1, 2.0], [0.1, 2.0]], requires_grad=True)
    loss, _ = objective({"recon": torch.zeros(2), "kl": kl.sum(1), "kl_per_dim": kl}, step=0)
    assert float(loss) == pytest.approx(0.5 + 2.0)
    loss.backward()
    assert kl.grad[:, 0].abs().sum() == 0  # below the floor: no pressure
    assert kl.grad[:, 1].abs().sum() > 0


def test_objective_settings_are_checked():
    with pytest.raises(ConfigError, match="beta and free bits"):
        Objective(ObjectiveConfig(beta=-1.0))
    assert ObjectiveConfig.from_dict(ObjectiveConfig(beta=2.0).to_dict()).beta == 2.0
    assert not math.isnan(Objective(ObjectiveConfig())(terms([[1.0]]), 0)[0])
