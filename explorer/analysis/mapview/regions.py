"""Names for the dense regions of a map: every point binned to a coarse grid over the whole map, smoothed, the
pixels denser than average joined into connected regions, and each region holding enough of the points named by
the class most of its points have, placed at its centre of mass."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.mapview.density import Bounds, density_raster

GRID = 256
SMOOTH_PX = 5
MIN_SHARE = 0.02  # of all points, for a region to be named
MAX_REGIONS = 16


@dataclass(frozen=True)
class Region:
    x: float
    y: float
    colour: int  # the colour id (class position) most of its points have
    share: float  # of all points


def data_bounds(points: np.ndarray) -> Bounds | None:
    finite = points[np.isfinite(points).all(1)]
    if len(finite) == 0:
        return None
    (x0, y0), (x1, y1) = finite.min(0).astype(np.float64), finite.max(0).astype(np.float64)
    pad = np.maximum(np.array([x1 - x0, y1 - y0]) * 0.01, 1e-6)
    return Bounds(x0 - pad[0], x1 + pad[0], y0 - pad[1], y1 + pad[1])


def dense_regions(points: np.ndarray, colours: np.ndarray, grid: int = GRID, min_share: float = MIN_SHARE,
                  max_regions: int = MAX_REGIONS) -> list[Region]:
    """The dense regions of ``points`` (N, 2) with colour ids ``colours``, largest first."""
    from scipy import ndimage

    bounds = data_bounds(points)
    if bounds is None:
        return []
    raster = density_raster(points, colours, bounds, (grid, grid))
    counts = raster.counts
    smooth = ndimage.uniform_filter(counts, size=SMOOTH_PX)
    occupied = smooth > 0
    regions, found = ndimage.label(smooth > smooth[occupied].mean())
    if not found:
        return []
    index = np.arange(1, found + 1)
    totals = ndimage.sum(counts, regions, index)
    kinds = int(raster.majority.max()) + 1
    inside = (regions > 0) & (raster.majority >= 0)
    votes = np.bincount((regions[inside] - 1) * kinds + raster.majority[inside], weights=counts[inside],
                        minlength=found * kinds).reshape(found, kinds)
    centres = ndimage.center_of_mass(smooth, regions, index)  # positive over every region, unlike counts
    total = max(float(counts.sum()), 1.0)
    named = []
    for k in np.argsort(-totals, kind="stable")[:max_regions]:
        if totals[k] / total < min_share:
            break
        row, col = centres[k]
        x, y = bounds.x0 + (col + 0.5) * bounds.width / grid, bounds.y0 + (row + 0.5) * bounds.height / grid
        named.append(Region(x, y, int(votes[k].argmax()), float(totals[k] / total)))
    return named
