"""The checkpoint's metadata, declared: every section, field, type and bound, validated (pydantic) when a file is
loaded, before any model is built, and when one is saved, so the app never writes what it would refuse to read.

A received checkpoint is untrusted. Every size is bounded (``explorer.limits``), every string has a maximum
length, options that are passed on as keyword arguments (tokenizer, corpus, schedule) accept only the names this
version knows, and cross-field rules tie the model config to its dataset (domain, image shape, vocabulary size,
classes). The tensors' names, dtypes and shapes are checked against the metadata here too (``check_tensors``),
from the header alone, before a byte of tensor data is read.

To add a field: add one line to its section. A model kind's config is validated by its own class
(``explorer.models.config``). To add a preview array: one entry in ``PREVIEW_ARRAYS``.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, Discriminator, Field, StringConstraints, Tag, ValidationError, model_validator

from explorer.data.tokenizers import MIN_VOCAB_SIZE, TOKENIZER_KINDS, check_bpe
from explorer.data.tokens import SPECIALS as SPECIAL_TOKENS
from explorer.errors import CheckpointError
from explorer.fields import (
    Count,
    Id,
    Int,
    Name,
    Number,
    Numbers,
    Real,
    Record,
    Scalar,
    Section,
    Steps,
    Text,
    Token,
    describe_error,
)
from explorer.io.header import Header, TensorEntry
from explorer.io.map_meta import METHODS, head_tensor_shapes
from explorer.limits import (
    MAX_BATCH,
    MAX_CLASSES,
    MAX_DISCRETE_VARIABLES,
    MAX_EPOCHS,
    MAX_FACTOR_VALUES,
    MAX_FACTORS,
    MAX_HISTORY_EPOCHS,
    MAX_IMAGE_SIDE,
    MAX_LATENT_DIM,
    MAX_MAP_HEAD_LAYERS,
    MAX_MAP_HEAD_WIDTH,
    MAX_PREVIEW_ITEMS,
    MAX_SEED,
    MAX_SEQ_LEN,
    MAX_STEPS,
    MAX_VOCAB,
    MAX_WORLD_SIZE,
)
from explorer.models.config import ImageModelConfig, ModelConfig
from explorer.models.registry import config_class
from explorer.models.text_config import SentenceDecoderConfig

FORMAT_VERSIONS = (1, 2)  # 2: optimizer state per named optimizer
TENSOR_PREFIXES = ("model.", "optim.", "preview.", "maphead.")


OptimizerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


# The dataset a model was trained on
class TokenizerOptions(Section):
    kind: Literal[TOKENIZER_KINDS] = "word"  # files written before subwords read words
    lowercase: bool | None = None
    split_punct: bool | None = None


class CorpusOptions(Section):
    """Options passed to the corpus loader when the data is loaded again (evaluate, resume)."""

    max_len: Int(1, MAX_SEQ_LEN) | None = None
    min_count: Int(1, 2**31) | None = None
    max_vocab: Int(len(SPECIAL_TOKENS), MAX_VOCAB) | None = None
    tokenizer: Literal[TOKENIZER_KINDS] | None = None
    vocab_size: Int(MIN_VOCAB_SIZE, MAX_VOCAB) | None = None
    lowercase: bool | None = None
    split_punct: bool | None = None
    test_fraction: Real(0.001, 0.999) | None = None
    seed: Int(0, MAX_SEED) | None = None


class FactorInfo(Section):
    """A ground-truth factor of variation: its values in index order, and category names when categorical."""

    name: Name
    values: Annotated[list[Real()], Field(min_length=1, max_length=MAX_FACTOR_VALUES)]
    categories: Annotated[list[Text], Field(max_length=MAX_FACTOR_VALUES)] | None = None

    @model_validator(mode="after")
    def _categories(self):
        if self.categories is not None and len(self.categories) != len(self.values):
            raise ValueError(f"factor {self.name!r} names {len(self.categories)} categories for "
                             f"{len(self.values)} values")
        return self


class DatasetInfo(Section):
    """What the model was trained on. ``id`` is information: a ``text:PATH`` id is never opened by the app unless
    the user names that corpus again."""

    id: Id
    domain: Literal["image", "text"]
    shape: Annotated[list[Int(1, max(MAX_IMAGE_SIDE, MAX_SEQ_LEN))], Field(min_length=1, max_length=3)]
    class_names: Annotated[list[Text], Field(max_length=MAX_CLASSES)] = []
    factors: Annotated[list[FactorInfo], Field(max_length=MAX_FACTORS)] | None = None
    train_size: Count | None = None
    test_size: Count | None = None
    options: CorpusOptions = CorpusOptions()
    # text corpora
    vocab: Annotated[list[Token], Field(max_length=MAX_VOCAB)] | None = None
    merges: Annotated[list[Annotated[list[Token], Field(min_length=2, max_length=2)]],
                      Field(max_length=MAX_VOCAB)] | None = None
    tokenizer: TokenizerOptions | None = None
    max_len: Int(1, MAX_SEQ_LEN) | None = None
    max_words: Int(1, MAX_SEQ_LEN) | None = None
    sentences: Count | None = None
    dropped_too_long: Count | None = None
    min_count: Int(1, 2**31) | None = None

    @model_validator(mode="after")
    def _text(self):
        if self.domain == "text":
            if self.vocab is None or self.max_len is None:
                raise ValueError("a text dataset needs its vocab and max_len")
            if tuple(self.vocab[:len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
                raise ValueError(f"the vocabulary must start with {', '.join(SPECIAL_TOKENS)} in this order")
            if len(set(self.vocab)) != len(self.vocab):
                raise ValueError("the vocabulary lists a token twice")
            bpe = self.tokenizer is not None and self.tokenizer.kind == "bpe"
            if bpe:
                problem = check_bpe(self.vocab, self.merges or [])
                if problem is not None:
                    raise ValueError(f"the subword tokenizer is damaged: {problem}")
            elif self.merges is not None:
                raise ValueError("merges belong to a subword (bpe) tokenizer")
        return self


# How it was trained
class ScheduleConfig(Section):
    kind: Literal["constant", "linear", "logistic", "cyclical"]
    warmup_steps: Steps | None = None
    k: Real(1e-12, 1e6) | None = None
    x0: Real(-MAX_STEPS, MAX_STEPS) | None = None
    cycles: Int(1, 1_000_000) | None = None
    ratio: Real(1e-6, 1.0) | None = None
    total_steps: Steps | None = None


class ObjectiveSettings(Section):
    beta: Real(0.0, 1e6) | None = None
    schedule: ScheduleConfig | None = None
    capacity: Real(0.0, 1e6) | None = None
    gamma: Real(0.0, 1e9) | None = None
    capacity_steps: Steps | None = None
    free_bits: Real(0.0, 1e6) | None = None
    capacity_c: Real(0.0, 1e6) | None = None
    pretrain_steps: Steps | None = None


class TrainSettings(Section):
    epochs: Int(1, MAX_EPOCHS) | None = None
    batch_size: Int(1, MAX_BATCH) | None = None
    lr: Real(1e-12, 1e3) | None = None
    seed: Int(0, MAX_SEED) | None = None
    device: Text | None = None
    objective: ObjectiveSettings | None = None
    binarize: bool | None = None
    grad_clip: Real(1e-12, 1e12) | None = None
    autosave_every: Int(0, MAX_EPOCHS) | None = None
    eval_batch_size: Int(1, MAX_BATCH) | None = None


class RunOptions(Record):
    """The run's option values (explorer.training.options): checked against their declarations again when the run
    is continued."""


class HistoryRecord(Record):
    """One epoch's row; the curves and the history export read these fields."""

    epoch: Int(1, MAX_HISTORY_EPOCHS)
    step: Steps
    train_loss: Number | None = None
    train_recon: Number | None = None
    train_kl: Number | None = None
    test_elbo: Number | None = None
    test_recon: Number | None = None
    test_kl: Number | None = None
    kl_per_dim: Numbers | None = None
    active_units: Int(0, MAX_LATENT_DIM) | None = None
    beta: Number | None = None
    capacity: Number | None = None
    lr: Number | None = None
    seconds: Number | None = None
    examples_per_s: Number | None = None
    partial: bool | None = None


