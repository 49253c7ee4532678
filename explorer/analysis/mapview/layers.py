"""What a view of the map shows, computed off the GUI thread each time the view changes: one picture at the view's
pixels (and a margin around it, so a pan shows no empty edge before the next one arrives) of the density image of
every point with the sampled points drawn on it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.mapview.density import Bounds, density_image, pixel_of, raster_of
from explorer.analysis.mapview.picture import enlarged, stamp_points
from explorer.analysis.mapview.regions import Region, dense_regions
from explorer.analysis.mapview.sampling import priorities, sample_of
from explorer.analysis.mapview.spatial_index import GridIndex

POINT_BUDGET = 25_000  # points drawn in a view; measured in bench/map_lod.py against frame time
MARGIN = 0.25  # of the view's size on every side, computed beyond it
DENSITY_PX = 2  # screen pixels per side of a density pixel: a quarter of the pixels to bin and to paint a frame


class MapPoints:
    """The points of a map (N, 2) float32 with their colour ids (N,) and fixed sampling ranks: what every view
    of it is computed from."""

    def __init__(self, points: np.ndarray, colours: np.ndarray, seed: int = 0):
        self.points = np.ascontiguousarray(points, dtype=np.float32)
        self.colours = np.ascontiguousarray(colours, dtype=np.int64)
        if self.points.ndim != 2 or self.points.shape[1] != 2 or len(self.colours) != len(self.points):
            raise ValueError(f"points {self.points.shape} and colours {self.colours.shape}: expected (N, 2) and (N,)")
        if len(self.colours) and self.colours.min() < 0:
            raise ValueError("colour ids must be >= 0")
        self.priority = priorities(len(self.points), seed)

    def __len__(self) -> int:
        return len(self.points)


@dataclass
class ViewLayers:
    """``image`` (rows, columns, 4) uint8 covering ``bounds``, row 0 at its y0: the density with the points
    ``drawn`` (indices) on it."""

    bounds: Bounds
    image: np.ndarray
    drawn: np.ndarray


def view_layers(data: MapPoints, view: Bounds, shape: tuple[int, int], palette: np.ndarray,
                budget: int = POINT_BUDGET, margin: float = MARGIN) -> ViewLayers:
    """The layers of the view ``view`` drawn at ``shape`` (rows, columns) pixels, with ``palette`` (K, 3) uint8."""
    bounds = view.grown(margin)
    grown_shape = tuple(max(1, int(round(side * (1 + 2 * margin)))) for side in shape)
    pixels = pixel_of(data.points, bounds, grown_shape)
    raster = raster_of(pixels.coarser(DENSITY_PX), data.colours, bounds)
    image = enlarged(density_image(raster, palette), grown_shape, DENSITY_PX)
    chosen = sample_of(pixels, data.priority, budget)
    chosen = chosen[np.argsort(data.colours[pixels.inside[chosen]], kind="stable")]  # classes in legend order
    drawn = pixels.inside[chosen]
    stamp_points(image, pixels.row[chosen], pixels.column[chosen], palette[data.colours[drawn] % len(palette)])
    return ViewLayers(bounds, image, np.sort(drawn))


@dataclass
class PreparedMap:
    """What every view of a map is computed from, built once per set of points (off the GUI thread for a large
    one): the class ids in order, the points with their colour (a class's position in ``classes``), the
    spatial index of all of them, and the dense regions to name (found on first asking)."""

    classes: np.ndarray
    data: MapPoints
    index: GridIndex
    _regions: list[Region] | None = None

    def regions(self) -> list[Region]:
        if self._regions is None:
            self._regions = dense_regions(self.data.points, self.data.colours)
        return self._regions


def prepare_map(points: np.ndarray, labels: np.ndarray) -> PreparedMap:
    classes, colours = np.unique(np.asarray(labels, dtype=np.int64), return_inverse=True)
    data = MapPoints(points, colours.reshape(-1))
    return PreparedMap(classes, data, GridIndex(data.points))
