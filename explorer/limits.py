"""The bound of every size a user or a file can set, and the one check that enforces them.

A command-line option, a training-form field and a checkpoint's metadata all go through ``check_range`` before
anything is allocated, so an absurd value (``--n 10000000``, a latent size of 100,000 in a received file, a NaN
temperature) is refused with a message that names the value and the limit instead of exhausting memory.
"""
from __future__ import annotations

import math

from explorer.errors import ConfigError, ExplorerError

# Model architecture (CLI options, the training form, checkpoint configs)
MAX_LATENT_DIM = 1024
MAX_HIDDEN = 8192  # width of one hidden layer, an embedding or an RNN state
MAX_LAYERS = 16  # hidden layers, RNN layers
MAX_CONV_BLOCKS = 8  # stride-2 convolutions: 2**8 covers the largest image side
MAX_CLASSES = 1000
MAX_FACTORS = 64  # ground-truth factors of a dataset
MAX_FACTOR_VALUES = 10_000  # values of one factor
MAX_DISCRETE_VARIABLES = 16  # categorical latent variables of one model
MAX_VOCAB = 200_000
MAX_SEQ_LEN = 512  # tokens in a sentence
MAX_IMAGE_SIDE = 512
MAX_CHANNELS = 4
MAX_PARAMETERS = 500_000_000  # weights of one model (2 GB as float32)

# Training
MAX_EPOCHS = 100_000
MAX_BATCH = 65_536
MAX_STEPS = 10**9  # schedule lengths, warm-up, capacity steps
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a signed 64-bit int
MAX_EXPLORE_SEED = 2**31 - 1  # the seed of samples and sampled sentences, as a window's box can hold it
MAX_WORLD_SIZE = 4096

# Files the app reads
MAX_CHECKPOINT_BYTES = 4 * 2**30
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' own limit on its JSON header
MAX_JSON_DEPTH = 32
MAX_TENSORS = 100_000
MAX_PREVIEW_ITEMS = 100_000
MAX_MAP_HEAD_WIDTH = 1024  # a map head's hidden layer
MAX_MAP_HEAD_LAYERS = 4
MAX_HISTORY_EPOCHS = MAX_EPOCHS
MAX_CORPUS_BYTES = 512 * 2**20
MAX_IDX_BYTES = 2 * 2**30  # decompressed
MAX_ONNX_BYTES = 1 * 2**30  # one imported ONNX graph with its weights (protobuf's own limit is 2 GiB)
MAX_ONNX_TENSOR_BYTES = 512 * 2**20  # one weight tensor of an imported graph
MAX_IMPORTED_WEIGHTS_BYTES = MAX_CHECKPOINT_BYTES  # a pythae model.pt
MAX_IMAGE_FILES = 100_000  # images in an images:DIR folder
MAX_FOLDER_ENTRIES = 1_000_000  # entries looked at while listing an images:DIR folder
MAX_FOLDER_DEPTH = 16  # sub-folders of an images:DIR folder, nested
MAX_IMAGE_FILE_BYTES = 64 * 2**20  # one PNG or JPEG
MAX_DECODED_PIXELS = 40_000_000  # one image's width x height, checked from its header before it is decoded
MAX_NPZ_BYTES = 2 * 2**30  # an npz:FILE, and the arrays in it unpacked
MAX_SETTINGS_BYTES = 2**20  # run.json, presets and other small JSON files
MAX_EMBEDDINGS_BYTES = 2 * 2**30  # an embeddings file (Projector TSV, .npy, .npz, .parquet), and its values unpacked
MAX_EMBEDDING_ROWS = 1_000_000  # points of an embeddings file: the map's scale (a density image under them)
MAX_EMBEDDING_DIMS = 8192  # the width of one embedding vector

# Strings from files, in characters
MAX_LABEL_CHARS = 200  # a run's label, a class name, a metric name
MAX_TOKEN_CHARS = 100  # one vocabulary entry
MAX_ID_CHARS = 4096  # a dataset id (text:PATH carries a path), a device name, a date
MAX_SENTENCE_CHARS = 10_000  # a sentence typed by the user

# What the explorer computes on request (export options, the app's boxes)
MAX_ITEMS = 10_000  # samples, reconstructions, encoded sentences
MAX_PATH_STEPS = 1000  # interpolation and traversal steps
MAX_COMPANIONS = 2  # sentence models shown beside the open one in the Interpolation tab
MAX_GRID_SCALE = 32
MAX_GRID_PIXELS = 100_000_000  # one exported grid image
MIN_MAP_PICTURE_SIDE, MAX_MAP_PICTURE_SIDE = 64, 16_384  # pixels along either side of an exported map picture
MAX_NLL_SAMPLES = 10_000
MAX_BEAM_WIDTH = 20
SCORECARD_PAIRS = 200  # held-out pairs the interpolation scorecard decodes by default
MAX_SCORECARD_PAIRS = 5000
MAX_TEMPERATURE = 100.0


def check_range(name: str, value, low=None, high=None, *, integer: bool = False,
                error: type[ExplorerError] = ConfigError):
    """``value`` if it is a number within [low, high] (either bound may be None); else ``error`` naming ``name``,
    the value and the limit. NaN and infinities are refused; ``integer`` also refuses non-integers and booleans."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{name} must be {'an integer' if integer else 'a number'}, got {_show(value)}")
    if integer and not isinstance(value, int):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise error(f"{name} must be an integer, got {_show(value)}")
        value = int(value)
    if not math.isfinite(value):
        raise error(f"{name} must be a finite number, got {value}")
    if low is not None and value < low:
        if high is None:
            raise error(f"{name} must be at least {low}, got {_show(value)}")
        raise error(f"{name} must be between {low} and {high}, got {_show(value)}")
    if high is not None and value > high:
        raise error(f"{name} {_show(value)} is above the limit of {high}")
    return value


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
