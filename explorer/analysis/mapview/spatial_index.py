"""A uniform grid over every point of a map, for hover, click, box and lasso on all of them: the points sorted by
cell once, so a query reads only the cells it touches. Distances are measured in screen pixels, whose size may
differ along x and y, so the index is built once and serves every zoom."""
from __future__ import annotations

import numpy as np

POINTS_PER_CELL = 4
MAX_CELLS_PER_SIDE = 2048


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Indices of ``points`` (N, 2) inside the closed ``polygon`` (M, 2)."""
    from matplotlib.path import Path as PolygonPath  # matplotlib loads on the first lasso, not at launch

    polygon = np.asarray(polygon, dtype=np.float64)
    if len(polygon) < 3 or len(points) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(PolygonPath(polygon).contains_points(np.asarray(points, dtype=np.float64)))


class GridIndex:
    """The points (N, 2) of a map in a uniform grid of about POINTS_PER_CELL points a cell."""

    def __init__(self, points: np.ndarray):
        self.points = np.asarray(points, dtype=np.float32)
        count = len(self.points)
        finite = np.isfinite(self.points).all(1) if count else np.zeros(0, dtype=bool)
        if finite.any():
            low, high = self.points[finite].min(0).astype(np.float64), self.points[finite].max(0).astype(np.float64)
        else:
            low, high = np.zeros(2), np.ones(2)
        self.side = int(np.clip(np.sqrt(max(count, 1) / POINTS_PER_CELL), 1, MAX_CELLS_PER_SIDE))
        self.low = low
        self.cell_size = np.maximum(high - low, 1e-12) / self.side
        cells = self._cells(self.points)
        cells[~finite] = self.side * self.side  # points at NaN or infinity sit in a last cell no query reads
        self.order = np.argsort(cells, kind="stable")
        self.starts = np.searchsorted(cells[self.order], np.arange(self.side * self.side + 2))

    def _cell_coords(self, xy: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            coords = np.floor((np.asarray(xy, dtype=np.float64) - self.low) / self.cell_size)
        return np.clip(np.nan_to_num(coords), 0, self.side - 1).astype(np.int64)

    def _cells(self, points: np.ndarray) -> np.ndarray:
        coords = self._cell_coords(points)
        return coords[..., 1] * self.side + coords[..., 0]

    def in_rect(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        """Indices (sorted) of the points with x0 <= x <= x1 and y0 <= y <= y1."""
        (cx0, cy0), (cx1, cy1) = self._cell_coords([min(x0, x1), min(y0, y1)]), \
            self._cell_coords([max(x0, x1), max(y0, y1)])
        rows = np.arange(cy0, cy1 + 1) * self.side
        spans = [self.order[self.starts[row + cx0]:self.starts[row + cx1 + 1]] for row in rows]
        candidates = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
        p = self.points[candidates]
        keep = ((p[:, 0] >= min(x0, x1)) & (p[:, 0] <= max(x0, x1)) & (p[:, 1] >= min(y0, y1))
                & (p[:, 1] <= max(y0, y1)))
        return np.sort(candidates[keep])

    def nearest(self, x: float, y: float, radius_x: float, radius_y: float) -> int:
        """The point nearest to (x, y) with distances scaled so the radius is 1 along each axis (a screen
        radius of ``radius_x`` data units along x, ``radius_y`` along y), within that radius; else -1. Ties go to
        the lowest index."""
        # Zoomed out over a dense region the radius covers many points: the nearest of the few in the cells
        # around (x, y) bounds the distance to search first.
        reach = 1.0
        near = self._nearest_in(self.in_rect(x - self.cell_size[0], x + self.cell_size[0], y - self.cell_size[1],
                                             y + self.cell_size[1]), x, y, radius_x, radius_y)
        if near is not None:
            reach = min(reach, float(np.sqrt(near[1])) * (1 + 1e-9))
        found = self._nearest_in(self.in_rect(x - radius_x * reach, x + radius_x * reach, y - radius_y * reach,
                                              y + radius_y * reach), x, y, radius_x, radius_y)
        return found[0] if found is not None and found[1] <= 1.0 else -1

    def _nearest_in(self, candidates: np.ndarray, x: float, y: float, radius_x: float,
                    radius_y: float) -> tuple[int, float] | None:
        """The candidate nearest to (x, y) and its squared scaled distance; ties to the lowest index."""
        if len(candidates) == 0:
            return None
        p = self.points[candidates].astype(np.float64)
        distance = ((p[:, 0] - x) / radius_x) ** 2 + ((p[:, 1] - y) / radius_y) ** 2
        best = int(np.argmin(distance))  # candidates are sorted: the first minimum has the lowest index
        return int(candidates[best]), float(distance[best])

    def in_polygon(self, polygon: np.ndarray) -> np.ndarray:
        """Indices (sorted) of the points inside ``polygon`` (M, 2), reading only the cells under its bounding
        box."""
        polygon = np.asarray(polygon, dtype=np.float64)
        if len(polygon) < 3 or len(self.points) == 0:
            return np.zeros(0, dtype=np.int64)
        (x0, y0), (x1, y1) = polygon.min(0), polygon.max(0)
        candidates = self.in_rect(x0, x1, y0, y1)
        return candidates[points_in_polygon(self.points[candidates], polygon)]
