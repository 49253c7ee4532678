"""Training in the worker thread: curves fill, stop finishes the thread and keeps a checkpoint, closing while
training asks first."""
import math
from pathlib import Path

import numpy as np
import pytest

from explorer.training.objectives import ObjectiveConfig
from explorer.training.run import RunSpec
from explorer.training.trainer import TrainConfig


def tiny_spec(out, epochs=1):
    return RunSpec(model="vae", dataset="digits", latent_dim=3, out=str(out),
                   train=TrainConfig(epochs=epochs, batch_size=64, device="cpu", objective=ObjectiveConfig()))


def test_form_builds_the_run_spec(window):
    from explorer.training.run import MODEL_CHOICES

    panel = window.training
    panel.model_kind.showPopup()  # the model list is filled when it first opens
    panel.model_kind.hidePopup()
    assert [panel.model_kind.itemText(i) for i in range(panel.model_kind.count())] == MODEL_CHOICES
    panel.model_kind.setCurrentText("beta-vae")
    panel.beta.setValue(4.0)
    panel.schedule.setCurrentText("linear")
    panel.warmup.setValue(500)
    panel.epochs.setValue(3)
    spec = panel.build_spec(out="x.safetensors")
    assert (spec.model, spec.dataset, spec.latent_dim) == ("beta-vae", "digits", 8)
    assert spec.train.epochs == 3 and spec.train.objective.beta == 4.0
    assert spec.train.objective.schedule == {"kind": "linear", "warmup_steps": 500}
    assert spec.train.objective.capacity is None


def test_one_epoch_run_draws_curves_and_opens_the_result(window, qtbot, tmp_path):
    panel = window.training
    panel.refresh_each_epoch.setChecked(False)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        panel.start_spec(tiny_spec(tmp_path / "run.safetensors"))
    qtbot.waitUntil(lambda: not panel.is_running and panel.start_button.isEnabled(), timeout=10_000)
    digits_train_size = 1438
    assert panel.loss_plot.points("recon") >= 2 and panel.loss_plot.points("kl") >= 2  # the live steps are kept
    assert panel.loss_plot.curves["recon"].xData[-1] == math.ceil(digits_train_size / 64)
    assert panel.weight_plot.points("β(t)") > 0
    assert panel.elbo_plot.points("test −ELBO") == 1 and panel.au_plot.points("active units") == 1
    assert panel.heatmap.values.shape == (1, 3)
    assert panel.progress.value() == panel.progress.maximum()
    assert window.session.path == str(tmp_path / "run.safetensors")
    assert window.session.explorer.latent_dim == 3
    assert not panel.stop_button.isEnabled()


def test_epoch_checkpoints_refresh_the_map_while_training(window, qtbot, tmp_path, monkeypatch):
    shown = []
    show_checkpoint = window.show_checkpoint

    def record_and_show(checkpoint, path, keep_selection=False):
        shown.append((checkpoint, path))
        show_checkpoint(checkpoint, path, keep_selection)

    monkeypatch.setattr(window, "show_checkpoint", record_and_show)
    panel = window.training
    panel.refresh_each_epoch.setChecked(True)
    out = str(tmp_path / "run.safetensors")
    with qtbot.waitSignal(panel.epoch_checkpoint, timeout=120_000) as blocker:
        panel.start_spec(tiny_spec(out, epochs=2))
    qtbot.waitUntil(lambda: window.session.path == out, timeout=120_000)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=10_000)
    snapshot = blocker.args[0]
    assert snapshot.model is not panel.worker.training_run.model  # the GUI decodes with a copy
    assert len(snapshot.history) == 1
    assert shown[0] == (snapshot, None)
    assert [path for _, path in shown] == [None, out]


def test_stop_finishes_the_thread_and_keeps_a_checkpoint(window, prompts, qtbot, tmp_path):
    panel = window.training
    panel.refresh_each_epoch.setChecked(False)
    out = tmp_path / "stopped.safetensors"
    panel.start_spec(tiny_spec(out, epochs=100_000))  # far more than the test lasts: it must be stopped
    qtbot.waitUntil(lambda: panel.progress.value() > 0 or bool(prompts.errors), timeout=120_000)
    assert not prompts.errors
    with qtbot.waitSignal(panel.run_finished, timeout=120_000):
        panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.worker.isFinished(), timeout=10_000)
    assert out.exists()
    assert window.session.explorer.checkpoint.meta.get("stopped_early") is True
    assert len(window.session.explorer.checkpoint.history) < 100_000


@pytest.mark.parametrize("answer", [True, False])
def test_closing_while_training_asks_then_stops_cleanly(window, prompts, qtbot, tmp_path, answer):
    panel = window.training
    panel.refresh_each_epoch.setChecked(False)
    out = tmp_path / "closing.safetensors"
    panel.start_spec(tiny_spec(out, epochs=100_000))  # far more than the test lasts: it must be stopped
    qtbot.waitUntil(lambda: panel.progress.value() > 0 or bool(prompts.errors), timeout=120_000)
    assert not prompts.errors
    prompts.confirm_answer = answer
    window.close()
    assert prompts.confirmations == ["Training is running"], prompts.errors
    if answer:
        assert panel.worker.isFinished() and out.exists()
        assert not window.isVisible()
    else:
        assert panel.is_running and window.isVisible()
        panel.stop_and_wait()


def test_opened_checkpoint_shows_its_history_as_curves(vae_window):
    history = vae_window.session.explorer.checkpoint.history
    panel = vae_window.training
    assert len(history) == 1
    assert panel.elbo_plot.points("test −ELBO") == 1 and panel.loss_plot.points("recon") == 1
    assert panel.heatmap.values.shape == (1, vae_window.session.explorer.latent_dim)
    assert np.isfinite(panel.heatmap.values).all()
    assert Path(vae_window.session.path).name in vae_window.model_panel.summary.text()


def test_form_carries_collapse_settings_for_sentence_models(window):
    panel = window.training
    panel.ensure_model_choices()
    panel.model_kind.setCurrentText("sentence-vae")
    panel.free_bits.setValue(0.25)
    panel.word_dropout.setValue(0.3)
    spec = panel.build_spec()
    assert spec.train.objective.free_bits == 0.25 and spec.model_options == {"word_dropout": 0.3}
    panel.model_kind.setCurrentText("vae")
    assert panel.build_spec().model_options == {}
