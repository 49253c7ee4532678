"""Every setting of a training run, declared once: the run's own options below, and each model kind's options
(declared on its class). The CLI's ``train`` parser, the app's training form, presets and ``run.json`` are built
from this list, so a dataset trains the same model from any of them."""
from __future__ import annotations

from dataclasses import replace

from explorer.data.registry import dataset_ids
from explorer.data.tokenizers import DEFAULT_TOKENIZER, DEFAULT_VOCAB_SIZE, MIN_VOCAB_SIZE, TOKENIZER_KINDS
from explorer.errors import ConfigError
from explorer.fields import SCHEDULE_KINDS
from explorer.limits import MAX_BATCH, MAX_EPOCHS, MAX_NLL_SAMPLES, MAX_SEED, MAX_SEQ_LEN, MAX_STEPS, MAX_VOCAB
from explorer.models.registry import kind_options, kinds
from explorer.options import Option, by_name

DATASET_IDS = tuple(dataset_ids())
DEVICES = ("auto", "cpu", "cuda", "mps")

RUN_OPTIONS = (
    # What to train
    Option("model", "choice", "vae", "Which model kind to train.", label="Model", section="model"),
    Option("dataset", "str", "digits", "A dataset id (digits, mnist-5k, mnist, fashion-mnist, wordnet-examples) or "
           "text:PATH for your own corpus, one sentence a line.", label="Dataset", section="data"),
    # The objective
    Option("beta", "float", 1.0, "Weight of the KL term (1: the plain ELBO; above 1: a β-VAE).", label="β",
           low=0.0, high=1e4, section="objective"),
    Option("capacity", "float", None, "Capacity target C_max in nats (Burgess et al. 2018): the loss becomes "
           "γ·|KL − C(t)| with C rising to C_max (the continuous KL_z's target C_z when a model also has categorical "
           "latents). Empty: off.", label="Capacity C (nats)", low=0.0, high=1e4, section="objective",
           aliases=("capacity_z",)),
    Option("gamma", "float", 1000.0, "Capacity weight γ.", label="Capacity weight γ", low=0.0, high=1e6,
           group="advanced", section="objective"),
    Option("capacity_steps", "int", 10000, "Steps over which C grows to C_max.", label="Capacity steps", low=1,
           high=MAX_STEPS, group="advanced", section="objective"),
    Option("kl_schedule", "choice", "constant", "How the KL weight grows over training (KL annealing).",
           label="KL schedule", choices=SCHEDULE_KINDS, section="objective"),
    Option("warmup_steps", "int", 5000, "Linear schedule: steps over which the KL weight rises from 0 to β.",
           label="Warm-up steps", low=0, high=MAX_STEPS, group="advanced", section="objective"),
    Option("logistic_k", "float", 0.0025, "Logistic schedule: the slope k (Bowman et al. 2016).",
           label="Logistic k", low=1e-9, high=100.0, group="advanced", section="objective"),
    Option("logistic_x0", "int", 2500, "Logistic schedule: the step x0 where the weight reaches half.",
           label="Logistic x0", low=0, high=MAX_STEPS, group="advanced", section="objective"),
    Option("cycles", "int", 4, "Cyclical schedule: the number of cycles over the run (Fu et al. 2019).",
           label="Cycles", low=1, high=10_000, group="advanced", section="objective"),
    Option("ratio", "float", 0.5, "Cyclical schedule: the fraction of each cycle the weight spends rising.",
           label="Cycle rise ratio", low=1e-3, high=1.0, group="advanced", section="objective"),
    Option("free_bits", "float", 0.0, "Free bits λ in nats per dimension: a dimension's KL below λ is not "
           "penalised, which keeps dimensions from collapsing.", label="Free bits (nats/dim)", low=0.0, high=100.0,
           section="objective"),
    Option("capacity_c", "float", None, "Capacity target C_c of the categorical KL in nats (Dupont 2018): the loss "
           "adds γ·|KL_c − C_c(t)|, C_c rising over the capacity steps like C_z, and capped at Σ log K, the most "
           "the categories can carry. Empty: the categorical KL counts with the continuous one.",
           label="Categorical capacity C_c (nats)", low=0.0, high=1e4, kinds=("joint-vae",), section="objective"),
    Option("pretrain_epochs", "int", 0, "Autoencoder pre-training (Li et al. 2019): the first N epochs of the run "
           "minimise the reconstruction alone (β = 0); the KL schedule starts after them, and a sentence VAE's "
           "decoder is re-initialised there.", label="AE pre-training epochs", low=0, high=MAX_EPOCHS,
           group="advanced", section="objective"),
    # The optimisation
    Option("epochs", "int", 10, "How many passes over the training set.", label="Epochs", low=1, high=MAX_EPOCHS,
           section="training"),
    Option("batch_size", "int", 128, "Examples per optimisation step (the global batch under torchrun).",
           label="Batch size", low=1, high=MAX_BATCH, section="training"),
    Option("lr", "float", 1e-3, "Adam's learning rate.", label="Learning rate", low=1e-8, high=10.0,
           section="training"),
    Option("seed", "int", 0, "The random seed: the same seed on the CPU trains bit-for-bit the same model.",
           label="Seed", low=0, high=MAX_SEED, group="advanced", section="training"),
    Option("device", "str", "auto", "Where to train: auto picks a CUDA GPU, then Apple's MPS, then the CPU; or cpu, "
           "cuda, cuda:N, mps.", label="Device", section="training"),
    Option("grad_clip", "float", None, "Clip the global gradient norm to this value. Empty: no clipping.",
           label="Gradient clipping", low=1e-6, high=1e6, group="advanced", section="training"),
    Option("binarize", "bool", False, "Dynamic binarisation: each batch's pixels are resampled as Bernoulli draws.",
           label="Binarise pixels", domains=("image",), group="advanced", section="training"),
    # The data
    Option("data_dir", "path", None, "A folder holding the dataset's files (IDX files, WordNet's data files).",
           label="Data folder", group="advanced", section="data"),
    Option("download", "bool", False, "Fetch MNIST / Fashion-MNIST once from OpenML when not found locally.",
           label="Download if missing", group="advanced", section="data"),
    Option("max_len", "int", 20, "Corpora: the longest sentence kept, in words (punctuation marks count as words).",
           label="Max sentence length", low=1, high=MAX_SEQ_LEN, domains=("text",), group="advanced",
           section="data"),
    Option("tokenizer", "choice", DEFAULT_TOKENIZER, "Corpora: how sentences become tokens: byte-level BPE subwords "
           "learned from the training sentences (any typed sentence can be read and written back as typed), or "
           "words as in the sentence-VAE papers (rare words become <unk>).", label="Tokenizer",
           choices=TOKENIZER_KINDS, domains=("text",), section="data"),
    Option("vocab_size", "int", DEFAULT_VOCAB_SIZE, "Corpora: the number of subword pieces the BPE tokenizer "
           "learns (specials and the 256 byte symbols included).", label="Subword vocabulary", low=MIN_VOCAB_SIZE,
           high=MAX_VOCAB, domains=("text",), group="advanced", section="data"),
    Option("min_count", "int", 2, "Corpora, word tokenizer: words seen fewer times in training become <unk>.",
           label="Min word count", low=1, high=10**6, domains=("text",), group="advanced", section="data"),
    # What is written
    Option("autosave_every", "int", 1, "Save a checkpoint every N epochs (0: only at the end).",
           label="Autosave every (epochs)", low=0, high=MAX_EPOCHS, group="advanced", section="output"),
    Option("nll_samples", "int", 0, "Importance samples for the final importance-weighted NLL (0: skip).",
           label="IW-NLL samples", low=0, high=MAX_NLL_SAMPLES, group="advanced", section="output"),
    Option("optimizer_state", "bool", True, "Keep the optimizer state in the checkpoint (needed to continue "
           "training; about 3x the file size).", label="Keep optimizer state", group="advanced",
           section="output"),
)
RUN_OPTION_NAMES = {option.name for option in RUN_OPTIONS}
# A continued run keeps what defines its model and data; these it may change.
RESUMABLE = ("epochs", "batch_size", "lr", "device", "grad_clip", "seed", "autosave_every", "nll_samples",
             "optimizer_state", "beta", "capacity", "gamma", "capacity_steps", "kl_schedule", "warmup_steps",
             "logistic_k", "logistic_x0", "cycles", "ratio", "free_bits", "binarize", "data_dir", "download",
             "capacity_c")


