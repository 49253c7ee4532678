"""JointVAE: continuous and categorical latents, Gumbel-softmax, a capacity per part, and what the explorer and the
metrics make of its categories."""
import math

import numpy as np
import pytest
import torch

from explorer.analysis import metrics
from explorer.analysis.explore import ModelExplorer
from explorer.cli import build_parser
from explorer.cli.train import spec_from_args
from explorer.io.checkpoint import load_checkpoint
from explorer.models.base import Batch
from explorer.models.registry import build_config, build_model
from explorer.training.objectives import SCHEDULE_KEYS, Objective, ObjectiveConfig
from explorer.training.run import RunSpec, TrainingRun


def joint(discrete=(10, 3), latent_dim=4):
    config = build_config("joint-vae", {"shape": [1, 8, 8]}, {"latent_dim": latent_dim,
                                                                          "hidden": [32], "discrete": list(discrete)})
    torch.manual_seed(0)
    return build_model(config)


def test_the_latent_is_continuous_dims_then_one_hot_blocks(digits):
    model = joint()
    assert model.latent_layout.continuous == 4 and model.latent_layout.discrete == (10, 3)
    assert model.latent_dim == 17 and model.latent_layout.block(1) == slice(14, 17)
    posterior = model.encode(digits.test.x[:5])
    assert posterior.mean.shape == (5, 4) and [p.shape for p in posterior.logits] == [(5, 10), (5, 3)]
    point = posterior.point()
    assert point.shape == (5, 17) and torch.allclose(point[:, 4:14].sum(1), torch.ones(5))
    assert model.decode(point).shape == (5, 1, 8, 8)


def test_loss_terms_split_the_kl_and_relax_categories_only_in_training(digits):
    model = joint()
    batch = Batch(digits.test.x[:8], digits.test.y[:8])
    terms = model.loss_terms(batch, step=0)
    assert terms["kl_discrete"].shape == (8, 2) and terms["kl_per_dim"].shape == (8, 4)
    assert torch.allclose(terms["kl"], terms["kl_z"] + terms["kl_c"])
    assert torch.allclose(terms["kl_c"], terms["kl_discrete"].sum(1))
    assert (terms["kl_discrete"] >= 0).all() and (terms["kl_discrete"] <= math.log(10) + 1e-5).all()
    posterior = model.encode(batch.x)
    relaxed = model.sample_categories(posterior, step=0)[0]
    assert torch.allclose(relaxed.sum(1), torch.ones(8)) and not torch.all((relaxed == 0) | (relaxed == 1))
    model.eval()
    exact = model.sample_categories(posterior, step=None)[0]
    assert torch.all((exact == 0) | (exact == 1)) and torch.all(exact.sum(1) == 1)


def test_temperature_anneals_from_one_to_its_final_value():
    model = joint()
    model.config.update(gumbel_temperature=0.5, gumbel_anneal_steps=100)
    assert model.temperature(0) == pytest.approx(1.0) and model.temperature(50) == pytest.approx(0.5 ** 0.5)
    assert model.temperature(100) == pytest.approx(0.5) and model.temperature(10_000) == pytest.approx(0.5)


def test_each_part_has_its_own_capacity_and_c_is_capped_at_sum_log_k():
    config = ObjectiveConfig(capacity=5.0, capacity_c=4.0, gamma=30.0, capacity_steps=100)
    objective = Objective(config, discrete=(10, 3))
    cap = math.log(10) + math.log(3)  # 3.4 nats
    assert objective.schedule_at(50) == {"beta": 30.0, "capacity": 2.5, "capacity_c": pytest.approx(2.0)}
    assert objective.schedule_at(90)["capacity_c"] == pytest.approx(cap)
    assert objective.schedule_at(10_000)["capacity_c"] == pytest.approx(cap)
    assert set(objective.schedule_at(0)) <= set(SCHEDULE_KEYS)
    terms = {"recon": torch.tensor([10.0, 12.0]), "kl": torch.tensor([4.0, 6.0]),
             "kl_per_dim": torch.tensor([[3.0], [4.0]]), "kl_discrete": torch.tensor([[1.0], [2.0]])}
    # recon 11, KL_z 3.5, KL_c 1.5 at step 100: 11 + 30|3.5 - 5| + 30|1.5 - cap|
    assert float(objective(terms, 100)) == pytest.approx(11 + 30 * 1.5 + 30 * abs(1.5 - cap), rel=1e-5)
    # Without C_c the categorical KL counts with the continuous one, as it always did.
    assert float(Objective(ObjectiveConfig(capacity=5.0, gamma=30.0, capacity_steps=100))(terms, 100)) == \
        pytest.approx(11 + 30 * 0.0)
    assert "capacity_c" not in Objective(config).schedule_at(50)  # no categorical latents: nothing to cap


