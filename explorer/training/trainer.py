"""The training loop. Data that fits in memory lives as one tensor on the device and is batched by a seeded
permutation of indices; progress is reported through a callback; stop and pause flags are checked every step; a
non-finite loss restores the last good weights and raises TrainingError."""
from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from explorer.analysis.metrics import AU_THRESHOLD, active_units
from explorer.data.base import Dataset, Split
from explorer.device import pick_device
from explorer.errors import ConfigError, TrainingError
from explorer.models.base import Batch, LatentModel
from explorer.training.objectives import Objective, ObjectiveConfig, config_fields

# Step events at most ~20 per second: each one reads scalars back from the device (a sync). Per-step losses stay
# on the device in between, so a non-finite loss is still located at its exact step.
EVENT_INTERVAL_S = 0.05


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    device: str = "auto"
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    binarize: bool = False  # dynamic binarisation: each batch's pixels resampled as Bernoulli draws
    grad_clip: float | None = None  # max global gradient norm; None: no clipping
    autosave_every: int = 0  # epochs; 0 = never
    eval_batch_size: int = 1000

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        values = config_fields(cls, data, "training")
        values["objective"] = ObjectiveConfig.from_dict(values.get("objective", {}))
        return cls(**values)

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.eval_batch_size < 1 or not self.lr > 0:
            raise ConfigError(f"epochs and batch sizes must be >= 1 and lr > 0; got epochs={self.epochs}, "
                              f"batch size={self.batch_size}, eval batch size={self.eval_batch_size}, lr={self.lr}")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ConfigError(f"gradient clipping needs a max norm > 0 (or none), got {self.grad_clip}")
        if self.autosave_every < 0:
            raise ConfigError(f"autosave_every must be >= 0 epochs, got {self.autosave_every}")


@dataclass
class StepEvent:
    epoch: int
    step: int
    steps_per_epoch: int
    global_step: int
    total_steps: int
    recon: float
    kl: float
    loss: float
    beta: float
    capacity: float | None
    lr: float
    examples_per_s: float
    eta_s: float


@dataclass
class EpochEvent:
    epoch: int
    epochs: int
    record: dict


@dataclass
class TrainResult:
    model: LatentModel
    history: list[dict]
    stopped: bool
    epochs_done: int


