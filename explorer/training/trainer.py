"""The training loop. Data that fits in memory lives as one tensor on the device and is batched by index; progress
is reported through a callback; stop and pause flags are checked every step; a NaN restores the last good weights."""
from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from explorer.data.base import Dataset, Split
from explorer.device import pick_device
from explorer.errors import ConfigError, TrainingError
from explorer.models.base import Batch, LatentModel
from explorer.training.objectives import Objective, ObjectiveConfig

EVENT_INTERVAL_S = 0.05  # step events at most ~20 per second: each one costs a device sync


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    device: str = "auto"
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    binarize: bool = False  # dynamic binarisation: each batch's pixels resampled as Bernoulli draws
    grad_clip: float | None = None
    autosave_every: int = 0  # epochs; 0 = never
    eval_batch_size: int = 1000

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        values = dict(data)
        values["objective"] = ObjectiveConfig.from_dict(values.get("objective", {}))
        return cls(**values)

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or not self.lr > 0:
            raise ConfigError(f"epochs and batch size must be >= 1 and lr > 0; got epochs={self.epochs}, "
                              f"batch size={self.batch_size}, lr={self.lr}")


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
        train = dataset.train
        if len(train) == 0:
            raise TrainingError(f"dataset {dataset.id!r} has no training examples")
        self._x = train.x.to(self.device)
        self._y = train.y.to(self.device)
        self._lengths = None if train.lengths is None else train.lengths.to(self.device)
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

    def _batch(self, index: torch.Tensor, generator: torch.Generator | None) -> Batch:
        x = self._x[index]
        lengths = None
        if self._lengths is not None:
            lengths = self._lengths[index]
            x = x[:, : int(lengths.max())]
        elif self.config.binarize:
            x = torch.bernoulli(x)
        return Batch(x, self._y[index], lengths)

    def run(self) -> TrainResult:
        config, model = self.config, self.model
        n = self._x.shape[0]
        steps_per_epoch = math.ceil(n / config.batch_size)
        first_epoch = len(self.history) + 1
        last_epoch = first_epoch + config.epochs - 1
        total_steps = self.global_step + config.epochs * steps_per_epoch
        torch.manual_seed(config.seed + first_epoch)
        order = torch.Generator().manual_seed(config.seed + first_epoch)
        good_model, good_optim = self._snapshot()
        stopped = False
        run_start_step, run_start = self.global_step, time.perf_counter()
        for epoch in range(first_epoch, last_epoch + 1):
            model.train()
            epoch_start, paused_s = time.perf_counter(), 0.0
            perm = torch.randperm(n, generator=order).to(self.device)
            sums = torch.zeros(3, device=self.device)  # loss, recon, kl
            seen, last_emit = 0, 0.0
            for step in range(steps_per_epoch):
                if not self._running.is_set():
                    wait_start = time.perf_counter()
                    self._running.wait()
                    paused_s += time.perf_counter() - wait_start
                if self._stop.is_set():
                    stopped = True
                    break
                index = perm[step * config.batch_size:(step + 1) * config.batch_size]
                batch = self._batch(index, order)
                terms = model.loss_terms(batch)
                loss, stats = self.objective(terms, self.global_step)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                self.optimizer.step()
                self.global_step += 1
                seen += len(index)
                with torch.no_grad():
                    values = torch.stack([loss.detach(), terms["recon"].detach().mean(), terms["kl"].detach().mean()])
                    sums += values * len(index)
                now = time.perf_counter()
                if now - last_emit >= EVENT_INTERVAL_S or step == steps_per_epoch - 1:
                    last_emit = now
                    loss_v, recon_v, kl_v = values.tolist()
                    if not math.isfinite(loss_v):
                        self._restore(good_model, good_optim)
                        raise TrainingError(
                            f"the loss became {loss_v} at epoch {epoch}, step {step + 1} (lr {config.lr:g}); "
                            f"training stopped and the model was restored to the end of epoch {epoch - 1}. "
                            "Try a lower learning rate or gradient clipping.")
                    if self.on_event is not None:
                        rate = seen / max(1e-9, now - epoch_start - paused_s)
                        done = self.global_step - run_start_step
                        elapsed = now - run_start
                        self.on_event(StepEvent(
                            epoch=epoch, step=step + 1, steps_per_epoch=steps_per_epoch,
                            global_step=self.global_step, total_steps=total_steps, recon=recon_v, kl=kl_v,
                            loss=loss_v, beta=float(stats["beta"]), capacity=stats["capacity"], lr=config.lr,
                            examples_per_s=rate, eta_s=elapsed / max(1, done) * (total_steps - self.global_step)))
            if seen == 0:
                break
            seconds = time.perf_counter() - epoch_start - paused_s
            train_loss, train_recon, train_kl = (sums / seen).tolist()
            if not math.isfinite(train_loss):
                self._restore(good_model, good_optim)
                raise TrainingError(f"the loss became {train_loss} during epoch {epoch}; training stopped and "
                                    f"the model was restored to the end of epoch {epoch - 1}")
            record = {"epoch": epoch, "step": self.global_step, "train_loss": train_loss,
                      "train_recon": train_recon, "train_kl": train_kl,
                      **self._evaluate(self.dataset.test),
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

    @torch.no_grad()
    def _evaluate(self, split: Split) -> dict:
        """Test -ELBO, reconstruction and KL per example, KL per dimension and active units."""
        model = self.model
        model.eval()
        if len(split) == 0:
            return {}
        totals = torch.zeros(2, device=self.device)
        kl_dims, means = 0.0, []
        for start in range(0, len(split), self.config.eval_batch_size):
            part = split.subset(slice(start, start + self.config.eval_batch_size))
            lengths = part.lengths
            x = part.x if lengths is None else part.x[:, : int(lengths.max())]
            batch = Batch(x, part.y, lengths).to(self.device)
            terms = model.loss_terms(batch)
            totals += torch.stack([terms["recon"].sum(), terms["kl"].sum()])
            kl_dims = kl_dims + terms["kl_per_dim"].sum(0)
            if model.latent_dim:
                means.append(model.encode(batch.x, batch.y if model.conditional else None, batch.lengths).mean)
        model.train()
        recon, kl = (totals / len(split)).tolist()
        active = 0
        if means:
            active = int((torch.cat(means).var(0, unbiased=False) > 0.01).sum())
        kl_per_dim = (kl_dims / len(split)).tolist() if isinstance(kl_dims, torch.Tensor) else []
        return {"test_elbo": recon + kl, "test_recon": recon, "test_kl": kl, "kl_per_dim": kl_per_dim,
                "active_units": active}

    def _snapshot(self) -> tuple[dict, dict]:
        model_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return model_state, copy.deepcopy(self.optimizer.state_dict())

    def _restore(self, model_state: dict, optim_state: dict) -> None:
        self.model.load_state_dict(model_state)
        self.optimizer.load_state_dict(optim_state)