class ConditionalAccuracy(Record):
    accuracy: Number
    per_class: Annotated[list[Number], Field(max_length=MAX_CLASSES)] = []


class DiscreteAccuracy(Record):
    """How well a categorical latent recovers the labels: the best one-to-one matching of its categories to the
    classes (``assignment``: each category's class, -1 if unmatched), and ``confusion`` (classes x categories)."""

    accuracy: Number
    variable: Int(0, MAX_DISCRETE_VARIABLES - 1)
    confusion: Annotated[list[Annotated[list[Count], Field(max_length=MAX_CLASSES)]], Field(max_length=MAX_CLASSES)]
    assignment: Annotated[list[Int(-1, MAX_CLASSES - 1)], Field(max_length=MAX_CLASSES)]


class Metrics(Record):
    elbo: Number | None = None
    recon: Number | None = None
    kl: Number | None = None
    kl_per_dim: Numbers | None = None
    active_units: Int(0, MAX_LATENT_DIM) | None = None
    mutual_info: Number | None = None
    examples: Count | None = None
    nll_iw: Number | None = None
    ppl: Number | None = None
    ppl_iw: Number | None = None
    conditional_accuracy: ConditionalAccuracy | None = None
    discrete_accuracy: DiscreteAccuracy | None = None


class TrainedWith(Section):
    app_version: Text | None = None
    torch: Text | None = None
    device: Text | None = None


