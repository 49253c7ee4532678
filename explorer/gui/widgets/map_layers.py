"""What the map draws, at any number of points. Up to POINT_BUDGET points are all drawn, one scatter item per
class with one shared brush, as soon as they are set. A larger map is prepared in a worker (classes, sampling
ranks, the spatial index) and then drawn by level of detail: one picture, made in the worker at the view's pixels,
of a density image of every point (each pixel in its majority class's colour) with a density-aware sample of the
points in view drawn on it. Each time the view leaves the region last computed, or zooms past REZOOM, the worker
makes the picture again (the newest request wins); until then the picture on show moves with the view, so a pan
or zoom frame only moves a transform and copies one image. The class items then stay empty, for the legend."""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtGui import QColor, QImage

from explorer.analysis.mapview.density import Bounds
from explorer.analysis.mapview.layers import MARGIN, POINT_BUDGET, PreparedMap, ViewLayers, prepare_map, view_layers
from explorer.gui.concurrent import TaskRunner, WorkerThread
from explorer.gui.widgets.map_picture import MapPicture
from explorer.gui.widgets.raster_item import RasterItem, picture_of
from explorer.gui.widgets.style import class_brush, ordered_brush
from explorer.io.display import printable

MAX_LEGEND_ENTRIES = 20
LEGEND_CHARS = 40
REZOOM = 1.25  # a view this much closer or farther than the layers asked for last asks for new ones


def prepare_in_worker(points: np.ndarray, labels: np.ndarray, state) -> PreparedMap:
    prepared = prepare_map(points, labels)
    prepared.regions()  # here, not on the GUI thread when the names are asked for
    return prepared


def layers_in_worker(prepared: PreparedMap, view: Bounds, shape: tuple[int, int], palette: np.ndarray,
                     state) -> tuple[ViewLayers, QImage]:
    state.check()
    layers = view_layers(prepared.data, view, shape, palette)
    state.check()
    return layers, picture_of(layers.image)


def covers(outer: Bounds, inner: Bounds) -> bool:
    return outer.x0 <= inner.x0 and inner.x1 <= outer.x1 and outer.y0 <= inner.y0 and inner.y1 <= outer.y1


