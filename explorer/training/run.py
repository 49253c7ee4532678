"""One training run from settings to checkpoint, shared by the CLI's ``train`` (and so by the app, which starts
that command as a child process): load the data, build (or resume) the model seeded, train, write snapshots at
autosave epochs and at the end, and report events. Under torchrun every rank runs this; rank 0 writes."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import explorer
from explorer.analysis.projection_worker import shared_worker
from explorer.data.base import Dataset
from explorer.data.registry import is_named_dataset, load_dataset
from explorer.data.tokenizers import dataset_tokenizer, tokenizer_for
from explorer.errors import ConfigError
from explorer.io.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from explorer.models.base import LatentModel
from explorer.models.registry import build_config, build_model, check_model_size, config_class
from explorer.models.settings import options_of
from explorer.training import distributed as dist_mod
from explorer.training.events import CheckpointEvent, StartEvent
from explorer.training.objectives import ObjectiveConfig
from explorer.training.options import RESUMABLE, complete
from explorer.training.trainer import TrainConfig, Trainer

SNAPSHOT_MI_ITEMS = 1000  # intermediate snapshots estimate mutual information on this many preview items


@dataclass
class RunSpec:
    """A run: its option values (every option of ``explorer.training.options``, checked), which of them the user
    gave explicitly, and where it writes."""

    options: dict
    given: frozenset = frozenset()
    out: str | None = None
    run_dir: str | None = None
    resume: str | None = None

    @classmethod
    def create(cls, out: str | None = None, run_dir: str | None = None, resume: str | None = None,
               **values) -> RunSpec:
        return cls(complete(values), frozenset(values), out, run_dir, resume)

    @property
    def model(self) -> str:
        return self.options["model"]

    @property
    def dataset(self) -> str:
        return self.options["dataset"]

    @property
    def train(self) -> TrainConfig:
        o = self.options
        schedule = {
            "constant": {"kind": "constant"},
            "linear": {"kind": "linear", "warmup_steps": o["warmup_steps"]},
            "logistic": {"kind": "logistic", "k": o["logistic_k"], "x0": o["logistic_x0"]},
            "cyclical": {"kind": "cyclical", "cycles": o["cycles"], "ratio": o["ratio"]},
        }[o["kl_schedule"]]
        objective = ObjectiveConfig(beta=o["beta"], schedule=schedule, capacity=o["capacity"], gamma=o["gamma"],
                                    capacity_steps=o["capacity_steps"], free_bits=o["free_bits"],
                                    capacity_c=o.get("capacity_c"))
        return TrainConfig(epochs=o["epochs"], batch_size=o["batch_size"], lr=o["lr"], seed=o["seed"],
                           device=o["device"], objective=objective, binarize=o["binarize"],
                           bucket_lengths=o["bucket_lengths"],
                           grad_clip=o["grad_clip"], autosave_every=o["autosave_every"])

    def model_options(self) -> dict:
        """The values of the options the chosen model kind declares."""
        return {option.name: self.options[option.name] for option in options_of(config_class(self.model))}

    def data_options(self, domain: str) -> dict:
        if domain != "text":
            return {}
        return {name: self.options[name] for name in ("max_len", "tokenizer", "vocab_size", "min_count")}


def run_label(kind: str, objective: ObjectiveConfig) -> str:
    """How the app names a run: e.g. 'β-VAE (β=4)', 'β-VAE (C=25 nats)', 'CVAE'."""
    if kind == "vae" and objective.capacity:
        return f"β-VAE (C={objective.capacity:g} nats)"
    if kind == "vae" and objective.beta != 1.0:
        return f"β-VAE (β={objective.beta:g})"
    return config_class(kind).info.display_name or kind


def build_model_for(spec: RunSpec, dataset: Dataset) -> LatentModel:
    config = build_config(spec.model, dataset.describe(), spec.model_options())
    check_model_size(config)
    return build_model(config)


@dataclass
class Snapshot:
    """What a run saved: the checkpoint and where it went."""

    checkpoint: Checkpoint
    path: str | None
    final: bool
    epoch: int = 0
    extra: dict = field(default_factory=dict)


class TrainingRun:
    """Prepare once, execute once. Stop, pause and resume may be called from another thread. ``on_event``
    receives every event (start, steps, epochs, checkpoints); ``checkpoint_path`` is where snapshots are written
    (None: nowhere)."""

    def __init__(self, spec: RunSpec, on_event: Callable | None = None, checkpoint_path: str | None = None):
        self.spec = spec
        self.on_event = on_event or (lambda event: None)
        self.checkpoint_path = checkpoint_path if checkpoint_path is not None else spec.out
        self.dataset: Dataset | None = None
        self.model: LatentModel | None = None
        self.trainer: Trainer | None = None
        self.distributed = dist_mod.Distributed()
        self._history: list[dict] = []
        self._optimizer_state: dict | None = None
        self._label = ""
        self._pending_stop = False
        self.last_snapshot: Snapshot | None = None
        self.map_worker = shared_worker()

    @property
    def options(self) -> dict:
        return self.spec.options

    def prepare(self) -> None:
        from explorer.device import pick_device

        pick_device(self.spec.options["device"])  # a device this machine lacks is named before any data loads
        if self.spec.resume:
            self._prepare_resume()  # the spec becomes the earlier run's settings with the given ones on top
        else:
            self.dataset = self._load_data(self.spec.dataset,
                                           self.spec.data_options(config_class(self.spec.model).info.domain))
        spec = self.spec
        train = spec.train
        self.distributed = dist_mod.from_environment(train.device)
        if self.distributed.is_main:
            self.map_worker.start()  # imports UMAP while the run trains, for the final snapshot's map
        device = dist_mod.device_for(self.distributed, train.device)
        _fill_step_counts(train, len(self.dataset.train), self.options["pretrain_epochs"])
        if not spec.resume:
            _check_pretraining(self.options)
            torch.manual_seed(train.seed)  # the initial weights: the same on every rank and for every autosave
            self.model = build_model_for(spec, self.dataset)
            self._label = run_label(self.model.kind, train.objective)
        self.trainer = Trainer(self.model, self.dataset, train, on_event=self.on_event, history=self._history,
                               optimizer_state=self._optimizer_state, on_epoch_end=self._on_epoch_end,
                               distributed=self.distributed, device=None if device == "auto" else device)
        if self._pending_stop:  # a stop that came while the data was loading
            self.trainer.request_stop()
        if self.distributed.is_main:
            self.on_event(StartEvent(
                kind=self.model.kind, label=self._label, latent_dim=self.model.latent_dim, dataset=self.dataset.id,
                train_size=len(self.dataset.train), test_size=len(self.dataset.test),
                device=str(self.trainer.device), world_size=self.distributed.world_size,
                first_epoch=len(self._history) + 1, epochs=train.epochs))

    def _load_data(self, dataset_id: str, data_options: dict) -> Dataset:
        o = self.options
        return load_dataset(dataset_id, o["data_dir"], o["download"], **data_options)

    def _prepare_resume(self) -> None:
        spec = self.spec
        previous = load_checkpoint(spec.resume)
        earlier = previous.meta.get("run_options")
        if not isinstance(earlier, dict):
            raise ConfigError(f"{spec.resume} does not record its run's settings (saved by an older version); "
                              "it can be explored but not continued")
        locked = sorted(name for name in spec.given if name not in RESUMABLE
                        and spec.options[name] != earlier.get(name, spec.options[name]))
        if locked:
            changes = ", ".join(f"--{n.replace('_', '-')} {earlier.get(n)!r} -> {spec.options[n]!r}" for n in locked)
            raise ConfigError(f"--resume continues {spec.resume} with its own model and data; it cannot change "
                              f"{changes}")
        dataset_id = previous.dataset["id"]
        if "dataset" not in spec.given and not is_named_dataset(dataset_id):
            raise ConfigError(f"{spec.resume} was trained on a corpus file; name it to resume (--dataset "
                              "text:PATH): a path recorded in a checkpoint is never opened by itself")
        merged = dict(earlier, **{name: spec.options[name] for name in spec.given})
        self.spec = dataclasses.replace(spec, options=complete(merged))
        self.model = previous.model
        self._history = list(previous.history)
        self._optimizer_state = previous.optimizer_state
        self._label = previous.label
        options = dict(previous.dataset.get("options", {}))
        if previous.dataset["domain"] == "text":  # the corpus read as the model read it, by its own tokenizer
            options["tokenizer"] = tokenizer_for(previous.dataset)
        self.dataset = self._load_data(self.spec.dataset, options)
        if previous.dataset.get("vocab") not in (None, self.dataset.extra.get("vocab")):
            raise ConfigError(f"{spec.resume}: the corpus' vocabulary differs from the checkpoint's; "
                              "resume needs the same corpus and options")

    # Control
    def request_stop(self) -> None:
        self._pending_stop = True
        if self.trainer is not None:
            self.trainer.request_stop()

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()

    def execute(self) -> Checkpoint | None:
        """Train, then save the final snapshot (``last_snapshot`` says where) and return its checkpoint (None on
        ranks other than 0). A stopped run still saves the model as it is."""
        if self.trainer is None:
            self.prepare()
        try:
            self.trainer.run()
            if self.last_snapshot is None or not self.last_snapshot.final:
                self.snapshot(final=True)
            return self.last_snapshot.checkpoint
        finally:
            self.distributed.close()

    def _on_epoch_end(self, trainer: Trainer, epoch: int, last: bool) -> None:
        if last:
            self.snapshot(final=True)
        elif self.trainer.config.autosave_every and epoch % self.trainer.config.autosave_every == 0:
            self.snapshot(final=False)

    def snapshot(self, final: bool) -> Snapshot:
        """The model as it is now, with its metrics and preview, saved (by rank 0) to the run's checkpoint path.
        An intermediate snapshot reuses the epoch's test figures and estimates mutual information on a bounded
        subset; the final one evaluates everything. Neither touches the training's random streams."""
        with torch.random.fork_rng(devices=[self.trainer.device] if self.trainer.device.type == "cuda" else []):
            checkpoint = self._build_checkpoint(final) if self.distributed.is_main else None
        path = None
        if checkpoint is not None and self.checkpoint_path:
            path = str(save_checkpoint(self.checkpoint_path, checkpoint.model, checkpoint.meta, checkpoint.preview,
                                       checkpoint.optimizer_state))
            epoch = self.trainer.history[-1]["epoch"] if self.trainer.history else 0
            self.on_event(CheckpointEvent(path=self._event_name(path), epoch=epoch, final=final))
        self.distributed.barrier()
        self.last_snapshot = Snapshot(checkpoint, path, final)
        return self.last_snapshot

    def _event_name(self, path: str) -> str:
        """The checkpoint as an event names it: relative to the run folder when it lies inside (the readers of a
        folder follow no other name)."""
        from explorer.training.run_folder import name_in_run

        inside = name_in_run(self.spec.run_dir, path) if self.spec.run_dir else None
        return inside or path

    def _build_checkpoint(self, final: bool) -> Checkpoint:
        from concurrent.futures import ThreadPoolExecutor

        from explorer.analysis.factor_metrics import factor_metrics, has_ground_truth
        from explorer.analysis.metrics import conditional_accuracy, evaluate
        from explorer.analysis.preview import SNAPSHOT_METHOD, encode_preview, preview_map, set_map
        from explorer.analysis.projection import DEFAULT_METHOD

        model, dataset, history = self.model, self.dataset, self.trainer.history
        model.eval()
        preview = encode_preview(model, dataset.test)
        with ThreadPoolExecutor(1, thread_name_prefix="map") as pool:  # the map fits in the worker meanwhile
            mapping = pool.submit(preview_map, preview.means, DEFAULT_METHOD if final else SNAPSHOT_METHOD,
                                  self.map_worker)
            if final or not history:
                metrics = evaluate(model, dataset.test, nll_samples=self.options["nll_samples"] if final else 0,
                                   tokenizer=dataset_tokenizer(dataset))
                if final and model.conditional and dataset.domain == "image":
                    metrics["conditional_accuracy"] = conditional_accuracy(model, dataset)
                if final and model.latent_dim and has_ground_truth(dataset):
                    metrics.update(factor_metrics(model, dataset))
            else:
                metrics = _metrics_from_record(history[-1], preview, len(dataset.test))
            set_map(preview, mapping.result())
        model.train()
        optimizer_state = self.trainer.optimizer_state() if self.options["optimizer_state"] else None
        meta = {
            "label": self._label,
            "dataset": dict(dataset.describe(), options=self.spec.data_options(dataset.domain)),
            "train_config": self.trainer.config.to_dict(),
            "run_options": dict(self.options),
            "history": list(history),
            "metrics": to_jsonable(metrics),
            "stopped_early": self.trainer.stopped,
            "world_size": self.distributed.world_size,
            "trained_with": {"app_version": explorer.__version__, "torch": torch.__version__,
                             "device": str(self.trainer.device)},
        }
        return Checkpoint(model=model, meta=dict(meta, model_config=model.config), preview=preview,
                          optimizer_state=optimizer_state)