class OptimizerGroup(Record):
    params: Annotated[list[Int(0, 2**31)], Field(max_length=100_000)]


class OptimizerState(Section):
    """One optimizer's state_dict without its tensors (stored as ``optim.[NAME.]PARAM_ID.KEY``)."""

    param_groups: Annotated[list[OptimizerGroup], Field(min_length=1, max_length=1000)]
    scalars: dict[Annotated[str, StringConstraints(pattern=r"^\d{1,9}$")], dict[Name, Scalar]] = {}

    def param_ids(self) -> set[int]:
        return {param for group in self.param_groups for param in group.params}


class MapHeadConfig(Section):
    """The map head's shape: latent width in, hidden layer widths (its ``maphead.*`` tensors follow from these)."""

    input_dim: Int(1, MAX_LATENT_DIM)
    hidden: Annotated[list[Int(1, MAX_MAP_HEAD_WIDTH)], Field(max_length=MAX_MAP_HEAD_LAYERS)]


class MapInfo(Section):
    """The map of the preview set computed at save (``preview.projection``: UMAP, or PCA for a snapshot taken
    while training) and the map head (latent -> 2-D MLP, ``maphead.*`` tensors) placing new points on it."""

    method: Literal[tuple(METHODS)]
    params: dict[Name, Union[Scalar, Numbers]] = {}
    seed: Int(0, MAX_SEED) | None = None
    head: MapHeadConfig | None = None
    r2: Real(None, 1.0) | None = None  # the head's R² on held-out latents


def _optimizer_layout(value) -> str:
    """Which optimizer layout a value has: format 1's single state holds param_groups itself."""
    return "Single" if isinstance(value, dict) and "param_groups" in value else "Named"