class Trainer:
    """Trains ``model`` on ``dataset.train`` with Adam. Passing ``history`` (and ``optimizer_state``) resumes: epochs
    and steps continue after the last record. ``request_stop``, ``pause`` and ``resume`` may be called from any
    thread."""

    def __init__(self, model: LatentModel, dataset: Dataset, config: TrainConfig,
                 on_event: Callable | None = None, history: list[dict] | None = None,
                 optimizer_state: dict | None = None, on_autosave: Callable | None = None):
        config.validate()
        self.config = config
        self.device = pick_device(config.device)
        self.model = model.to(self.device)
        self.dataset = dataset
        self.on_event = on_event
        self.on_autosave = on_autosave
        self.history: list[dict] = list(history or [])
        self.global_step = int(self.history[-1]["step"]) if self.history else 0
        self.objective = Objective(config.objective)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        if optimizer_state:
            try:
                self.optimizer.load_state_dict(optimizer_state)
            except (ValueError, KeyError) as exc:
                raise TrainingError(f"the saved optimizer state does not fit this model: {exc}") from exc
            for group in self.optimizer.param_groups:  # the saved state carries its lr; this run's config wins
                group["lr"] = config.lr
        if len(dataset.train) == 0:
            raise TrainingError(f"dataset {dataset.id!r} has no training examples")
        self._train = self._on_device(dataset.train)
        self._test = self._on_device(dataset.test)
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # Control, callable from any thread
    def request_stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def optimizer_state(self) -> dict:
        return self.optimizer.state_dict()

    def _on_device(self, split: Split) -> Split:
        lengths = None if split.lengths is None else split.lengths.to(self.device)
        return Split(split.x.to(self.device), split.y.to(self.device), lengths)

    def _batch(self, split: Split, index: torch.Tensor | slice, noise: torch.Generator | None = None) -> Batch:
        x, lengths = split.x[index], None
        if split.lengths is not None:
            lengths = split.lengths[index]
            x = x[:, : int(lengths.max())]  # drop the columns that are padding for the whole batch
        elif noise is not None:
            x = torch.bernoulli(x, generator=noise)
        return Batch(x, split.y[index], lengths)

    def run(self) -> TrainResult:
        config, model = self.config, self.model
        n = len(self._train)
        steps_per_epoch = math.ceil(n / config.batch_size)
        first_epoch = len(self.history) + 1
        last_epoch = first_epoch + config.epochs - 1
        total_steps = self.global_step + config.epochs * steps_per_epoch
        # The global generator drives the model's own noise (reparameterisation, DAE corruption); the trainer's
        # generators drive the batch order (CPU) and binarisation (on the data's device).
        seed = config.seed + first_epoch
        torch.manual_seed(seed)
        order = torch.Generator().manual_seed(seed)
        binarize = torch.Generator(device=self.device).manual_seed(seed) if config.binarize else None
        good_model, good_optim = self._snapshot()
        stopped = False
        run_start_step, run_start, run_paused_s = self.global_step, time.perf_counter(), 0.0
        for epoch in range(first_epoch, last_epoch + 1):
            model.train()
            epoch_start, paused_s = time.perf_counter(), 0.0
            perm = torch.randperm(n, generator=order).to(self.device)
            log = torch.zeros(steps_per_epoch, 3, device=self.device)  # loss, recon, kl of each step
            seen, last_emit, done_steps = 0, 0.0, 0
            for step in range(steps_per_epoch):
                if not self._running.is_set():
                    wait_start = time.perf_counter()
                    self._running.wait()
                    paused_s += time.perf_counter() - wait_start
                if self._stop.is_set():
                    stopped = True
                    break
                index = perm[step * config.batch_size:(step + 1) * config.batch_size]
                terms = model.loss_terms(self._batch(self._train, index, binarize))
                loss, stats = self.objective(terms, self.global_step)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                self.optimizer.step()
                self.global_step += 1
                seen += len(index)
                done_steps = step + 1
                with torch.no_grad():
                    log[step] = torch.stack([loss.detach(), terms["recon"].detach().mean(),
                                             terms["kl"].detach().mean()])
                now = time.perf_counter()
                if now - last_emit >= EVENT_INTERVAL_S or done_steps == steps_per_epoch:
                    last_emit = now
                    loss_v, recon_v, kl_v = log[step].tolist()
                    if not math.isfinite(loss_v):
                        self._fail(log[:done_steps], epoch, good_model, good_optim)
                    if self.on_event is not None:
                        done = self.global_step - run_start_step
                        elapsed = now - run_start - run_paused_s - paused_s
                        self.on_event(StepEvent(
                            epoch=epoch, step=done_steps, steps_per_epoch=steps_per_epoch,
                            global_step=self.global_step, total_steps=total_steps, recon=recon_v, kl=kl_v,
                            loss=loss_v, beta=float(stats["beta"]), capacity=stats["capacity"], lr=config.lr,
                            examples_per_s=seen / max(1e-9, now - epoch_start - paused_s),
                            eta_s=elapsed / max(1, done) * (total_steps - self.global_step)))
            run_paused_s += paused_s
            if seen == 0:
                break
            seconds = time.perf_counter() - epoch_start - paused_s
            if not bool(torch.isfinite(log[:done_steps, 0]).all()):
                self._fail(log[:done_steps], epoch, good_model, good_optim)
            sizes = torch.full((done_steps,), float(config.batch_size), device=self.device)
            sizes[-1] = seen - config.batch_size * (done_steps - 1)
            train_loss, train_recon, train_kl = (sizes @ log[:done_steps] / seen).tolist()
            evaluation = self._evaluate(self._test)
            if not math.isfinite(evaluation.get("test_elbo", 0.0)):
                self._restore(good_model, good_optim)
                raise TrainingError(
                    f"the test loss became {evaluation['test_elbo']} after epoch {epoch} (lr {config.lr:g}); training "
                    f"stopped and the model was restored to {self._restored_to(epoch)}. Try a lower learning rate "
                    "or gradient clipping.")
            record = {"epoch": epoch, "step": self.global_step, "train_loss": train_loss,
                      "train_recon": train_recon, "train_kl": train_kl,
                      **evaluation,
                      "beta": float(stats["beta"]), "capacity": stats["capacity"], "lr": config.lr,
                      "seconds": seconds, "examples_per_s": seen / max(1e-9, seconds), "partial": stopped}
            self.history.append(record)
            good_model, good_optim = self._snapshot()
            if self.on_event is not None:
                self.on_event(EpochEvent(epoch=epoch, epochs=last_epoch, record=record))
            if stopped:
                break
            if self.on_autosave is not None and config.autosave_every and epoch % config.autosave_every == 0:
                self.on_autosave(self)
        return TrainResult(model=model, history=self.history, stopped=stopped,
                           epochs_done=len(self.history) - first_epoch + 1)

    def _fail(self, log: torch.Tensor, epoch: int, good_model: dict, good_optim: dict) -> None:
        """Restore the last good weights and optimizer state, and name the first step whose loss was not finite."""
        bad = (~torch.isfinite(log[:, 0])).nonzero()
        step = int(bad[0]) + 1 if len(bad) else len(log)
        value = float(log[step - 1, 0])
        self._restore(good_model, good_optim)
        raise TrainingError(
            f"the loss became {value} at epoch {epoch}, step {step} (lr {self.config.lr:g}); training stopped and "
            f"the model was restored to {self._restored_to(epoch)}. Try a lower learning rate or gradient clipping.")

    def _restored_to(self, epoch: int) -> str:
        return f"the end of epoch {epoch - 1}" if epoch > 1 else "its initial weights"

    @torch.no_grad()
    def _evaluate(self, split: Split) -> dict:
        """Test -ELBO, reconstruction and KL per example, KL per dimension and active units, in eval mode."""
        model = self.model
        if len(split) == 0:
            return {}
        model.eval()
        totals = torch.zeros(2, device=self.device)
        kl_dims = torch.zeros(model.latent_dim, device=self.device)
        means = []
        for start in range(0, len(split), self.config.eval_batch_size):
            batch = self._batch(split, slice(start, start + self.config.eval_batch_size))
            terms = model.loss_terms(batch)
            totals += torch.stack([terms["recon"].sum(), terms["kl"].sum()])
            if model.latent_dim:
                kl_dims += terms["kl_per_dim"].sum(0)
                means.append(model.encode(batch.x, batch.y if model.conditional else None, batch.lengths).mean)
        model.train()
        recon, kl = (totals / len(split)).tolist()
        active = active_units(torch.cat(means), AU_THRESHOLD)[0] if means else 0
        return {"test_elbo": recon + kl, "test_recon": recon, "test_kl": kl,
                "kl_per_dim": (kl_dims / len(split)).tolist(), "active_units": active}

    def _snapshot(self) -> tuple[dict, dict]:
        model_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return model_state, copy.deepcopy(self.optimizer.state_dict())

    def _restore(self, model_state: dict, optim_state: dict) -> None:
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optim_state)