def test_discrete_flags_take_a_list_or_repeat():
    parser = build_parser()
    for flags in (["--discrete", "10,3"], ["--discrete", "10", "--discrete", "3"]):
        args = parser.parse_args(["train", "--model", "joint-vae", "--out", "x.safetensors", *flags,
                                  "--capacity-z", "5", "--capacity-c", "2"])
        spec = spec_from_args(args)
        assert spec.options["discrete"] == [10, 3] and spec.options["capacity"] == 5.0
        assert spec.train.objective.capacity_c == 2.0


def test_discrete_accuracy_matches_categories_to_classes():
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 2, -1])
    codes = torch.tensor([2, 2, 0, 0, 1, 1, 0, 1])  # class c is category (c + 2) % 3, one item astray
    found = metrics.discrete_accuracy([torch.nn.functional.one_hot(codes, 3).float() * 5], labels)
    assert found["accuracy"] == pytest.approx(6 / 7) and found["assignment"] == [1, 2, 0]
    assert found["confusion"] == [[0, 0, 2], [2, 0, 0], [1, 2, 0]]
    assert metrics.discrete_accuracy([], labels) is None


@pytest.fixture(scope="module")
def trained_joint(tmp_path_factory):
    out = tmp_path_factory.mktemp("joint") / "joint.safetensors"
    spec = RunSpec.create(model="joint-vae", dataset="digits", latent_dim=3, discrete=[10], hidden=[32], epochs=2,
                          batch_size=64, device="cpu", capacity=2.0, capacity_c=1.0, gamma=10.0, capacity_steps=20,
                          nll_samples=5, out=str(out))
    TrainingRun(spec).execute()
    return out


def test_training_logs_both_kls_and_their_targets(trained_joint):
    checkpoint = load_checkpoint(trained_joint)
    record = checkpoint.history[-1]
    assert {"train_kl_z", "train_kl_c", "capacity", "capacity_c", "kl_discrete"} <= set(record)
    assert record["capacity_c"] == pytest.approx(1.0) and len(record["kl_discrete"]) == 1
    m = checkpoint.metrics
    assert 0.0 <= m["discrete_accuracy"]["accuracy"] <= 1.0 and len(m["kl_discrete"]) == 1
    assert math.isfinite(m["nll_iw"]) and m["nll_iw"] < m["elbo"] + 1.0
    assert set(checkpoint.optimizer_state) == {"main"}


def test_the_preview_and_the_explorer_carry_the_categories(trained_joint):
    explorer = ModelExplorer(load_checkpoint(trained_joint))
    assert explorer.means.shape == (359, 13) and explorer.logvars.shape == (359, 3)
    assert explorer.logits.shape == (359, 10) and explorer.discrete_sizes == (10,)
    probs = torch.from_numpy(explorer.logits).softmax(1).numpy()
    assert np.allclose(explorer.means[:, 3:], probs, atol=1e-6)
    (p, kl), = explorer.discrete_posterior(4)
    assert p.shape == (10,) and p.sum() == pytest.approx(1.0, abs=1e-5)
    assert kl == pytest.approx(float((p * np.log(p * 10)).sum()), abs=1e-4)
    assert explorer.kl_per_dim.shape == (3,) and explorer.kl_discrete.shape == (1,)
    assert explorer.posterior(4)[0].shape == (3,) and sorted(explorer.dims_by_kl) == [0, 1, 2]
    assert np.allclose(explorer.origin()[3:], 0.1)
    row = explorer.category_row(explorer.means[4], 0)
    assert row.shape == (10, 8, 8) and len({image.tobytes() for image in row}) > 1
    grid, values = explorer.category_grid(explorer.means[4], 0, dim=1, steps=5)
    assert grid.shape == (50, 8, 8) and values.shape == (5,)
    fixed, _ = explorer.prior_latents(6, categories={0: 7})
    assert np.all(fixed[:, 3:].argmax(1) == 7) and np.all(fixed[:, 3:].sum(1) == 1)
    confusion = explorer.code_confusion()
    assert confusion["source"] == "test split" and np.asarray(confusion["confusion"]).shape == (10, 10)
    with pytest.raises(Exception, match="not a continuous dimension"):
        explorer.traversal(explorer.means[0], [5])


@pytest.mark.parametrize("shape", [[1, 28, 28], [1, 32, 32], [3, 32, 32]])
def test_duponts_conv_preset_reads_a_4x4x64_map_and_decodes_the_input_size(shape):
    from explorer.training.presets import preset

    options = preset("joint-vae-dupont-conv").options
    settings = {key: options[key] for key in ("arch", "channels", "hidden", "latent_dim", "discrete")}
    torch.manual_seed(0)
    model = build_model(build_config("joint-vae", {"shape": shape}, settings))
    assert model.encoder_body.out_features == 64 * 4 * 4 and model.decoder_out.start_hw == (4, 4)
    x = torch.rand(3, *shape)
    posterior = model.encode(x)
    assert posterior.mean.shape == (3, 10) and posterior.logits[0].shape == (3, 10)
    assert model.decode(posterior.point()).shape == (3, *shape)