class CheckpointMeta(Section):
    format_version: Literal[FORMAT_VERSIONS]
    app_version: Text | None = None
    created: Text | None = None
    saved: Text | None = None
    label: Text | None = None
    model_config_: dict = Field(alias="model_config")
    dataset: DatasetInfo
    train_config: TrainSettings
    run_options: RunOptions | None = None
    history: Annotated[list[HistoryRecord], Field(max_length=MAX_HISTORY_EPOCHS)]
    metrics: Metrics
    stopped_early: bool = False
    trained_with: TrainedWith | None = None
    optimizer: Annotated[Union[Annotated[dict[OptimizerName, OptimizerState], Tag("Named")],
                               Annotated[OptimizerState, Tag("Single")]],
                         Discriminator(_optimizer_layout)] | None = None  # format 2 names them, format 1 has one
    world_size: Int(1, MAX_WORLD_SIZE) | None = None
    map: MapInfo | None = None

    def optimizers(self) -> dict[str, OptimizerState]:
        """The optimizer states by name (format 1 stored one, unnamed: "")."""
        if self.optimizer is None:
            return {}
        return {"": self.optimizer} if isinstance(self.optimizer, OptimizerState) else dict(self.optimizer)


@dataclass
class ValidMeta:
    """Metadata that passed every check: the parsed sections and the model config validated for its kind."""

    meta: CheckpointMeta
    model: ModelConfig


def validate_meta(where: str, meta) -> ValidMeta:
    """Validate a checkpoint's metadata (a parsed JSON value); CheckpointError "<where>: ..." names the first field
    at fault and what it expected."""
    if not isinstance(meta, dict):
        raise CheckpointError(f"{where}: its metadata must be a JSON object, got {type(meta).__name__}")
    version = meta.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > max(FORMAT_VERSIONS):
        raise CheckpointError(f"{where} was written by a newer Latent Explorer (format {version}; this version reads "
                              f"up to {max(FORMAT_VERSIONS)}): upgrade to open it")
    parsed = _validate(where, CheckpointMeta, meta, "")
    config = meta["model_config"]
    kind = config.get("kind") if isinstance(config, dict) else None
    try:
        schema = config_class(kind, CheckpointError)
    except CheckpointError as exc:
        raise CheckpointError(f"{where}: metadata field model_config.kind: {exc}") from None
    model = _validate(where, schema, config, "model_config")
    _check_agreement(where, parsed, model)
    return ValidMeta(parsed, model)


def _validate(where: str, schema: type[BaseModel], value, prefix: str):
    try:
        return schema.model_validate(value)
    except ValidationError as exc:
        raise CheckpointError(f"{where}: {describe_error(exc, value, prefix)}") from None


def _check_agreement(where: str, meta: CheckpointMeta, model: ModelConfig) -> None:
    """Rules between sections: the model fits the data it claims to be trained on."""
    dataset = meta.dataset

    def refuse(message: str):
        raise CheckpointError(f"{where}: {message}")

    if model.domain != dataset.domain:
        refuse(f"model kind {model.kind!r} works on {model.domain} data, the dataset is {dataset.domain}")
    if isinstance(model, ImageModelConfig) and list(dataset.shape) != list(model.input_shape):
        refuse(f"the model's input_shape {model.input_shape} differs from the dataset shape {dataset.shape}")
    if isinstance(model, SentenceDecoderConfig):
        if len(dataset.vocab) != model.vocab_size:
            refuse(f"the vocabulary has {len(dataset.vocab)} tokens, the model's vocab_size is {model.vocab_size}")
        if list(dataset.shape) != [dataset.max_len]:
            refuse(f"a text dataset's shape must be [max_len] = [{dataset.max_len}], got {dataset.shape}")
    if model.num_classes and dataset.class_names and len(dataset.class_names) != model.num_classes:
        refuse(f"the model has {model.num_classes} classes, the dataset names {len(dataset.class_names)}")
    if meta.format_version == 1 and isinstance(meta.optimizer, dict):
        refuse("format 1 stores one optimizer state, not a dict of named ones")
    if meta.format_version >= 2 and isinstance(meta.optimizer, OptimizerState):
        refuse("format 2 stores optimizer states by name: {name: {param_groups, scalars}}")


# Tensors
@dataclass(frozen=True)
class PreviewArray:
    """How one ``preview.NAME`` tensor must look: its dtype and its shape after the item count N."""

    dtype: str
    trailing: Callable[[ValidMeta], tuple[int, ...]]
    required: Callable[[ValidMeta], bool] = lambda valid: True


