import threading

import pytest
import torch

from explorer.errors import ConfigError, TrainingError
from explorer.training.events import EpochEvent, StepEvent
from explorer.training.trainer import TrainConfig, Trainer
from tests.conftest import tiny_model


def config(**kw):
    return TrainConfig(**{"epochs": 3, "batch_size": 64, "device": "cpu", **kw})


def test_loss_falls_and_events_arrive(digits):
    events = []
    trainer = Trainer(tiny_model(), digits, config(), on_event=events.append)
    result = trainer.run()
    epochs = [e.record for e in events if isinstance(e, EpochEvent)]
    assert [r["epoch"] for r in epochs] == [1, 2, 3] and not result.stopped
    assert epochs[-1]["test_elbo"] < epochs[0]["test_elbo"] - 2
    assert len(epochs[-1]["kl_per_dim"]) == 4 and 0 <= epochs[-1]["active_units"] <= 4
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert steps and steps[-1].global_step == steps[-1].total_steps == 3 * 23 and steps[-1].examples_per_s > 0
    assert steps[-1].eta_s == 0 and steps[-1].step == steps[-1].steps_per_epoch == 23
    assert set(steps[-1].scalars) == {"loss", "recon", "kl"} and steps[-1].schedule == {"beta": 1.0}
    assert epochs[-1]["train_loss"] == pytest.approx(epochs[-1]["train_recon"] + epochs[-1]["train_kl"], rel=1e-4)


@pytest.mark.parametrize("kind,options", [("ae", {}), ("dae", {"noise_type": "masking"})])
def test_autoencoders_train(digits, kind, options):
    history = Trainer(tiny_model(kind, **options), digits, config(epochs=2)).run().history
    assert history[1]["test_recon"] < history[0]["test_recon"]
    assert history[-1]["test_kl"] == 0 and history[-1]["kl_per_dim"] == [0.0] * 4


def test_cvae_trains(digits):
    trainer = Trainer(tiny_model("cvae", num_classes=10, learned_prior=True), digits, config(epochs=2))
    history = trainer.run().history
    assert history[1]["test_elbo"] < history[0]["test_elbo"]


def test_seeded_runs_are_identical_on_cpu(digits):
    a, b = tiny_model(), tiny_model()
    Trainer(a, digits, config(epochs=1, binarize=True)).run()
    Trainer(b, digits, config(epochs=1, binarize=True)).run()
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name


def test_stop_flag_stops_within_a_step(digits):
    steps = []
    trainer = Trainer(tiny_model(), digits, config(epochs=50))

    def on_event(event):
        if isinstance(event, StepEvent):
            steps.append(event.global_step)
            trainer.request_stop()

    trainer.on_event = on_event
    result = trainer.run()
    assert result.stopped and trainer.global_step == steps[0]
    assert result.history[-1]["partial"] is True


def test_pause_blocks_until_resume(digits):
    trainer = Trainer(tiny_model(), digits, config(epochs=1))
    trainer.pause()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (trainer.run(), done.set()))
    worker.start()
    assert not done.wait(0.3) and trainer.global_step == 0
    trainer.resume()
    assert done.wait(30)
    worker.join()


def test_nan_restores_the_last_good_weights(digits):
    model = tiny_model()
    trainer = Trainer(model, digits, config(epochs=3))
    good = {}

    def poison(event):
        if isinstance(event, EpochEvent) and event.epoch == 1:
            good.update({k: v.clone() for k, v in model.state_dict().items()})
            with torch.no_grad():
                model.decoder_out[0].weight.fill_(float("nan"))

    trainer.on_event = poison
    with pytest.raises(TrainingError, match="restored to the end of epoch 1"):
        trainer.run()
    for name, value in model.state_dict().items():
        assert torch.equal(value, good[name]), name


def test_exploding_lr_is_caught_at_its_step(digits):
    model = tiny_model()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(TrainingError, match=r"the loss became (nan|inf) at epoch 1, step \d+ .*restored to its "
                                            "initial weights"):
        Trainer(model, digits, config(lr=1e12)).run()
    for name, value in model.state_dict().items():
        assert torch.equal(value, initial[name]), name


def test_resume_continues_numbering_and_optimizer(digits):
    model = tiny_model()
    first = Trainer(model, digits, config(epochs=2))
    first.run()
    second = Trainer(model, digits, config(epochs=1), history=first.history,
                     optimizer_state=first.optimizer_state())
    history = second.run().history
    assert [r["epoch"] for r in history] == [1, 2, 3]
    assert history[-1]["step"] == 3 * 23
    state = second.optimizer_state()["main"]["state"][0]
    assert int(state["step"]) == 3 * 23
    slower = Trainer(model, digits, config(epochs=1, lr=1e-4), history=history,
                     optimizer_state=second.optimizer_state())
    assert slower.optimizers["main"].param_groups[0]["lr"] == 1e-4  # the new run's lr, not the saved one
    with pytest.raises(TrainingError, match="no main optimizer"):
        Trainer(model, digits, config(epochs=1), history=history, optimizer_state={"other": {}})


def test_train_config_round_trips_and_is_checked():
    train = config(grad_clip=5.0, binarize=True)
    assert TrainConfig.from_dict(train.to_dict()) == train
    with pytest.raises(ConfigError, match="unknown training setting"):
        TrainConfig.from_dict({"epochs": 2, "epoch": 3})
    with pytest.raises(ConfigError, match="max norm > 0"):
        Trainer(tiny_model(), None, config(grad_clip=0.0))


def test_epoch_end_hook_says_which_epoch_is_last(digits):
    calls = []
    Trainer(tiny_model(), digits, config(epochs=3), on_epoch_end=lambda t, e, last: calls.append((e, last))).run()
    assert calls == [(1, False), (2, False), (3, True)]


def test_evaluation_leaves_the_training_random_stream_alone(digits):
    trainer = Trainer(tiny_model(), digits, config(epochs=1))
    torch.manual_seed(5)
    trainer.evaluate_split(trainer._test)
    after = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(after, torch.rand(3))


def test_injected_nan_fault_is_caught(digits, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_FAULT", "nan@5")
    with pytest.raises(TrainingError, match="at epoch 1, step 5 "):
        Trainer(tiny_model(), digits, config(epochs=1)).run()
