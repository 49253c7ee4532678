"""The adversarial autoencoder: its priors, its three phases with named optimizers, the label prior and the fit of
the codes to their label's component."""
import numpy as np
import pytest
import torch

from explorer.analysis.explore import ModelExplorer
from explorer.errors import ConfigError
from explorer.io.checkpoint import load_checkpoint
from explorer.models.base import Batch, StepContext
from explorer.models.registry import build_config, build_model
from explorer.training.objectives import Objective, ObjectiveConfig
from explorer.training.run import RunSpec, TrainingRun

INFO = {"shape": [1, 8, 8], "class_names": [str(c) for c in range(10)]}


def aae(**options):
    config = build_config("aae", INFO, {"latent_dim": 2, "hidden": [32], **options})
    torch.manual_seed(0)
    return build_model(config)


@pytest.mark.parametrize("prior", ["mixture", "swiss-roll"])
def test_each_component_of_a_structured_prior_is_found_again(prior):
    model = aae(prior=prior, label_prior=True)
    assert model.prior_components == 10
    generator = torch.Generator().manual_seed(0)
    z = model.sample_prior(2000, generator=generator)
    assert z.shape == (2000, 2)
    components = torch.arange(2000) % 10
    points = model.prior_points(torch.randn(2000, 2, generator=generator), component=components)
    assert float((model.prior_component(points) == components).float().mean()) > 0.95


def test_petals_point_outwards_from_the_origin():
    model = aae(prior="mixture")
    eps = torch.zeros(3, 2)
    eps[1, 0], eps[2, 1] = 2.0, 2.0  # along the petal, then across it
    centre, outward, sideways = model.prior_points(eps, component=0)
    assert centre[1] == pytest.approx(0.0) and centre[0] > 1.0
    assert outward[0] - centre[0] > 5 * abs(float(sideways[1] - centre[1])) / 2


def test_a_gaussian_prior_has_no_components_to_pick():
    with pytest.raises(ConfigError, match="Gaussian prior has no components"):
        aae(prior="gaussian", label_prior=True)
    with pytest.raises(ConfigError, match="latent_dim >= 2"):
        aae(prior="mixture", latent_dim=1)
    with pytest.raises(ConfigError, match="labelled dataset"):
        build_config("aae", {"shape": [1, 8, 8]}, {"prior": "mixture", "label_prior": True})
    assert aae().prior_component(torch.zeros(3, 2)) is None


def test_one_step_runs_three_phases_each_with_its_optimizer(digits):
    model = aae(prior="mixture", label_prior=True)
    optimizers = model.configure_optimizers(1e-3)
    assert set(optimizers) == {"autoencoder", "discriminator", "generator"}
    discriminator = {id(p) for p in model.discriminator.parameters()}
    assert not discriminator & {id(p) for group in optimizers["autoencoder"].param_groups for p in group["params"]}
    assert not discriminator & {id(p) for group in optimizers["generator"].param_groups for p in group["params"]}
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    ctx = StepContext(optimizers, Objective(ObjectiveConfig()))
    scalars = model.training_step(Batch(digits.train.x[:32], digits.train.y[:32]), 0, ctx)
    assert {"loss", "recon", "discriminator", "generator"} <= set(scalars)
    changed = {name.split(".")[0] for name, p in model.named_parameters() if not torch.equal(p, before[name])}
    assert {"encoder_mlp", "latent_head", "decoder_mlp", "discriminator"} <= changed
    with pytest.raises(ConfigError, match="every item labelled"):
        model.training_step(Batch(digits.train.x[:4], torch.full((4,), -1)), 1, ctx)


def test_a_trained_aae_maps_its_codes_and_reports_their_fit(tmp_path):
    out = tmp_path / "aae.safetensors"
    spec = RunSpec.create(model="aae", dataset="digits", latent_dim=2, prior="mixture", label_prior=True,
                          hidden=[32], epochs=3, batch_size=64, device="cpu", out=str(out))
    TrainingRun(spec).execute()
    checkpoint = load_checkpoint(out)
    assert set(checkpoint.optimizer_state) == {"autoencoder", "discriminator", "generator"}
    assert "train_discriminator" in checkpoint.history[-1]
    fit = checkpoint.metrics["component_fit"]
    assert 0.0 <= fit <= 1.0 and len(checkpoint.metrics["component_fit_per_class"]) == 10
    explorer = ModelExplorer(checkpoint)
    assert np.array_equal(explorer.projection, explorer.means)  # a 2-D code is its own map
    prior = explorer.prior_on_map(200)
    assert prior.shape == (200, 2) and np.linalg.norm(prior, axis=1).mean() > 1.0
    items, values = explorer.manifold(explorer.origin(), dims=[0, 1], steps=4, component=3)
    assert items.shape == (16, 8, 8)
    angles = np.arctan2(values[..., 1], values[..., 0])
    assert np.allclose(angles, 2 * np.pi * 3 / 10, atol=0.15)  # the grid spans petal 3
    assert explorer.component_names()[3] == "component 3 (class 3)"
    resumed = RunSpec.create(resume=str(out), epochs=1, device="cpu", out=str(tmp_path / "more.safetensors"))
    assert len(TrainingRun(resumed).execute().history) == 4
