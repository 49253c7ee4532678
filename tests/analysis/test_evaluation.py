"""One evaluation pass: each batch encoded once, and the same figures for the epoch record and the final metrics."""
import torch

from explorer.analysis.evaluation import EvaluationPass, evaluation_pass
from explorer.analysis.metrics import evaluate
from explorer.training.trainer import TrainConfig, Trainer
from tests.conftest import tiny_model


def test_active_units_count_dimensions_whose_means_vary():
    figures = EvaluationPass(10, 1.0, 0.5, [0.1] * 3, [], mean_variance=[0.33, 0.0, 0.0025])
    assert figures.active_units == 1 and figures.record()["test_elbo"] == 1.5


def test_each_batch_is_encoded_once(digits, monkeypatch):
    model = tiny_model()
    calls = []
    encode = model.encode
    monkeypatch.setattr(model, "encode", lambda *args, **kwargs: calls.append(1) or encode(*args, **kwargs))
    figures = evaluation_pass(model, digits.test, batch_size=100, keep=True)
    assert len(calls) == 4  # 359 items in batches of 100
    assert figures.count == len(digits.test) and figures.posterior.mean.shape == (len(digits.test), 4)
    assert figures.recon_terms.shape == (len(digits.test),)


def test_the_epoch_record_and_the_final_metrics_agree(trained_vae, digits):
    torch.manual_seed(0)
    record = Trainer(trained_vae, digits, TrainConfig(epochs=1, device="cpu")).evaluate_split(digits.test)
    torch.manual_seed(0)
    metrics = evaluate(trained_vae, digits.test)
    assert record["active_units"] == metrics["active_units"]
    assert record["kl_per_dim"] == metrics["kl_per_dim"]
    assert abs(record["test_elbo"] - metrics["elbo"]) < 1e-3 * metrics["elbo"]


def test_evaluating_leaves_the_training_streams_and_mode_alone(digits):
    model = tiny_model().train()
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    evaluation_pass(model, digits.test)
    assert torch.equal(torch.rand(3), expected) and model.training
