import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.analysis import metrics
from explorer.models.base import Batch, gaussian_log_density
from tests.conftest import tiny_model


def test_mutual_information_is_zero_without_dependence_and_positive_with_it():
    n, d = 500, 3
    logvars = torch.zeros(n, d)
    assert abs(metrics.mutual_information(torch.zeros(n, d), logvars)) < 0.2  # one-sample Monte Carlo noise
    informative = torch.randn(n, d) * 3
    assert metrics.mutual_information(informative, torch.full((n, d), -4.0)) > 3.0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 40), m=st.integers(1, 40), d=st.integers(1, 32),
       spread=st.floats(0.01, 50.0), low=st.floats(-20.0, 0.0), high=st.floats(0.0, 5.0))
def test_aggregate_log_density_is_the_mixture_of_every_posterior(seed, n, m, d, spread, low, high):
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, d, generator=generator) * spread
    means = torch.randn(m, d, generator=generator) * spread
    logvars = low + (high - low) * torch.rand(m, d, generator=generator)  # σ from e^-10 to e^2.5
    pairs = gaussian_log_density(z.double()[:, None], means.double()[None], logvars.double()[None])
    direct = torch.logsumexp(pairs, dim=1) - math.log(m)
    got = metrics.aggregate_log_density(z, means, logvars, rows=7)  # several blocks, the last one short
    assert torch.allclose(got, direct, rtol=1e-9, atol=1e-6)


def test_evaluate_matches_loss_terms_and_iw_bound_is_tighter(trained_vae, digits):
    split = digits.test
    result = metrics.evaluate(trained_vae, split, nll_samples=50)
    for key in ("elbo", "recon", "kl", "kl_per_dim", "active_units", "mutual_info", "nll_iw"):
        assert key in result
    assert result["elbo"] == pytest.approx(result["recon"] + result["kl"], rel=1e-5)
    assert result["nll_iw"] < result["elbo"]
    one = float(metrics.iw_nll(trained_vae, split, 1).mean())
    assert one == pytest.approx(result["elbo"], rel=0.05)
    assert sum(result["kl_per_dim"]) == pytest.approx(result["kl"], rel=0.05)


def test_deterministic_models_skip_the_variational_metrics(digits):
    result = metrics.evaluate(tiny_model("ae"), digits.test, nll_samples=5)
    assert result["kl"] == 0 and result["mutual_info"] is None


def test_perplexity_counts_eos():
    assert metrics.perplexity(torch.tensor([2.0, 4.0]), torch.tensor([1, 1])) == pytest.approx(torch.exp(
        torch.tensor(6.0 / 4)).item())


def test_conditional_accuracy_is_a_fraction_with_the_classifier_beside_it(digits):
    from explorer.training.trainer import TrainConfig, Trainer

    model = tiny_model("cvae", num_classes=10)
    Trainer(model, digits, TrainConfig(epochs=3, batch_size=64, device="cpu")).run()
    result = metrics.conditional_accuracy(model, digits, n_per_class=20)
    assert 0.0 <= result["accuracy"] <= 1.0 and len(result["per_class"]) == 10
    assert result["classifier_test_accuracy"] > 0.9  # the judge itself is trustworthy on real digits
    batch = Batch(digits.test.x[:4], digits.test.y[:4])
    assert model.loss_terms(batch)["recon"].shape == (4,)
