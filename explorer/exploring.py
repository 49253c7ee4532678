"""Every setting a user chooses while exploring a model, declared once: how sentences are decoded, traversals,
interpolations, samples, the manifold grid and exported grids. The window's boxes, the command line's ``export``
flags and the core's configs (``DecodeConfig``...) are all built from these declarations, so a bound or a default
cannot differ between them. Nothing here imports torch or Qt."""
from __future__ import annotations

from explorer.limits import MAX_BEAM_WIDTH, MAX_EXPLORE_SEED, MAX_GRID_SCALE, MAX_PATH_STEPS, MAX_TEMPERATURE
from explorer.options import Option, by_name

DECODE_STRATEGIES = ("greedy", "beam", "sample")
TRAVERSAL_MODES = ("sigma", "quantiles", "data")
INTERPOLATION_METHODS = ("auto", "lerp", "slerp")
MAX_GRID_ITEMS = 1024  # samples or reconstructions in one grid
MAX_TOP_K = 1000
MAX_REPETITION_PENALTY = 10.0
MAX_NO_REPEAT_NGRAM = 10
MAX_LENGTH_PENALTY = 2.0
MAX_LM_WEIGHT = 5.0
MAX_PATH_WEIGHT = 10.0

EXPLORING_OPTIONS = (
    # How a latent becomes a sentence (every panel of a sentence model)
    Option("decode", "choice", "greedy", "How a latent becomes a sentence: the most likely token each step, a beam "
           "search over whole sentences, or random sampling.", label="Decoding", choices=DECODE_STRATEGIES,
           choice_labels=("Greedy (most likely token)", "Beam search", "Sampling"), section="decoding"),
    Option("beam_width", "int", 5, "Beam search: how many partial sentences it keeps at each step.",
           label="Beam width", low=1, high=MAX_BEAM_WIDTH, section="decoding"),
    Option("decode_temperature", "float", 1.0, "Sampling: below 1 sharpens, above 1 flattens the distribution of "
           "the next token.", label="Temperature", low=0.05, high=MAX_TEMPERATURE, section="decoding"),
    Option("top_k", "int", 0, "Sampling: draw only from the k most likely tokens (0: all).", label="Top-k", low=0,
           high=MAX_TOP_K, section="decoding"),
    Option("top_p", "float", 1.0, "Sampling (nucleus): draw only from the most likely tokens whose probabilities "
           "add up to p (1: all).", label="Top-p", low=0.01, high=1.0, section="decoding"),
    Option("repetition_penalty", "float", 1.0, "CTRL's repetition penalty θ: tokens already generated become less "
           "likely (1: none).", label="Repetition penalty", low=1.0, high=MAX_REPETITION_PENALTY,
           section="decoding"),
    Option("no_repeat_ngram", "int", 3, "Greedy, beam and sampling: never generate an n-gram of tokens that "
           "the sentence already holds (0: off).", label="Block repeated n-grams", low=0,
           high=MAX_NO_REPEAT_NGRAM, section="decoding"),
    Option("length_penalty", "float", 0.6, "Beam search: finished sentences are ranked by their log-probability "
           "divided by ((5 + length) / 6)^α (GNMT), so longer sentences are not penalised for their length "
           "(0: the plain sum).", label="Length penalty α", low=0.0, high=MAX_LENGTH_PENALTY, section="decoding"),
    Option("lm_weight", "float", 0.0, "Beam search: re-rank the finished sentences by their log-probability plus "
           "this weight times a language model's (shallow fusion; the language model beside the checkpoint, or "
           "--lm FILE, reading the same tokenizer) (0: no language model).", label="Language model weight",
           low=0.0, high=MAX_LM_WEIGHT, section="decoding"),
    Option("path_weight", "float", 0.0, "Beam search along an interpolation: each step takes, among its beam's "
           "sentences, the one whose score minus this weight times its word edit distance to the previous step's "
           "sentence is highest, so neighbouring steps stay close (0: each step's best on its own).",
           label="Path closeness weight", low=0.0, high=MAX_PATH_WEIGHT, section="decoding"),
    Option("decode_seed", "int", 0, "Sampling: the random seed; the same seed repeats the sentences.",
           label="Seed", low=0, high=MAX_EXPLORE_SEED, section="decoding"),
    Option("allow_unk", "bool", False, "Let generated sentences contain <unk>, a word-level model's stand-in for "
           "rare words (off: the most likely real word instead).", label="Allow <unk>", section="decoding"),
    # Traversal
    Option("traversal_mode", "choice", "sigma", "The range a dimension is swept over: ±k standard deviations of the "
           "prior, the prior's quantiles 0.05-0.95, or the range the data's codes take.", label="Range",
           choices=TRAVERSAL_MODES, choice_labels=("±kσ around the start", "prior quantiles 0.05–0.95", "data range"),
           section="traversal", aliases=("mode",)),
    Option("traversal_steps", "int", 11, "How many decodes per dimension.", label="Steps", low=2,
           high=MAX_PATH_STEPS, section="traversal"),
    Option("traversal_k", "float", 3.0, "How many standard deviations the sweep goes each way (±kσ range).",
           label="k (σ)", low=0.1, high=10.0, section="traversal", aliases=("k",)),
    # Interpolation
    Option("interpolation_steps", "int", 10, "How many decodes between A and B, both ends included.", label="Steps",
           low=2, high=MAX_PATH_STEPS, section="interpolation"),
    Option("interpolation_method", "choice", "auto", "The path from A to B: a straight line (lerp), a great circle "
           "(slerp, which keeps the norm a Gaussian prior expects), or auto: slerp under a Gaussian prior, lerp "
           "otherwise.", label="Path", choices=INTERPOLATION_METHODS, section="interpolation",
           aliases=("method",)),
    # Samples
    Option("samples_count", "int", 64, "How many samples (per class for a conditional model) or reconstructions.",
           label="Samples", low=1, high=MAX_GRID_ITEMS, section="samples", aliases=("n",)),
    Option("temperature", "float", 1.0, "Scales the prior's standard deviation: below 1 gives typical samples, "
           "above 1 unusual ones.", label="Temperature", low=0.05, high=MAX_TEMPERATURE, section="samples"),
    Option("seed", "int", 0, "The random seed of samples; the same seed gives the same samples.", label="Seed",
           low=0, high=MAX_EXPLORE_SEED, section="samples"),
    # The 2-D manifold
    Option("manifold_steps", "int", 15, "Decodes along each side of the manifold grid.", label="Steps", low=2,
           high=101, section="manifold"),
    # Exported grids
    Option("scale", "int", 2, "Image grids: each pixel drawn as a scale x scale square.", label="Pixel scale",
           low=1, high=MAX_GRID_SCALE, section="export"),
)
EXPLORING = by_name(EXPLORING_OPTIONS)
STEPS_OF_VIEW = {"traversal": "traversal_steps", "interpolation": "interpolation_steps",
                 "manifold": "manifold_steps", "scorecard": "interpolation_steps"}


def option(name: str) -> Option:
    return EXPLORING[name]


def default(name: str):
    return EXPLORING[name].default


def section(name: str) -> tuple[Option, ...]:
    return tuple(option for option in EXPLORING_OPTIONS if option.section == name)


def defaults(name: str) -> dict:
    """The default values of a section's options, by name."""
    return {option.name: option.default for option in section(name)}
