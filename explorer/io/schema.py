"""The checkpoint's metadata, declared: every section, field, type and bound, validated (pydantic) when a file is
loaded, before any model is built, and when one is saved, so the app never writes what it would refuse to read.

A received checkpoint is untrusted. Every size is bounded (``explorer.limits``), every string has a maximum
length, options that are passed on as keyword arguments (tokenizer, corpus, schedule) accept only the names this
version knows, and cross-field rules tie the model config to its dataset (domain, image shape, vocabulary size,
classes). The tensors are checked against the validated metadata in ``explorer.io.tensor_checks``.

To add a field: add one line to its section. A model kind's config is validated by its own class
(``explorer.models.config``). To add a preview array: one entry in ``PREVIEW_ARRAYS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Union

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
    ScheduleKind,
    Section,
    Steps,
    Text,
    Token,
    describe_error,
)
from explorer.io.map_meta import METHODS
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
    kind: ScheduleKind
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


FactorScores = Annotated[list[Number], Field(max_length=MAX_FACTORS)]


class DisentanglementBudget(Record):
    name: Name


class FactorScore(Record):
    """One disentanglement metric: its score and its figures per factor or split (other named numbers)."""

    per_factor: FactorScores | None = None


class DciScores(FactorScore):
    informativeness_per_factor: FactorScores | None = None
    importance: Annotated[list[FactorScores], Field(max_length=MAX_LATENT_DIM)] | None = None


class Disentanglement(Section):
    """The details of the disentanglement metrics (``explorer.analysis.disentanglement``), with their budget."""

    budget: DisentanglementBudget
    mig: FactorScore | None = None
    sap: FactorScore | None = None
    dci: DciScores | None = None
    factor_vae: FactorScore | None = None
    beta_vae: FactorScore | None = None


class Metrics(Record):
    elbo: Number | None = None
    recon: Number | None = None
    kl: Number | None = None
    kl_per_dim: Numbers | None = None
    active_units: Int(0, MAX_LATENT_DIM) | None = None
    mutual_info: Number | None = None
    mutual_info_items: Count | None = None  # the items behind it: it cannot exceed log of this
    examples: Count | None = None
    nll_iw: Number | None = None
    ppl: Number | None = None
    ppl_iw: Number | None = None
    conditional_accuracy: ConditionalAccuracy | None = None
    discrete_accuracy: DiscreteAccuracy | None = None
    disentanglement: Disentanglement | None = None


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
