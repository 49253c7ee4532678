"""Which points to draw in a view: at most a budget, chosen density-aware (after Embedding Atlas): the view is cut
into cells a few pixels wide and each cell keeps at most ``cap`` points, the largest cap that fits the budget, so
a sparse region keeps every point and a dense one keeps a fair share. A point is kept when its fixed random rank
is under cap / (points in its cell), so panning keeps the same points and zooming in only adds to them."""
from __future__ import annotations

import numpy as np

from explorer.analysis.mapview.density import Bounds, Pixels, pixel_of

CELL_PX = 4


def priorities(count: int, seed: int = 0) -> np.ndarray:
    """Each point's fixed random rank in [0, 1), float32: drawn once per map, so samples are stable."""
    return np.random.default_rng(seed).random(count, dtype=np.float32)


def largest_cap(cell_counts: np.ndarray, budget: int) -> float:
    """The largest per-cell cap c with sum(min(count, c)) <= budget (infinite when every point fits)."""
    counts = np.sort(cell_counts[cell_counts > 0]).astype(np.float64)
    if counts.sum() <= budget:
        return np.inf
    # With the k smallest cells whole and the rest capped at c: total = prefix[k] + c * (n - k); the cap is the
    # first k's whose c does not reach the k-th cell's count.
    prefix = np.concatenate([[0.0], np.cumsum(counts)])[:-1]
    caps = (budget - prefix) / np.arange(len(counts), 0, -1)
    return max(float(caps[np.argmax(caps < counts)]), 0.0)


def sample_in_view(points: np.ndarray, priority: np.ndarray, bounds: Bounds, shape: tuple[int, int],
                   budget: int, cell_px: int = CELL_PX) -> np.ndarray:
    """Indices (sorted) of at most about ``budget`` points in ``bounds`` to draw on a view of ``shape`` pixels."""
    pixels = pixel_of(points, bounds, shape)
    return pixels.inside[sample_of(pixels, priority, budget, cell_px)]


def sample_of(pixels: Pixels, priority: np.ndarray, budget: int, cell_px: int = CELL_PX) -> np.ndarray:
    """Positions (sorted) in ``pixels.inside`` of the points to draw."""
    cells = pixels.coarser(cell_px)
    cell = cells.flat()
    counts = np.bincount(cell, minlength=cells.shape[0] * cells.shape[1])
    cap = largest_cap(counts, budget)
    if not np.isfinite(cap):
        return np.arange(len(pixels.inside))
    return np.flatnonzero(priority[pixels.inside] * counts[cell] < cap)