class MapLayers(QObject):
    """The picture of a large map or the class scatters of a small one, with the spatial index of all its
    points."""

    drawn = Signal()  # the points set (or the layers of the view) are on show

    def __init__(self, plot_item: pg.PlotItem, legend: pg.LegendItem, worker: WorkerThread, parent=None):
        super().__init__(parent)
        self.plot, self.legend = plot_item, legend
        self.prepared: PreparedMap | None = None  # None while a large map is being prepared
        self.detailed = False  # more points than are drawn at once
        self.image = RasterItem()
        self.image.setZValue(-2)  # under the prior's samples and the points
        plot_item.addItem(self.image, ignoreBounds=True)
        self.image.hide()
        self._points = np.zeros((0, 2), dtype=np.float32)
        self._names: list[str] | None = None
        self._class_items: list[pg.ScatterPlotItem] = []
        # what the class items show: ids, legend names (as HTML), and the count of ordered values (0: categories)
        self._classes: tuple[list[int], list[str], int] | None = None
        self._class_names: list[str] = []  # the legend's names as plain text
        self._ordered = 0
        self._palette = np.zeros((0, 3), dtype=np.uint8)
        self._region_items: list[pg.TextItem] = []
        self.regions_shown = False
        self._asked: tuple[Bounds, float] | None = None  # the region and pixel size of the layers asked for last
        self.shown = np.zeros(0, dtype=np.int64)  # the indices of the points drawn
        self.view_layers: ViewLayers | None = None  # what the picture on show was made from
        self.prepare_runner = TaskRunner(worker, self._on_prepared, parent=self)
        self.layers_runner = TaskRunner(worker, self._on_layers, parent=self)
        plot_item.vb.sigRangeChanged.connect(self._on_view_changed)
        plot_item.vb.sigResized.connect(self._on_view_changed)

    @property
    def busy(self) -> bool:
        return self.prepare_runner.busy or self.layers_runner.busy

    @property
    def class_items(self) -> list[pg.ScatterPlotItem]:
        return self._class_items

    def set_points(self, points: np.ndarray, labels: np.ndarray, class_names: list[str] | None,
                   ordered: bool = False) -> None:
        self.prepare_runner.cancel()
        self.layers_runner.cancel()
        self._points, self._names, self._asked = points, class_names, None
        self._ordered = len(class_names) if ordered and class_names else 0
        self.detailed = len(points) > POINT_BUDGET
        self.image.hide()
        self.view_layers = None
        if not self.detailed:
            self.prepared = prepare_map(points, labels)
            self._show_classes()
            self.show_regions(self.regions_shown)
            self._draw(np.arange(len(points)))
            return
        self.prepared = None
        self.shown = np.zeros(0, dtype=np.int64)
        for item in self._class_items:
            item.clear()
        self.show_regions(self.regions_shown)  # the old map's names go until the new map's are found
        self.prepare_runner.start(prepare_in_worker, points, labels)

    def _on_prepared(self, prepared: PreparedMap) -> None:
        self.prepared = prepared
        self._show_classes()
        self._on_view_changed()
        self.show_regions(self.regions_shown)

    def show_regions(self, shown: bool) -> None:
        """Name the map's dense regions by their majority class (or hide the names)."""
        self.regions_shown = shown
        for item in self._region_items:
            self.plot.removeItem(item)
        self._region_items = []
        if not shown or self.prepared is None:
            return
        names, classes = self._names, self.prepared.classes
        for region in self.prepared.regions():
            cls = int(classes[region.colour])
            text = printable(names[cls] if names and 0 <= cls < len(names) else str(cls), LEGEND_CHARS)
            item = pg.TextItem(text, color=self._class_style(cls)["brush"].color().darker(150), anchor=(0.5, 0.5),
                               fill=pg.mkBrush(255, 255, 255, 170))  # plain text: names come from the file
            item.setToolTip(f"{text}: {region.share:.0%} of the points")
            item.setZValue(8)
            item.setPos(region.x, region.y)
            self.plot.addItem(item, ignoreBounds=True)
            self._region_items.append(item)

    @property
    def region_names(self) -> list[str]:
        return [item.textItem.toPlainText() for item in self._region_items]

    def _show_classes(self) -> None:
        """One scatter item per class, named in the legend; kept when the classes are the same (a run's next
        snapshot), so only the points move."""
        classes = self.prepared.classes.tolist()
        names = self._names
        plain = [printable(names[cls] if names and 0 <= cls < len(names) else str(cls), LEGEND_CHARS)
                 for cls in classes]
        shown = [html.escape(name) for name in plain]  # the legend renders HTML
        if (classes, shown, self._ordered) == self._classes:
            return
        self._class_names = plain
        for item in self._class_items:
            self.plot.removeItem(item)
        self.legend.clear()
        self._class_items, self._classes = [], (classes, shown, self._ordered)
        self._palette = np.array([self._class_style(cls)["brush"].color().getRgb()[:3] for cls in classes],
                                 dtype=np.uint8).reshape(-1, 3)
        for cls, name in zip(classes, shown):
            # A named item is added to the legend by the PlotItem; too many classes make no useful legend.
            item = pg.ScatterPlotItem(**self._class_style(cls), name=name if len(classes) <= MAX_LEGEND_ENTRIES
                                      else None)
            self.plot.addItem(item)
            self._class_items.append(item)

    def picture(self) -> MapPicture | None:
        """What a picture of the map as shown is made from (for an export at any size); None while a large map is
        being prepared."""
        view = self._view()
        if self.prepared is None or view is None:
            return None
        legend = tuple((name, QColor(*rgb.tolist())) for name, rgb in zip(self._class_names, self._palette)) \
            if len(self._class_names) <= MAX_LEGEND_ENTRIES else ()
        return MapPicture(self.prepared, view[0], self._palette, legend,
                          pg.mkColor(pg.getConfigOption("background")), pg.mkColor(pg.getConfigOption("foreground")))

    def _class_style(self, cls: int) -> dict:
        brush = ordered_brush(int(cls), self._ordered) if self._ordered else class_brush(int(cls))
        return {"size": 5, "pen": None, "brush": brush}

    def _draw(self, indices: np.ndarray) -> None:
        """Draw the points ``indices`` (a small map's), each in its class's item."""
        self.shown = indices
        colours = self.prepared.data.colours[indices]
        order = np.argsort(colours, kind="stable")
        by_class = indices[order]
        starts = np.searchsorted(colours[order], np.arange(len(self._class_items) + 1))
        for k, (item, cls) in enumerate(zip(self._class_items, self._classes[0])):
            chosen = by_class[starts[k]:starts[k + 1]]
            item.setData(self._points[chosen, 0], self._points[chosen, 1], **self._class_style(cls))
        self.drawn.emit()

    def _view(self) -> tuple[Bounds, tuple[int, int]] | None:
        vb = self.plot.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        shape = (int(vb.height()), int(vb.width()))
        if min(shape) < 2 or not (x1 > x0 and y1 > y0):
            return None
        return Bounds(float(x0), float(x1), float(y0), float(y1)), shape

    def _on_view_changed(self, *_) -> None:
        if not self.detailed or self.prepared is None:
            return
        view = self._view()
        if view is None:
            return
        bounds, shape = view
        pixel = bounds.width / shape[1]
        if self._asked is not None:
            region, asked_pixel = self._asked
            if covers(region, bounds) and 1 / REZOOM < pixel / asked_pixel < REZOOM:
                return
        self._asked = bounds.grown(MARGIN), pixel
        self.layers_runner.start(layers_in_worker, self.prepared, bounds, shape, self._palette)

    def _on_layers(self, result: tuple[ViewLayers, QImage]) -> None:
        self.view_layers, picture = result
        b = self.view_layers.bounds
        self.image.set_picture(picture, QRectF(b.x0, b.y0, b.width, b.height))
        self.image.show()
        self.shown = self.view_layers.drawn
        self.drawn.emit()
