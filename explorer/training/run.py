"""One training run from settings to checkpoint: the function the CLI's `train` and the GUI's training worker
share. It loads the data, builds (or resumes) the model, trains, evaluates, builds the preview set and saves."""
from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

import explorer
from explorer.data.base import Dataset, Split
from explorer.data.registry import is_named_dataset, load_dataset
from explorer.errors import ConfigError
from explorer.limits import check_model_size
from explorer.io.checkpoint import Checkpoint, Preview, load_checkpoint, save_checkpoint
from explorer.models.base import LatentModel, build_model
from explorer.training.objectives import ObjectiveConfig
from explorer.training.trainer import Trainer, TrainConfig

IMAGE_KINDS = {"ae": "ae", "dae": "dae", "vae": "vae", "beta-vae": "vae", "cvae": "cvae"}
TEXT_KINDS = {"sentence-vae": "sentence-vae", "lm": "lm"}
MODEL_CHOICES = list(IMAGE_KINDS) + list(TEXT_KINDS)
PREVIEW_SIZE = 3000
KIND_NAMES = {"ae": "AE", "dae": "Denoising AE", "vae": "VAE", "cvae": "CVAE", "sentence-vae": "Sentence VAE",
              "lm": "Language model"}


@dataclass
class RunSpec:
    """Everything that defines a run. ``model`` is a user-facing kind (MODEL_CHOICES); ``model_options`` are
    extra architecture settings passed to the config builder (hidden sizes, rnn, word_dropout, ...)."""

    model: str | None = "vae"  # None when resuming: the checkpoint's
    dataset: str | None = "digits"  # None when resuming: the checkpoint's (when it is a named dataset)
    arch: str = "mlp"
    latent_dim: int | None = None
    model_options: dict = field(default_factory=dict)
    data_options: dict = field(default_factory=dict)
    train: TrainConfig = field(default_factory=TrainConfig)
    data_dir: str | None = None
    download: bool = False
    out: str | None = None
    resume: str | None = None
    nll_samples: int = 0
    keep_optimizer_state: bool = True  # False: a smaller file that can be explored but not resumed


def run_label(model_kind: str, objective: ObjectiveConfig) -> str:
    """How the app names a run: e.g. 'β-VAE (β=4)', 'β-VAE (C=25 nats)', 'CVAE'."""
    if model_kind == "vae" and objective.capacity:
        return f"β-VAE (C={objective.capacity:g} nats)"
    if model_kind == "vae" and objective.beta != 1.0:
        return f"β-VAE (β={objective.beta:g})"
    return KIND_NAMES.get(model_kind, model_kind)


def build_model_for(spec: RunSpec, dataset: Dataset) -> LatentModel:
    if spec.model in IMAGE_KINDS:
        if dataset.domain != "image":
            raise ConfigError(f"model {spec.model!r} needs an image dataset; {dataset.id!r} is {dataset.domain}")
        from explorer.models.image import image_model_config

        kind = IMAGE_KINDS[spec.model]
        options = dict(spec.model_options)
        if spec.latent_dim is not None:
            options["latent_dim"] = spec.latent_dim
        config = image_model_config(kind, list(dataset.shape), arch=spec.arch,
                                    num_classes=dataset.num_classes if kind == "cvae" else 0, **options)
    elif spec.model in TEXT_KINDS:
        if dataset.domain != "text":
            raise ConfigError(f"model {spec.model!r} needs a text corpus; {dataset.id!r} is {dataset.domain}")
        from explorer.models.text import text_model_config

        options = dict(spec.model_options)
        if spec.latent_dim is not None:
            options["latent_dim"] = spec.latent_dim
        config = text_model_config(spec.model, len(dataset.extra["vocab"]), max_len=dataset.extra["max_len"],
                                   **options)
    else:
        raise ConfigError(f"unknown model {spec.model!r}; expected one of {', '.join(MODEL_CHOICES)}")
    check_model_size(config)
    return build_model(config)


