import pytest
import torch

from explorer.errors import ConfigError
from explorer.training.objectives import Objective, ObjectiveConfig


def terms(kl_per_dim):
    kl_per_dim = torch.as_tensor(kl_per_dim, dtype=torch.float32)
    return {"recon": torch.full((kl_per_dim.shape[0],), 10.0), "kl": kl_per_dim.sum(1), "kl_per_dim": kl_per_dim}


def test_plain_elbo_is_recon_plus_kl_averaged_over_the_batch():
    objective = Objective(ObjectiveConfig())
    loss = objective(terms([[1.0, 2.0], [3.0, 0.0]]), step=0)
    assert float(loss.detach()) == pytest.approx(10 + 3.0)
    assert objective.schedule_at(0) == {"beta": 1.0}


def test_beta_scales_the_kl_with_the_schedule():
    objective = Objective(ObjectiveConfig(beta=4.0, schedule={"kind": "linear", "warmup_steps": 10}))
    loss = objective(terms([[1.0, 2.0]]), step=5)
    assert objective.schedule_at(5)["beta"] == pytest.approx(2.0)
    assert float(loss.detach()) == pytest.approx(10 + 2.0 * 3.0)
    assert objective.schedule_at(50)["beta"] == pytest.approx(4.0)


def test_capacity_objective_follows_burgess():
    objective = Objective(ObjectiveConfig(capacity=20.0, gamma=100.0, capacity_steps=1000))
    loss = objective(terms([[3.0, 2.0]]), step=500)  # C(500) = 10 nats, KL = 5
    assert objective.schedule_at(500) == {"beta": 100.0, "capacity": pytest.approx(10.0)}
    assert float(loss.detach()) == pytest.approx(10 + 100.0 * abs(5.0 - 10.0))
    above = objective(terms([[20.0, 5.0]]), step=2000)  # C held at C_max = 20, KL = 25
    assert float(above.detach()) == pytest.approx(10 + 100.0 * 5.0)
    assert objective.capacity_at(0) == 0.0


def test_free_bits_hold_each_dimension_at_its_floor():
    objective = Objective(ObjectiveConfig(free_bits=0.5))
    kl = torch.tensor([[0.1, 2.0], [0.1, 2.0]], requires_grad=True)
    loss = objective({"recon": torch.zeros(2), "kl": kl.sum(1), "kl_per_dim": kl}, step=0)
    assert float(loss.detach()) == pytest.approx(0.5 + 2.0)
    loss.backward()
    assert kl.grad[:, 0].abs().sum() == 0  # below the floor: no pressure
    assert torch.allclose(kl.grad[:, 1], torch.full((2,), 0.5))  # above it: the ordinary batch-mean gradient


def test_objective_settings_are_checked_and_round_trip():
    with pytest.raises(ConfigError, match="beta and free bits"):
        Objective(ObjectiveConfig(beta=-1.0))
    with pytest.raises(ConfigError, match="capacity and gamma"):
        Objective(ObjectiveConfig(capacity=-5.0))
    with pytest.raises(ConfigError, match="unknown objective setting"):
        ObjectiveConfig.from_dict({"beta": 2.0, "betta": 3.0})
    config = ObjectiveConfig(beta=2.0, schedule={"kind": "logistic", "k": 0.1, "x0": 5}, free_bits=0.25)
    assert ObjectiveConfig.from_dict(config.to_dict()) == config


def test_pretraining_is_the_reconstruction_alone_then_the_schedule_starts():
    objective = Objective(ObjectiveConfig(schedule={"kind": "linear", "warmup_steps": 10}, free_bits=0.5,
                                          pretrain_steps=20))
    assert objective.pretraining(19) and not objective.pretraining(20)
    assert float(objective(terms([[1.0, 2.0]]), step=19).detach()) == pytest.approx(10.0)
    assert objective.schedule_at(19) == {"beta": 0.0}
    assert objective.schedule_at(25)["beta"] == pytest.approx(0.5)  # 5 steps into the warm-up
    capacity = Objective(ObjectiveConfig(capacity=20.0, capacity_steps=10, pretrain_steps=5))
    assert capacity.schedule_at(0) == {"beta": 0.0, "capacity": 0.0}
    assert capacity.schedule_at(10)["capacity"] == pytest.approx(10.0)
    with pytest.raises(ConfigError, match="pre-training steps"):
        Objective(ObjectiveConfig(pretrain_steps=-1))
