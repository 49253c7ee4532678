import json

import pytest
import torch

from explorer.errors import ConfigError
from explorer.models.base import Batch
from explorer.models.registry import build_model, image_model_config
from tests.conftest import tiny_model


@pytest.mark.parametrize("kind,arch", [("ae", "mlp"), ("dae", "mlp"), ("vae", "mlp"), ("vae", "conv"),
                                       ("cvae", "mlp"), ("cvae", "conv")])
def test_loss_terms_are_per_example_nats(digits, kind, arch):
    model = tiny_model(kind, num_classes=10 if kind == "cvae" else 0, arch=arch)
    batch = Batch(digits.train.x[:16], digits.train.y[:16])
    terms = model.loss_terms(batch)
    assert terms["recon"].shape == (16,) and terms["kl"].shape == (16,) and terms["kl_per_dim"].shape == (16, 4)
    # Bernoulli NLL summed over 64 pixels: an untrained model sits near 64 * log 2 nats.
    assert 30 < float(terms["recon"].mean().detach()) < 80
    assert torch.allclose(terms["kl"], terms["kl_per_dim"].sum(1))
    if kind in ("ae", "dae"):
        assert float(terms["kl"].abs().sum()) == 0.0
    assert model.pixel_means(torch.zeros(3, 4), torch.zeros(3, dtype=torch.long) if kind == "cvae" else None
                             ).shape == (3, 1, 8, 8)


@pytest.mark.parametrize("kind,options", [("ae", {}), ("dae", {"noise_type": "masking", "noise": 0.25}),
                                           ("vae", {"arch": "conv", "likelihood": "gaussian"}),
                                           ("cvae", {"arch": "conv", "learned_prior": True})])
def test_json_config_rebuilds_the_same_architecture(kind, options):
    model = tiny_model(kind, num_classes=10 if kind == "cvae" else 0, **options)
    clone = build_model(json.loads(json.dumps(model.config)))
    assert type(clone) is type(model) and clone.config == model.config
    assert {k: v.shape for k, v in clone.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}


def test_config_rebuilds_identical_model(digits):
    model = tiny_model("cvae", num_classes=10, learned_prior=True)
    clone = build_model(model.config)
    clone.load_state_dict(model.state_dict())
    z, cond = torch.randn(5, 4), torch.arange(5)
    assert torch.equal(model.pixel_means(z, cond), clone.pixel_means(z, cond))
    assert model.config["kind"] == "cvae" and model.config["learned_prior"] is True


@pytest.mark.parametrize("shape", [[1, 28, 28], [1, 10, 10], [3, 8, 8]])
def test_conv_arch_fits_any_image_size(shape):
    model = build_model(image_model_config("vae", shape, latent_dim=3, arch="conv", hidden=[16]))
    x = torch.rand(2, *shape)
    assert model.encode(x).mean.shape == (2, 3)
    assert model.decode(torch.zeros(2, 3)).shape == (2, *shape)
    assert model.loss_terms(Batch(x))["recon"].shape == (2,)


def test_defaults_follow_the_input_size():
    assert image_model_config("vae", [1, 28, 28])["hidden"] == [400]
    assert image_model_config("vae", [1, 28, 28])["latent_dim"] == 20
    assert image_model_config("vae", [1, 8, 8])["hidden"] == [128]


def test_dae_corrupts_in_training_only(digits):
    x = digits.train.x[:32]
    gaussian = tiny_model("dae", noise=0.5)
    gaussian.train()
    corrupted = gaussian.corrupt(x)
    assert not torch.equal(corrupted, x) and corrupted.min() >= 0 and corrupted.max() <= 1
    gaussian.eval()
    first, second = gaussian.loss_terms(Batch(x)), gaussian.loss_terms(Batch(x))
    assert torch.equal(first["recon"], second["recon"])
    masked = tiny_model("dae", noise=0.5, noise_type="masking").corrupt(torch.ones(100, 1, 8, 8))
    assert set(masked.unique().tolist()) == {0.0, 1.0} and 0.45 < float(masked.mean()) < 0.55


def test_learned_prior_enters_the_kl(digits):
    model = tiny_model("cvae", num_classes=10, learned_prior=True)
    with torch.no_grad():
        model.prior_table.weight.normal_()
    batch = Batch(digits.train.x[:6], digits.train.y[:6])
    model.eval()
    posterior = model.encode(batch.x, batch.y)
    mean, logvar = model.prior(batch.y)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(posterior.mean, posterior.std),
        torch.distributions.Normal(mean, torch.exp(0.5 * logvar))).sum(1)
    assert torch.allclose(model.loss_terms(batch)["kl"], expected, atol=1e-4)


def test_learned_prior_depends_on_the_class():
    model = tiny_model("cvae", num_classes=10, learned_prior=True)
    with torch.no_grad():
        model.prior_table.weight.normal_()
    mean, logvar = model.prior(torch.tensor([0, 1]))
    assert not torch.equal(mean[0], mean[1])
    assert model.sample_prior(4, torch.tensor([3, 3, 3, 3])).shape == (4, 4)


def test_gaussian_likelihood_is_a_proper_density(digits):
    model = tiny_model("vae", likelihood="gaussian")
    batch = Batch(digits.train.x[:8])
    z = torch.zeros(8, 4)
    log_p = model.log_likelihood(batch, z)
    mean = model.pixel_means(z).flatten(1)
    expected = torch.distributions.Normal(model.decode(z).flatten(1), 1.0).log_prob(batch.x.flatten(1)).sum(1)
    assert torch.allclose(log_p, expected, atol=1e-4) and mean.shape == (8, 64)


def test_bad_configs_are_named():
    with pytest.raises(ConfigError, match="setting arch: Input should be 'mlp' or 'conv'"):
        image_model_config("vae", [1, 8, 8], arch="rnn")
    with pytest.raises(ConfigError, match="at least 2 classes"):
        image_model_config("cvae", [1, 8, 8], num_classes=0)
    with pytest.raises(ConfigError, match="unknown model kind 'gan'"):
        build_model({"kind": "gan"})
    with pytest.raises(ConfigError, match="setting noise_type: Input should be"):
        image_model_config("dae", [1, 8, 8], noise_type="salt")
    with pytest.raises(ConfigError, match="masking noise drops a pixel with probability noise, which must be below 1"):
        build_model(dict(tiny_model("dae").config, noise_type="masking", noise=1.0))
    with pytest.raises(ConfigError, match="model_config.arch: Input should be 'mlp' or 'conv'"):
        build_model(dict(tiny_model("vae").config, arch="rnn"))
    with pytest.raises(ConfigError, match="needs a class label"):
        tiny_model("cvae", num_classes=10).encode(torch.zeros(1, 1, 8, 8))
