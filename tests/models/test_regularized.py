"""Sparse and contractive autoencoders: the penalties, and the Jacobian norm against torch.func.jacrev."""
import numpy as np
import pytest
import torch
from torch.func import jacrev

from explorer.analysis.explore import ModelExplorer
from explorer.models.base import Batch, StepContext
from explorer.models.registry import build_config, build_model
from explorer.models.regularized import jacobian_norm_estimate, jacobian_norm_mlp
from explorer.training.objectives import Objective, ObjectiveConfig
from explorer.training.run import RunSpec, TrainingRun


def model(kind, **options):
    config = build_config(kind, {"shape": [1, 8, 8]}, {"latent_dim": 5, "hidden": [24, 16], **options})
    torch.manual_seed(0)
    return build_model(config).double()


def exact_norms(m, x):
    """‖∂h/∂x‖²_F per example by autograd's Jacobian of one example's code."""
    code = lambda one: m.encode(one.unsqueeze(0)).mean.squeeze(0)  # noqa: E731
    return torch.stack([jacrev(code)(one).pow(2).sum() for one in x])


def test_the_mlp_jacobian_norm_is_exact(digits):
    m = model("contractive-ae")
    x = digits.test.x[:6].double()
    assert torch.allclose(jacobian_norm_mlp(m, x), exact_norms(m, x), rtol=1e-10)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_random_projections_estimate_the_norm_without_bias(digits, arch):
    m = model("contractive-ae", arch=arch, channels=[4, 8])
    x = digits.test.x[:4].double().requires_grad_(True)
    torch.manual_seed(1)
    estimate = jacobian_norm_estimate(x, m.encode(x).mean, projections=3000)
    assert torch.allclose(estimate, exact_norms(m, x.detach()), rtol=0.08)


@pytest.mark.parametrize("arch", ["mlp", "conv"])
def test_the_contraction_is_trained_on(digits, arch):
    """After the same steps, a strong contraction weight leaves a far flatter encoder than none."""
    batch = Batch(digits.train.x[:64], digits.train.y[:64])
    norms = []
    for weight in (0.0, 10.0):
        m = model("contractive-ae", arch=arch, channels=[4, 8], contractive_weight=weight).float()
        ctx = StepContext(m.configure_optimizers(1e-2), Objective(ObjectiveConfig()))
        for step in range(30):
            m.training_step(batch, step, ctx)
        norms.append(float(jacobian_norm_mlp(m, batch.x).mean().detach()) if arch == "mlp"
                     else float(exact_norms(m.double(), batch.x[:8].double()).mean().detach()))
    assert norms[1] < 0.3 * norms[0]


@torch.no_grad()
def test_sparse_codes_and_their_penalties(digits):
    x = digits.test.x[:50].double()
    l1 = model("sparse-ae", sparsity="l1")
    code = l1.encode(x).mean
    assert (code >= 0).all() and l1.code_threshold == 0.0 and l1.config["sparsity_weight"] == 0.1
    assert float(l1.penalty(x, code)) == pytest.approx(float(code.sum(1).mean()))
    kl = model("sparse-ae", sparsity="kl", sparsity_target=0.2)
    code = kl.encode(x).mean
    assert ((code > 0) & (code < 1)).all()
    assert float(kl.penalty(x, torch.full((10, 5), 0.2, dtype=torch.float64))) == pytest.approx(0.0, abs=1e-9)
    assert float(kl.penalty(x, code)) > 0


def test_the_explorer_reports_how_often_each_sparse_unit_fires(tmp_path):
    out = tmp_path / "sparse.safetensors"
    TrainingRun(RunSpec.create(model="sparse-ae", dataset="digits", latent_dim=6, hidden=[32], epochs=2,
                               batch_size=64, device="cpu", out=str(out))).execute()
    from explorer.io.checkpoint import load_checkpoint

    explorer = ModelExplorer(load_checkpoint(out))
    activity = explorer.unit_activity()
    assert activity.shape == (6,) and ((activity >= 0) & (activity <= 1)).all()
    assert np.allclose(activity, (explorer.means > 0).mean(0))
    assert "train_sparsity" in explorer.checkpoint.history[-1]