def _metrics_from_record(record: dict, preview, examples: int) -> dict:
    """An intermediate snapshot's metrics: the epoch's test figures, and MI estimated on the preview."""
    from explorer.analysis.metrics import mutual_information

    metrics = {"elbo": record.get("test_elbo"), "recon": record.get("test_recon"), "kl": record.get("test_kl"),
               "kl_per_dim": record.get("kl_per_dim", []), "active_units": record.get("active_units", 0),
               "mutual_info": None, "examples": examples}
    if preview.logvars is not None and preview.means.shape[1]:
        n = min(SNAPSHOT_MI_ITEMS, len(preview.means))
        means = torch.from_numpy(preview.means[:n, :preview.logvars.shape[1]])  # the continuous part
        metrics["mutual_info"] = mutual_information(means, torch.from_numpy(preview.logvars[:n]))
        metrics["mutual_info_items"] = n
    return metrics


def _fill_step_counts(train: TrainConfig, train_size: int, pretrain_epochs: int) -> None:
    """Pre-training epochs become steps; a cyclical schedule spans the rest of the run unless told otherwise."""
    steps_per_epoch = -(-train_size // train.batch_size)
    train.objective.pretrain_steps = pretrain_epochs * steps_per_epoch
    schedule = train.objective.schedule
    if schedule.get("kind") == "cyclical" and not schedule.get("total_steps"):
        schedule["total_steps"] = max(steps_per_epoch, (train.epochs - pretrain_epochs) * steps_per_epoch)


def _check_pretraining(options: dict) -> None:
    pretrain, epochs = options["pretrain_epochs"], options["epochs"]
    if pretrain and not config_class(options["model"]).info.has_kl:
        raise ConfigError(f"--pretrain-epochs pre-trains a VAE as an autoencoder; {options['model']!r} has no KL term")
    if pretrain >= epochs:
        raise ConfigError(f"--pretrain-epochs {pretrain} leaves none of the {epochs} epochs for the VAE objective: "
                          "give more --epochs")


def to_jsonable(value):
    """Tensors, arrays, numpy scalars and dataclasses as plain JSON values, recursively."""
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, torch.Tensor):
        return to_jsonable(value.tolist())
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if dataclasses.is_dataclass(value):
        return to_jsonable(dataclasses.asdict(value))
    return value


def checkpoint_in(run_dir: str | None, out: str | None) -> str | None:
    """Where a run writes its checkpoint: ``--out`` when given, else the run folder's checkpoint file."""
    if out:
        return out
    if run_dir:
        from explorer.training.run_folder import CHECKPOINT_FILE

        return str(Path(run_dir) / CHECKPOINT_FILE)
    return None
