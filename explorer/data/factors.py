"""Datasets with ground-truth factors: dSprites regenerated from its published specification (Matthey et al. 2017),
so nothing is downloaded.

Every combination of shape (square, ellipse, heart), scale (6 values in 0.5-1), orientation (40 values in 0-2π,
both ends included as in the original) and position x, y (32 values each in 0-1) appears once, in the original
index order (y fastest): 3·6·40·32·32 = 737,280 binary 64x64 images. The pixels are ours, not DeepMind's: each
sprite is drawn from its implicit shape at 4x4 supersampling and a pixel is on when at least half of it is covered.
Known differences from the original files: the sprites' exact sizes and the heart's outline (ours is the classic
quartic heart), the position range (centres from 12.6 to 51.4 pixels, 1.25 pixels apart), and anti-aliasing
decisions at the edges. Rows grow with y and columns with x.

``dsprites-32`` is the same data average-pooled 2x2 (32x32, grey levels 0, ¼, ½, ¾, 1) for training on a CPU;
``dsprites-32-noisy`` adds uniform noise to every pixel of it (Locatello et al.'s noisy dSprites, in grey).
``dsprites-color`` and ``dsprites-32-color`` are disentanglement_lib's colour dSprites (RGB): the sprite's pixels
times a colour drawn uniformly from [0.5, 1) per channel for each item, on a black background. The colour is a
nuisance, not a factor (the factors stay the five above), as there. disentanglement_lib draws a new colour each
time it samples an image; ours is drawn once per item from a fixed seed, so an item always has the same colour.
Held as uint8, they take 9.1 GB (64x64) and 2.3 GB (32x32) of memory.
The 64x64 images are cached bit-packed (377 MB) under the data folder after the first build.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.data.base import Dataset, FactorTable, Split, as_pixels, seeded_split
from explorer.data.registry import COLOUR_DSPRITES, DSPRITES, IMAGE_SHAPES, NOISY_DSPRITES
from explorer.errors import DataError
from explorer.files import open_regular

SIDE = 64
SUPERSAMPLE = 4
SHAPES = ("square", "ellipse", "heart")
SCALES = np.linspace(0.5, 1.0, 6)
ORIENTATIONS = np.linspace(0.0, 2 * np.pi, 40)
POSITIONS = np.linspace(0.0, 1.0, 32)
FACTORS = FactorTable(
    names=("shape", "scale", "orientation", "pos_x", "pos_y"),
    values=(tuple(float(v) for v in range(1, len(SHAPES) + 1)), tuple(SCALES.tolist()), tuple(ORIENTATIONS.tolist()),
            tuple(POSITIONS.tolist()), tuple(POSITIONS.tolist())),
    categories=(SHAPES, (), (), (), ()),
)
COUNT = math.prod(FACTORS.sizes)
# Sprite centres lie on the supersampled grid: 1.25 pixels (5 subpixels) apart, the first at subpixel 50.
FIRST_CENTRE, CENTRE_STEP = 50, 5
SPRITE_SUBPIXELS = 121  # an odd patch, 30 pixels wide, holding any sprite at any orientation
HALF_SIDE_PX = 9.5  # the square's half side at scale 1: the mean pixel is ~0.042, as in the original
TEST_FRACTION = 0.02
SPLIT_SEED = 1234
CACHE_VERSION = 1
PACKED_BYTES = SIDE * SIDE // 8


def _inside(shape: str, u: np.ndarray, v: np.ndarray, scale: float) -> np.ndarray:
    """Whether sprite-frame points (u right, v up; in pixels) lie inside the shape at ``scale``."""
    h = HALF_SIDE_PX * scale
    if shape == "square":
        return (np.abs(u) <= h) & (np.abs(v) <= h)
    if shape == "ellipse":
        return (u / (1.2 * h)) ** 2 + (v / (0.6 * h)) ** 2 <= 1.0
    x, y = u / (0.95 * h), v / (0.95 * h) + 0.15  # the quartic heart, centred on its bounding box
    return (x * x + y * y - 1.0) ** 3 - x * x * y ** 3 <= 0.0


def sprite_patch(shape: str, scale: float, orientation: float) -> np.ndarray:
    """The supersampled mask (SPRITE_SUBPIXELS square, bool) of one sprite centred on its middle subpixel."""
    offsets = (np.arange(SPRITE_SUBPIXELS) - SPRITE_SUBPIXELS // 2) / SUPERSAMPLE
    x, y = np.meshgrid(offsets, -offsets)  # rows go down, v goes up
    cos, sin = math.cos(orientation), math.sin(orientation)
    return _inside(shape, cos * x + sin * y, -sin * x + cos * y, scale)


def _downsampled_phases(patch: np.ndarray) -> list[list[tuple[np.ndarray, int, int]]]:
    """For each sub-pixel phase of the centre (row phase, column phase): the patch's pixel coverage >= 1/2 as a
    bool image, and the pixel offsets of its first row and column from the centre's pixel."""
    n, k, half = SPRITE_SUBPIXELS, SUPERSAMPLE, SPRITE_SUBPIXELS // 2
    out = []
    for row_phase in range(k):
        row = []
        for col_phase in range(k):
            # The patch's centre subpixel lands at subpixel (phase) of its pixel: pad so blocks align to pixels.
            top, left = (row_phase - half) % k, (col_phase - half) % k
            rows, cols = -(-(n + top) // k) * k, -(-(n + left) // k) * k
            canvas = np.zeros((rows, cols), dtype=np.float32)
            canvas[top:top + n, left:left + n] = patch
            coverage = canvas.reshape(rows // k, k, cols // k, k).mean(axis=(1, 3))
            # the pixel of the first block row and column, relative to the centre's pixel
            row.append((coverage >= 0.5, (row_phase - half - top) // k, (col_phase - half - left) // k))
        out.append(row)
    return out


def render_sprite_positions(shape: str, scale: float, orientation: float) -> np.ndarray:
    """The 32x32 positions of one sprite: bool images (32, 32, 64, 64) indexed [x, y]."""
    phases = _downsampled_phases(sprite_patch(shape, scale, orientation))
    margin = SPRITE_SUBPIXELS // SUPERSAMPLE + 2
    canvas = np.zeros((len(POSITIONS), len(POSITIONS), SIDE + 2 * margin, SIDE + 2 * margin), dtype=bool)
    centres = FIRST_CENTRE + CENTRE_STEP * np.arange(len(POSITIONS))
    for xi, cx in enumerate(centres):
        for yi, cy in enumerate(centres):
            image, start_row, start_col = phases[cy % SUPERSAMPLE][cx % SUPERSAMPLE]
            top = margin + cy // SUPERSAMPLE + start_row
            left = margin + cx // SUPERSAMPLE + start_col
            canvas[xi, yi, top:top + image.shape[0], left:left + image.shape[1]] = image
    return canvas[:, :, margin:margin + SIDE, margin:margin + SIDE]


def build_packed() -> np.ndarray:
    """Every dSprites image in index order, bit-packed: uint8 (737,280, 512)."""
    packed = np.empty((COUNT, PACKED_BYTES), dtype=np.uint8)
    per_sprite = len(POSITIONS) ** 2
    row = 0
    for shape in SHAPES:
        for scale in SCALES:
            for orientation in ORIENTATIONS:
                images = render_sprite_positions(shape, float(scale), float(orientation))
                packed[row:row + per_sprite] = np.packbits(images.reshape(per_sprite, -1), axis=1)
                row += per_sprite
    return packed


def cache_path(root: Path | None = None) -> Path:
    from explorer.data.images import cache_dir

    return (root or cache_dir()) / "dsprites" / f"dsprites-64-packed-v{CACHE_VERSION}.npy"


def load_packed(root: Path | None = None) -> np.ndarray:
    """The packed images from the cache, built and cached first when absent or unreadable."""
    path = cache_path(root)
    if path.exists():
        try:
            return _read_cache(path)
        except DataError:
            pass  # our own cache, damaged or from elsewhere: rebuilt below
    packed = build_packed()
    _write_cache(path, packed)
    return packed


def _read_cache(path: Path) -> np.ndarray:
    expected = COUNT * PACKED_BYTES
    with open_regular(path, "dSprites cache", expected + 4096) as handle:
        try:
            array = np.lib.format.read_array(handle, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise DataError(f"dSprites cache {path} is damaged: {exc}") from None
    if array.dtype != np.uint8 or array.shape != (COUNT, PACKED_BYTES):
        raise DataError(f"dSprites cache {path} holds {array.dtype} {array.shape}, expected uint8 "
                        f"{(COUNT, PACKED_BYTES)}")
    return array


def _write_cache(path: Path, packed: np.ndarray) -> None:
    from explorer.atomic import atomic_path

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, "dSprites cache") as temp:
            with open(temp, "wb") as handle:
                np.lib.format.write_array(handle, packed, allow_pickle=False)
    except OSError:
        pass  # a read-only or full data folder: the images are rebuilt next time


def factor_classes(index: np.ndarray) -> np.ndarray:
    """Each item's factor classes (N, 5) from its dSprites index (the mixed-radix order, y fastest)."""
    return np.stack(np.unravel_index(np.asarray(index, dtype=np.int64), FACTORS.sizes), axis=1)


def index_of(classes: np.ndarray) -> np.ndarray:
    """The dSprites index of each row of factor classes (N, 5)."""
    return np.ravel_multi_index(tuple(np.asarray(classes, dtype=np.int64).T), FACTORS.sizes)


def unpack_images(packed: np.ndarray, side: int = SIDE) -> torch.Tensor:
    """Pixels (N, 1, side, side) from packed rows: uint8 0/255 at 64x64, float16 grey levels when pooled."""
    bits = np.unpackbits(packed, axis=1).reshape(-1, SIDE, SIDE)
    if side == SIDE:
        return torch.from_numpy(bits * np.uint8(255)).unsqueeze(1)
    pool = SIDE // side
    counts = sum(bits[:, i::pool, j::pool] for i in range(pool) for j in range(pool))
    return torch.from_numpy(counts).to(torch.float16).mul_(1.0 / (pool * pool)).unsqueeze(1)


CHUNK = 32_768
NOISE_SEED = 5678


def with_noise(pixels: torch.Tensor, first: int) -> torch.Tensor:
    """Noisy dSprites (Locatello et al. 2019, grey here): each pixel plus uniform noise in [0, 1), clipped at 1,
    stored as uint8. The noise of the chunk of items starting at index ``first`` is drawn from a generator seeded by
    that index, so every item's noise is the same whenever its chunk is built."""
    rng = np.random.default_rng([NOISE_SEED, first])
    noise = torch.from_numpy(rng.random(tuple(pixels.shape), dtype=np.float32))
    return (pixels.float().add_(noise).clamp_(max=1.0).mul_(255.0).add_(0.5)).to(torch.uint8)


COLOUR_SEED = 9012
COLOUR_RANGE = (0.5, 1.0)  # each channel's factor, as disentanglement_lib's color_dsprites draws it


def with_colour(pixels: torch.Tensor, first: int) -> torch.Tensor:
    """Colour dSprites: grey pixels (N, 1, H, W) times one RGB colour per item, each channel uniform in
    COLOUR_RANGE, as uint8 (N, 3, H, W). The colours of the chunk starting at index ``first`` are drawn from a
    generator seeded by that index (as the noise is)."""
    rng = np.random.default_rng([COLOUR_SEED, first])
    colours = torch.from_numpy(rng.uniform(*COLOUR_RANGE, (len(pixels), 3)).astype(np.float32))
    grey = as_pixels(pixels)
    return (grey * colours[:, :, None, None] * 255.0 + 0.5).to(torch.uint8)


def _variant_chunk(dataset_id: str, packed: np.ndarray, first: int) -> torch.Tensor:
    pixels = unpack_images(packed, IMAGE_SHAPES[dataset_id][1])
    if dataset_id == NOISY_DSPRITES:
        return with_noise(pixels, first)
    if dataset_id in COLOUR_DSPRITES:
        return with_colour(pixels, first)
    return pixels


def load_dsprites(dataset_id: str, data_dir: str | os.PathLike | None = None) -> Dataset:
    """``dsprites`` (64x64, uint8 pixel storage), ``dsprites-32`` (32x32, float16), ``dsprites-32-noisy`` (32x32
    with uniform noise added, uint8), ``dsprites-color`` or ``dsprites-32-color`` (RGB, uint8), labelled by shape,
    with every item's factor classes. Each chunk's images are written straight to their rows of the train and
    test tensors, each allocated once: the images are never held twice (9.1 GB for the 64x64 colour ones)."""
    if dataset_id not in DSPRITES:
        raise DataError(f"unknown dSprites variant {dataset_id!r}; expected one of {', '.join(DSPRITES)}")
    packed = load_packed(Path(data_dir) if data_dir else None)
    train_idx, test_idx = seeded_split(COUNT, TEST_FRACTION, SPLIT_SEED)
    in_test = torch.zeros(COUNT, dtype=torch.bool)
    in_test[test_idx] = True
    row = torch.empty(COUNT, dtype=torch.long)  # each item's row in its split
    row[train_idx], row[test_idx] = torch.arange(len(train_idx)), torch.arange(len(test_idx))
    train_x = test_x = None
    for start in range(0, COUNT, CHUNK):
        chunk = _variant_chunk(dataset_id, packed[start:start + CHUNK], start)
        if train_x is None:
            train_x, test_x = (torch.empty((len(index),) + tuple(chunk.shape[1:]), dtype=chunk.dtype)
                               for index in (train_idx, test_idx))
        items = torch.arange(start, start + len(chunk))
        to_test = in_test[items]
        train_x[row[items[~to_test]]] = chunk[~to_test]
        test_x[row[items[to_test]]] = chunk[to_test]
    classes = torch.from_numpy(factor_classes(np.arange(COUNT)))
    splits = [Split(x, classes[index, 0].clone(), factors=classes[index]) for x, index in
              ((train_x, train_idx), (test_x, test_idx))]
    return Dataset(dataset_id, "image", *splits, list(SHAPES), tuple(train_x.shape[1:]), factors=FACTORS)


@dataclass(frozen=True)
class GroundTruth:
    """Items for any factor classes, for the metrics that intervene on factors (FactorVAE and β-VAE scores): data
    holding every combination of its factors exactly once, as dSprites does."""

    dataset: Dataset
    index: torch.Tensor  # combination (mixed-radix, last factor fastest) -> row: in train, then in test

    @classmethod
    def of(cls, dataset: Dataset) -> GroundTruth:
        table = dataset.factors
        if table is None or dataset.train.factors is None or dataset.test.factors is None:
            raise DataError(f"dataset {dataset.id!r} has no ground-truth factors")
        classes = torch.cat([dataset.train.factors, dataset.test.factors]).numpy()
        count = math.prod(table.sizes)
        try:
            flat = np.ravel_multi_index(tuple(classes.T), table.sizes)
        except ValueError:
            flat = None
        if flat is None or len(flat) != count or np.bincount(flat, minlength=count).min() != 1:
            raise DataError(f"dataset {dataset.id!r} does not hold every combination of its factors once, as the "
                            "interventional metrics need")
        where = torch.empty(count, dtype=torch.long)
        where[torch.from_numpy(flat)] = torch.arange(count)
        return cls(dataset, where)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self.dataset.factors.sizes

    def _rows(self, classes: np.ndarray) -> torch.Tensor:
        return self.index[torch.from_numpy(np.ravel_multi_index(tuple(np.asarray(classes).T), self.sizes))]

    def _gather(self, name: str, rows: torch.Tensor) -> torch.Tensor:
        train, test = getattr(self.dataset.train, name), getattr(self.dataset.test, name)
        out = torch.empty((len(rows),) + tuple(train.shape[1:]), dtype=train.dtype)
        in_train = rows < len(train)
        out[in_train] = train[rows[in_train]]
        out[~in_train] = test[rows[~in_train] - len(train)]
        return out

    def images(self, classes: np.ndarray) -> torch.Tensor:
        return self._gather("x", self._rows(classes))

    def labels(self, classes: np.ndarray) -> torch.Tensor:
        return self._gather("y", self._rows(classes))