def model_options() -> dict[str, Option]:
    """The settings the model kinds declare in their configs, each marked with the kinds that have it."""
    found = kind_options()
    clash = sorted(set(found) & RUN_OPTION_NAMES)
    if clash:
        raise ValueError(f"model kinds redeclare the run option(s) {', '.join(clash)}")
    return found


def all_options() -> list[Option]:
    """The run's options, then the model kinds', with the model choice filled from the registry."""
    run = [replace(option, choices=tuple(kinds())) if option.name == "model" else option for option in RUN_OPTIONS]
    return run + list(model_options().values())


def complete(values: dict) -> dict:
    """Every option's value, checked against its declaration: the given ones converted and bounded, the rest at
    their defaults. Unknown names are refused."""
    options = by_name(all_options())
    unknown = sorted(set(values) - set(options))
    if unknown:
        raise ConfigError(f"unknown setting(s) {', '.join(unknown)}")
    return {name: option.check(values.get(name, option.default)) for name, option in options.items()}


def applicable(kind: str, domain: str) -> list[Option]:
    """The options that mean something for a model kind on a dataset of ``domain``."""
    return [option for option in all_options() if option.applies_to(kind, domain)]


def to_cli_args(values: dict) -> list[str]:
    """The ``train`` flags that reproduce ``values`` (options at their default are left out)."""
    options = by_name(all_options())
    args: list[str] = []
    for name, value in values.items():
        option = options[name]
        if value is None or value == option.default:
            continue
        if option.type == "bool":
            args.append(option.flag if value else "--no-" + option.flag[2:])
        elif option.type == "int_list":
            args += [option.flag, ",".join(str(v) for v in value)]
        else:
            args += [option.flag, repr(value) if option.type == "float" else str(value)]
    return args
