"""Every point binned to the pixels of a view: how many fall in each pixel and which colour most of them have,
turned into an RGBA image whose opacity grows with the log of the count."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_ALPHA, MAX_ALPHA = 60, 235  # a pixel holding one point still shows; the densest is nearly opaque


@dataclass(frozen=True)
class Bounds:
    """A rectangle of the map in data coordinates."""

    x0: float
    x1: float
    y0: float
    y1: float

    def __post_init__(self):
        if not (np.isfinite([self.x0, self.x1, self.y0, self.y1]).all() and self.x1 > self.x0 and self.y1 > self.y0):
            raise ValueError(f"bounds {self}: expected finite x0 < x1 and y0 < y1")

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def grown(self, fraction: float) -> Bounds:
        """These bounds widened by ``fraction`` of their size on every side."""
        dx, dy = self.width * fraction, self.height * fraction
        return Bounds(self.x0 - dx, self.x1 + dx, self.y0 - dy, self.y1 + dy)


@dataclass
class Pixels:
    """The pixel of each point inside a view: ``row`` and ``column`` (int32) of the points ``inside`` (indices)."""

    shape: tuple[int, int]
    row: np.ndarray
    column: np.ndarray
    inside: np.ndarray

    def flat(self) -> np.ndarray:
        return self.row.astype(np.int64) * self.shape[1] + self.column

    def coarser(self, factor: int) -> Pixels:
        """The same points in cells of ``factor`` x ``factor`` pixels."""
        shape = (max(1, self.shape[0] // factor), max(1, self.shape[1] // factor))
        return Pixels(shape, np.minimum(self.row // factor, shape[0] - 1),
                      np.minimum(self.column // factor, shape[1] - 1), self.inside)


def pixel_of(points: np.ndarray, bounds: Bounds, shape: tuple[int, int]) -> Pixels:
    """Each point's pixel in an image of ``shape`` (rows, columns) covering ``bounds``, row 0 at y0."""
    rows, cols = shape
    x = np.subtract(points[:, 0], np.float32(bounds.x0))
    x *= np.float32(cols / bounds.width)
    y = np.subtract(points[:, 1], np.float32(bounds.y0))
    y *= np.float32(rows / bounds.height)
    keep = x >= 0
    keep &= x < cols
    keep &= y >= 0
    keep &= y < rows
    inside = np.flatnonzero(keep)
    column = np.minimum(x[inside].astype(np.int32), cols - 1)
    row = np.minimum(y[inside].astype(np.int32), rows - 1)
    return Pixels(shape, row, column, inside)


@dataclass
class DensityRaster:
    """``counts`` (rows, columns) float32 points per pixel; ``majority`` (rows, columns) int32 the colour most of
    a pixel's points have, -1 where it holds none."""

    bounds: Bounds
    counts: np.ndarray
    majority: np.ndarray


def density_raster(points: np.ndarray, colours: np.ndarray, bounds: Bounds, shape: tuple[int, int]) -> DensityRaster:
    """Bin ``points`` (N, 2) float32 with their colour ids ``colours`` (N,) >= 0 into an image of ``shape``."""
    return raster_of(pixel_of(points, bounds, shape), colours, bounds)


def raster_of(pixels: Pixels, colours: np.ndarray, bounds: Bounds) -> DensityRaster:
    rows, cols = pixels.shape
    flat = pixels.flat()
    counts = np.bincount(flat, minlength=rows * cols)
    majority = np.full(rows * cols, -1, dtype=np.int32)
    if len(flat):
        occupied = counts > 0
        rank = np.cumsum(occupied) - 1  # each occupied pixel's rank among them: votes binned for those only
        kinds = int(colours.max()) + 1
        votes = np.bincount(rank[flat] * kinds + colours[pixels.inside], minlength=int(occupied.sum()) * kinds)
        majority[occupied] = votes.reshape(-1, kinds).argmax(1)
    return DensityRaster(bounds, counts.reshape(rows, cols).astype(np.float32), majority.reshape(rows, cols))


def density_image(raster: DensityRaster, palette: np.ndarray) -> np.ndarray:
    """An RGBA uint8 image (rows, columns, 4): each occupied pixel in its majority colour from ``palette`` (K, 3)
    uint8, opacity by log count; empty pixels transparent."""
    image = np.zeros(raster.counts.shape + (4,), dtype=np.uint8)
    occupied = raster.majority >= 0
    if not occupied.any():
        return image
    image[occupied, :3] = palette[raster.majority[occupied] % len(palette)]
    level = np.log1p(raster.counts[occupied]) / np.log1p(raster.counts.max())
    image[occupied, 3] = (MIN_ALPHA + (MAX_ALPHA - MIN_ALPHA) * level).astype(np.uint8)
    return image