def _item_shape(valid: ValidMeta) -> tuple[int, ...]:
    shape = valid.meta.dataset.shape
    return tuple(shape[1:]) if valid.model.domain == "image" else tuple(shape)


def _continuous(valid: ValidMeta) -> int:
    return valid.model.latent_layout()[0]


def _categories(valid: ValidMeta) -> int:
    return sum(valid.model.latent_layout()[1])


PREVIEW_ARRAYS = {
    "inputs": PreviewArray("", _item_shape),  # dtype by domain: U8 images, I64 token ids
    "labels": PreviewArray("I64", lambda valid: ()),
    # The posterior's point: continuous means, then each categorical variable's probabilities.
    "means": PreviewArray("F32", lambda valid: (_continuous(valid) + _categories(valid),)),
    "logvars": PreviewArray("F32", lambda valid: (_continuous(valid),), required=lambda valid: False),
    "logits": PreviewArray("F32", lambda valid: (_categories(valid),), required=lambda valid: _categories(valid) > 0),
    "projection": PreviewArray("F32", lambda valid: (2,)),
    "lengths": PreviewArray("I64", lambda valid: (), required=lambda valid: valid.model.domain == "text"),
}
INPUT_DTYPES = {"image": "U8", "text": "I64"}


def check_tensors(where: str, valid: ValidMeta, header: Header) -> None:
    """Names, dtypes and shapes of the tensors against the metadata, from the header alone."""
    for name in header.tensors:
        if not name.startswith(TENSOR_PREFIXES):
            raise CheckpointError(f"{where}: unexpected tensor {name[:80]!r}; tensor names start with "
                                  f"{', '.join(TENSOR_PREFIXES)}")
    _check_preview(where, valid, {name[len("preview."):]: entry for name, entry in header.tensors.items()
                                  if name.startswith("preview.")})
    _check_optimizer_tensors(where, valid.meta, [name for name in header.tensors if name.startswith("optim.")])
    if valid.meta.map is not None and not any(name.startswith("preview.") for name in header.tensors):
        raise CheckpointError(f"{where}: its metadata describes a map (map) but it has no preview set to map")
    _check_map_head(where, valid, {name[len("maphead."):]: entry for name, entry in header.tensors.items()
                                   if name.startswith("maphead.")})


def _check_map_head(where: str, valid: ValidMeta, arrays: dict[str, TensorEntry]) -> None:
    """The ``maphead.*`` tensors are exactly those of the head the ``map`` metadata describes, for this model's
    latents."""
    map_info = valid.meta.map
    head = map_info.head if map_info is not None else None
    if head is None:
        if arrays:
            raise CheckpointError(f"{where}: map head tensors without a map head in the metadata (map.head)")
        return
    width = _continuous(valid) + _categories(valid)  # the latent vector, category probabilities included
    if head.input_dim != width:
        raise CheckpointError(f"{where}: the map head takes {head.input_dim} inputs, the model's latents have "
                              f"{width}")
    expected = head_tensor_shapes(head.model_dump())
    for name, shape in expected.items():
        entry = arrays.get(name)
        if entry is None:
            raise CheckpointError(f"{where}: map head tensor {name!r} is missing")
        if entry.dtype != "F32" or entry.shape != shape:
            raise CheckpointError(f"{where}: map head tensor {name!r} is {entry.dtype} {list(entry.shape)}, "
                                  f"expected F32 {list(shape)}")
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise CheckpointError(f"{where}: unexpected map head tensor {extra[0][:80]!r}")