class TrainingRun:
    """Prepare once, execute once. Stop, pause and resume may be called from another thread."""

    def __init__(self, spec: RunSpec, on_event: Callable | None = None):
        self.spec = spec
        self.on_event = on_event
        self.dataset: Dataset | None = None
        self.model: LatentModel | None = None
        self.trainer: Trainer | None = None
        self._history: list[dict] = []
        self._optimizer_state: dict | None = None
        self._label = ""

    def prepare(self) -> None:
        spec = self.spec
        spec.train.validate()
        if spec.resume:
            previous = load_checkpoint(spec.resume)
            _check_resume(spec, previous)
            self.model = previous.model
            self._history = list(previous.history)
            self._optimizer_state = previous.optimizer_state
            self._label = previous.label
            # A resumed run keeps its own settings; only the number of further epochs and the device are new.
            self.spec.train = dataclasses.replace(TrainConfig.from_dict(previous.train_config),
                                                  epochs=spec.train.epochs, device=spec.train.device)
            dataset_id = spec.dataset or previous.dataset["id"]
            data_options = dict(previous.dataset.get("options", {}), **spec.data_options)
            self.dataset = load_dataset(dataset_id, spec.data_dir, spec.download, **data_options)
            if previous.dataset.get("vocab") not in (None, self.dataset.extra.get("vocab")):
                raise ConfigError(f"{spec.resume}: the corpus' vocabulary differs from the checkpoint's; "
                                  "resume needs the same corpus and options")
        else:
            self.dataset = load_dataset(spec.dataset, spec.data_dir, spec.download, **spec.data_options)
            self.model = build_model_for(spec, self.dataset)
            self._label = run_label(self.model.kind, spec.train.objective)
        _fill_schedule_length(self.spec.train, len(self.dataset.train))
        self.trainer = Trainer(self.model, self.dataset, self.spec.train, on_event=self.on_event,
                               history=self._history, optimizer_state=self._optimizer_state,
                               on_autosave=self._autosave if spec.out else None)

    def request_stop(self) -> None:
        if self.trainer is not None:
            self.trainer.request_stop()

    def pause(self) -> None:
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        if self.trainer is not None:
            self.trainer.resume()

    def execute(self) -> Checkpoint:
        """Train, then evaluate and save. A stopped run still yields (and saves) the model as it is."""
        if self.trainer is None:
            self.prepare()
        result = self.trainer.run()
        return self.snapshot(final=True, stopped=result.stopped)

    def _autosave(self, trainer: Trainer) -> None:
        self.snapshot(final=False)

    def snapshot(self, final: bool, stopped: bool = False) -> Checkpoint:
        """A checkpoint of the model as it is now (metrics and preview computed), saved to spec.out if set."""
        from explorer.analysis.metrics import conditional_accuracy, evaluate

        model, dataset = self.model, self.dataset
        metrics = evaluate(model, dataset.test, nll_samples=self.spec.nll_samples if final else 0)
        if final and model.conditional and dataset.domain == "image":
            metrics["conditional_accuracy"] = conditional_accuracy(model, dataset)
        meta = {
            "label": self._label,
            "dataset": dict(dataset.describe(), options=dict(self.spec.data_options)),
            "train_config": self.spec.train.to_dict(),
            "history": list(self.trainer.history),
            "metrics": to_jsonable(metrics),
            "stopped_early": stopped,
            "trained_with": {"app_version": explorer.__version__, "torch": torch.__version__,
                             "device": str(model.device)},
            "saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
        preview = build_preview(model, dataset.test)
        optimizer_state = self.trainer.optimizer_state() if self.spec.keep_optimizer_state else None
        if self.spec.out:
            save_checkpoint(self.spec.out, model, meta, preview, optimizer_state)
        return Checkpoint(model=model, meta=dict(meta, model_config=model.config), preview=preview,
                          optimizer_state=optimizer_state)


def _check_resume(spec: RunSpec, previous: Checkpoint) -> None:
    """A resumed run continues the same model on the same data: a different model or dataset is refused, and a
    corpus the checkpoint names by path is read only when the user names it again (``--dataset text:PATH``)."""
    kind, dataset_id = previous.model.kind, previous.dataset["id"]
    if spec.model is not None and IMAGE_KINDS.get(spec.model, TEXT_KINDS.get(spec.model)) != kind:
        raise ConfigError(f"{spec.resume} holds a {kind} model; --resume continues it, so --model {spec.model} "
                          "does not apply (leave --model out)")
    if spec.dataset is None:
        if not is_named_dataset(dataset_id):
            raise ConfigError(f"{spec.resume} was trained on a corpus file; name it to resume "
                              "(--dataset text:PATH): a path recorded in a checkpoint is never opened by itself")
    elif spec.dataset != dataset_id and not (spec.dataset.startswith("text:") and dataset_id.startswith("text:")):
        raise ConfigError(f"{spec.resume} was trained on {dataset_id!r}; --resume continues on the same data, so "
                          f"--dataset {spec.dataset} does not apply")


def _fill_schedule_length(train: TrainConfig, train_size: int) -> None:
    """A cyclical schedule spans the whole run unless told otherwise."""
    schedule = train.objective.schedule
    if schedule.get("kind") == "cyclical" and not schedule.get("total_steps"):
        steps_per_epoch = -(-train_size // train.batch_size)
        schedule["total_steps"] = max(1, train.epochs * steps_per_epoch)


def build_preview(model: LatentModel, split: Split, size: int = PREVIEW_SIZE) -> Preview:
    """The first ``size`` held-out items with their posterior means, log-variances and a PCA projection."""
    from explorer.analysis.metrics import posterior_stats
    from explorer.analysis.projection import project

    part = split.subset(slice(0, min(size, len(split))))
    means, logvars = posterior_stats(model, part)
    means_np = means.cpu().numpy().astype(np.float32)
    if part.lengths is None:
        inputs = (part.x[:, 0] * 255.0 + 0.5).clamp(0, 255).to(torch.uint8).numpy()
        lengths = None
    else:
        inputs = part.x.numpy().astype(np.int64)
        lengths = part.lengths.numpy().astype(np.int64)
    return Preview(
        inputs=inputs,
        labels=part.y.numpy().astype(np.int64),
        means=means_np,
        logvars=None if logvars is None else logvars.cpu().numpy().astype(np.float32),
        projection=(np.asarray(project(means_np, "pca").points, dtype=np.float32) if means_np.shape[1]
                    else np.zeros((len(means_np), 2), dtype=np.float32)),
        lengths=lengths,
    )


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

