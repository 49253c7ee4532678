"""The training loop. Data that fits in memory lives as one tensor on the device and is batched by a seeded
permutation of indices; each step is the model's own ``training_step`` (one or several optimizers); whatever
scalars it returns are logged and reported through a callback; stop and pause flags are checked every step; a
non-finite scalar restores the last good weights and raises TrainingError. Under torchrun each rank trains on its
share of every batch (see ``explorer.training.distributed``)."""
from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from explorer.analysis.evaluation import evaluation_pass
from explorer.data.base import Dataset, Split
from explorer.device import pick_device
from explorer.errors import ConfigError, TrainingError
from explorer.models.base import Batch, LatentModel, StepContext
from explorer.training.batching import epoch_order
from explorer.training.distributed import Distributed
from explorer.training.events import EpochEvent, StepEvent
from explorer.training.faults import Faults
from explorer.training.objectives import SCHEDULE_KEYS, Objective, ObjectiveConfig, config_fields

# Step events at most ~20 per second: each one reads scalars back from the device (a sync). Per-step scalars stay
# on the device in between, so a non-finite value is still located at its exact step.
EVENT_INTERVAL_S = 0.05


@dataclass
class TrainConfig:
    epochs: int = 10
    batch_size: int = 128  # the global batch: under torchrun each rank takes batch_size / world_size of it
    lr: float = 1e-3
    seed: int = 0
    device: str = "auto"
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    binarize: bool = False  # dynamic binarisation: each batch's pixels resampled as Bernoulli draws
    bucket_lengths: bool = True  # sentences: batches of similar lengths (explorer.training.batching)
    grad_clip: float | None = None  # max global gradient norm; None: no clipping
    autosave_every: int = 1  # epochs; 0 = never
    eval_batch_size: int = 1000

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
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
class TrainResult:
    model: LatentModel
    history: list[dict]
    stopped: bool
    epochs_done: int