def _check_preview(where: str, valid: ValidMeta, arrays: dict[str, TensorEntry]) -> None:
    if not arrays:
        return
    unknown = sorted(set(arrays) - set(PREVIEW_ARRAYS))
    if unknown:
        raise CheckpointError(f"{where}: unexpected preview array {unknown[0][:80]!r}; expected "
                              f"{', '.join(PREVIEW_ARRAYS)}")
    missing = [name for name, rule in PREVIEW_ARRAYS.items() if rule.required(valid) and name not in arrays]
    if missing:
        raise CheckpointError(f"{where}: the preview set lacks {', '.join(missing)}")
    count = arrays["labels"].shape[0] if arrays["labels"].shape else 0
    if not 1 <= count <= MAX_PREVIEW_ITEMS:
        raise CheckpointError(f"{where}: the preview set must hold 1 to {MAX_PREVIEW_ITEMS:,} items, "
                              f"its labels have shape {list(arrays['labels'].shape)}")
    for name, entry in arrays.items():
        rule = PREVIEW_ARRAYS[name]
        dtype = rule.dtype or INPUT_DTYPES[valid.model.domain]
        expected = (count,) + rule.trailing(valid)
        if entry.shape[:1] != (count,):
            raise CheckpointError(f"{where}: the preview arrays differ in length: labels has {count} items, "
                                  f"{name} {entry.shape[0] if entry.shape else 0}")
        if entry.dtype != dtype or entry.shape != expected:
            raise CheckpointError(f"{where}: preview {name} is {entry.dtype} {list(entry.shape)}, expected "
                                  f"{dtype} {list(expected)}")


_OPTIMIZER_TENSOR = {1: re.compile(r"optim\.()([0-9]{1,9})\.[^.]+"),
                     2: re.compile(r"optim\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,9})\.[^.]+")}


def _check_optimizer_tensors(where: str, meta: CheckpointMeta, names: list[str]) -> None:
    """``optim.PARAM.KEY`` (format 1) or ``optim.NAME.PARAM.KEY`` (format 2), naming a parameter of its optimizer."""
    optimizers = meta.optimizers()
    for name in names:
        match = _OPTIMIZER_TENSOR[meta.format_version].fullmatch(name)
        if (match is None or match.group(1) not in optimizers
                or int(match.group(2)) not in optimizers[match.group(1)].param_ids()):
            raise CheckpointError(f"{where}: optimizer tensor {name[:80]!r} names no parameter of the optimizer "
                                  "metadata")


def preview_problem(valid: ValidMeta, arrays: dict) -> str | None:
    """What is wrong with the preview's values (not only their shapes), or None: labels within the classes, token
    ids within the vocabulary, lengths within the sentence length, finite latents and map coordinates. ``arrays``
    maps names to torch tensors or numpy arrays."""
    if not arrays:
        return None
    model, dataset = valid.model, valid.meta.dataset
    labels = arrays["labels"]
    classes = max(len(dataset.class_names), model.num_classes)
    low = 0 if model.num_classes else -1
    if len(labels) and (int(labels.min()) < low or int(labels.max()) >= max(classes, 0)):
        return (f"preview labels range from {int(labels.min())} to {int(labels.max())}, expected "
                f"{low} to {classes - 1}")
    if model.domain == "text":
        inputs, lengths = arrays["inputs"], arrays["lengths"]
        if int(inputs.min()) < 0 or int(inputs.max()) >= model.vocab_size:
            return f"preview token ids must lie in 0..{model.vocab_size - 1}"
        if int(lengths.min()) < 0 or int(lengths.max()) > inputs.shape[1]:
            return f"preview sentence lengths must lie in 0..{inputs.shape[1]}"
    for name in ("means", "logvars", "logits", "projection"):
        if name in arrays and not _all_finite(arrays[name]):
            return f"preview {name} hold NaN or infinite values"
    return None


def map_head_problem(arrays: dict) -> str | None:
    """What is wrong with a map head's values, or None: every weight finite, every scale positive."""
    for name, array in arrays.items():
        if not _all_finite(array):
            return f"map head tensor {name!r} holds NaN or infinite values"
    for name in ("in_scale", "out_scale"):
        if name in arrays and not bool((np.asarray(arrays[name]) > 0).all()):
            return f"map head tensor {name!r} must be positive"
    return None


def _all_finite(array) -> bool:
    return bool(np.isfinite(np.asarray(array)).all())