class Trainer:
    """Trains ``model`` on ``dataset.train``. Passing ``history`` (and ``optimizer_state``, one state per named
    optimizer) resumes: epochs and steps continue after the last record. ``request_stop``, ``pause`` and ``resume``
    may be called from any thread."""

    def __init__(self, model: LatentModel, dataset: Dataset, config: TrainConfig,
                 on_event: Callable | None = None, history: list[dict] | None = None,
                 optimizer_state: dict | None = None, on_epoch_end: Callable | None = None,
                 distributed: Distributed | None = None, device: str | torch.device | None = None):
        config.validate()
        self.config = config
        self.distributed = distributed or Distributed()
        if config.batch_size < self.distributed.world_size:
            raise ConfigError(f"batch size {config.batch_size} is smaller than the {self.distributed.world_size} "
                              "ranks that share each batch")
        self.device = torch.device(device) if device is not None else pick_device(config.device)
        self.model = model.to(self.device)
        self.dataset = dataset
        self.on_event = on_event
        self.on_epoch_end = on_epoch_end
        self.history: list[dict] = list(history or [])
        self.global_step = int(self.history[-1]["step"]) if self.history else 0
        self.objective = Objective(config.objective, model.latent_layout.discrete)
        self.optimizers = model.configure_optimizers(config.lr)
        if optimizer_state:
            self._load_optimizer_state(optimizer_state)
        if len(dataset.train) == 0:
            raise TrainingError(f"dataset {dataset.id!r} has no training examples")
        self._train = self._on_device(dataset.train)
        self._test = self._on_device(dataset.test)
        self._faults = Faults()
        self.stopped = False  # set when a stop request ended the run early
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def _load_optimizer_state(self, states: dict) -> None:
        missing = sorted(set(self.optimizers) - set(states))
        if missing:
            raise TrainingError(f"the saved optimizer state has no {', '.join(missing)} optimizer for this model")
        for name, optimizer in self.optimizers.items():
            try:
                optimizer.load_state_dict(states[name])
            except (ValueError, KeyError, TypeError) as exc:
                raise TrainingError(f"the saved {name!r} optimizer state does not fit this model: {exc}") from exc
            for group in optimizer.param_groups:  # the saved state carries its lr; this run's config wins
                group["lr"] = self.config.lr

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

    def optimizer_state(self) -> dict[str, dict]:
        return {name: optimizer.state_dict() for name, optimizer in self.optimizers.items()}

    def _on_device(self, split: Split) -> Split:
        lengths = None if split.lengths is None else split.lengths.to(self.device)
        return Split(split.x.to(self.device), split.y.to(self.device), lengths)

    def _should_stop(self) -> bool:
        if not self._running.is_set():
            self._running.wait()
        return self.distributed.broadcast_flag(self._stop.is_set(), self.device)

    def run(self) -> TrainResult:
        config, model, ranks = self.config, self.model, self.distributed
        n = len(self._train)
        steps_per_epoch = math.ceil(n / config.batch_size)
        first_epoch = len(self.history) + 1
        last_epoch = first_epoch + config.epochs - 1
        total_steps = self.global_step + config.epochs * steps_per_epoch
        # The global generator drives the model's own noise (reparameterisation, dropout, DAE corruption): one
        # stream per rank. The batch order is one seeded permutation shared by every rank; binarisation has its own.
        seed = config.seed + first_epoch
        torch.manual_seed(seed + 1_000_003 * ranks.rank)
        order = torch.Generator().manual_seed(seed)
        binarize = torch.Generator(device=self.device).manual_seed(seed + ranks.rank) if config.binarize else None
        ctx = StepContext(self.optimizers, self.objective, config.grad_clip,
                          ranks.average_gradients if ranks.enabled else None)
        good = self._snapshot()
        stopped = False
        run_start_step, run_start, run_paused_s = self.global_step, time.perf_counter(), 0.0
        names: list[str] = []
        for epoch in range(first_epoch, last_epoch + 1):
            model.train()
            epoch_start, paused_s = time.perf_counter(), 0.0
            perm = epoch_order(n, config.batch_size, order,
                               self._train.lengths if config.bucket_lengths else None).to(self.device)
            log = None  # (steps, scalars) on the device
            seen, last_emit, done_steps = 0, 0.0, 0
            for step in range(steps_per_epoch):
                wait_start = time.perf_counter()
                if self._should_stop():
                    stopped = self.stopped = True
                    break
                paused_s += time.perf_counter() - wait_start
                index = perm[step * config.batch_size:(step + 1) * config.batch_size]
                if self._faults.at(self.global_step + 1):
                    with torch.no_grad():
                        next(model.parameters()).fill_(float("nan"))
                scalars = model.training_step(Batch.of(self._train, ranks.shard(index), binarize),
                                              self.global_step, ctx)
                self.global_step += 1
                seen += len(index)
                done_steps = step + 1
                if log is None:
                    names = list(scalars)
                    log = torch.zeros(steps_per_epoch, len(names), device=self.device)
                with torch.no_grad():
                    log[step] = torch.stack([torch.as_tensor(scalars[k], device=self.device).detach().float()
                                             for k in names])
                now = time.perf_counter()
                if now - last_emit >= EVENT_INTERVAL_S or done_steps == steps_per_epoch:
                    last_emit = now
                    values = log[step].tolist()
                    if not all(math.isfinite(v) for v in values):
                        self._fail(log[:done_steps], names, epoch, good)
                    if self.on_event is not None:
                        done = self.global_step - run_start_step
                        elapsed = now - run_start - run_paused_s - paused_s
                        self.on_event(StepEvent(
                            epoch=epoch, step=done_steps, steps_per_epoch=steps_per_epoch,
                            global_step=self.global_step, total_steps=total_steps,
                            scalars=dict(zip(names, values)), schedule=self.objective.schedule_at(self.global_step),
                            examples_per_s=seen / max(1e-9, now - epoch_start - paused_s),
                            eta_s=elapsed / max(1, done) * (total_steps - self.global_step)))
            run_paused_s += paused_s
            if seen == 0:
                break
            seconds = time.perf_counter() - epoch_start - paused_s
            if not bool(torch.isfinite(log[:done_steps]).all()):
                self._fail(log[:done_steps], names, epoch, good)
            sizes = torch.full((done_steps,), float(config.batch_size), device=self.device)
            sizes[-1] = seen - config.batch_size * (done_steps - 1)
            means = (sizes @ log[:done_steps] / seen).tolist()
            test = self.evaluate_split(self._test)
            if not all(math.isfinite(v) for v in (test.get("test_elbo", 0.0), test.get("test_recon", 0.0))):
                self._fail_test(test, epoch, good)
            record = {"epoch": epoch, "step": self.global_step,
                      **{f"train_{name}": value for name, value in zip(names, means)},
                      **test, **_schedule_record(self.objective.schedule_at(self.global_step)),
                      "lr": config.lr, "seconds": seconds, "examples_per_s": seen / max(1e-9, seconds),
                      "partial": stopped}
            self.history.append(record)
            good = self._snapshot()
            if self.on_event is not None:
                self.on_event(EpochEvent(epoch=epoch, epochs=last_epoch, record=record))
            if self.on_epoch_end is not None:
                self.on_epoch_end(self, epoch, stopped or epoch == last_epoch)
            if stopped:
                break
        return TrainResult(model=model, history=self.history, stopped=stopped,
                           epochs_done=len(self.history) - first_epoch + 1)

    def _fail(self, log: torch.Tensor, names: list[str], epoch: int, good) -> None:
        """Restore the last good weights and optimizer states, and name the first step and scalar not finite."""
        bad_rows = (~torch.isfinite(log)).any(1).nonzero()
        row = int(bad_rows[0]) if len(bad_rows) else len(log) - 1
        column = int((~torch.isfinite(log[row])).nonzero()[0]) if len(bad_rows) else 0
        self._restore(good)
        raise TrainingError(
            f"the {names[column]} became {float(log[row, column])} at epoch {epoch}, step {row + 1} "
            f"(lr {self.config.lr:g}); training stopped and the model was restored to {self._restored(epoch)}. "
            "Try a lower learning rate or gradient clipping.")

    def _fail_test(self, test: dict, epoch: int, good) -> None:
        self._restore(good)
        raise TrainingError(
            f"the test -ELBO became {test.get('test_elbo')} after epoch {epoch} (lr {self.config.lr:g}); training "
            f"stopped and the model was restored to {self._restored(epoch)}. Try a lower learning rate or "
            "gradient clipping.")

    @staticmethod
    def _restored(epoch: int) -> str:
        return f"the end of epoch {epoch - 1}" if epoch > 1 else "its initial weights"

    def evaluate_split(self, split: Split) -> dict:
        """Test -ELBO, reconstruction and KL per example, KL per dimension (and per discrete variable) and active
        units, from one evaluation pass. Under torchrun each rank evaluates its share and the sums are added up,
        so every rank gets the whole split's figures."""
        if len(split) == 0:
            return {}
        ranks = self.distributed
        return evaluation_pass(self.model, split, self.config.eval_batch_size, rank=ranks.rank,
                               world_size=ranks.world_size, reduce=ranks.sum if ranks.enabled else None).record()

    def _snapshot(self) -> tuple[dict, dict]:
        model_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        return model_state, copy.deepcopy(self.optimizer_state())

    def _restore(self, good: tuple[dict, dict]) -> None:
        model_state, optim_state = good
        self.model.load_state_dict(model_state)
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(optim_state[name])


def _schedule_record(schedule: dict[str, float]) -> dict:
    """The schedule's values for an epoch record; a value a run does not use (a capacity) is recorded as None."""
    return {**dict.fromkeys(SCHEDULE_KEYS), **schedule}
