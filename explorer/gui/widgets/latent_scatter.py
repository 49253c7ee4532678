"""The latent map: a 2-D scatter coloured by class that stays smooth with millions of points.

The points are drawn by MapLayers (all of them up to its budget, else a density image under a density-aware
sample); the selection, the group, a path and newly encoded items are small items drawn on top, so selecting never
recolours the big scatter. Hover, click, box and lasso go through a spatial index of every point, not the drawn
ones.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy

from explorer.gui.concurrent import WorkerThread
from explorer.gui.widgets.axis_grid import AxisGrid
from explorer.gui.widgets.map_layers import MapLayers
from explorer.gui.widgets.style import ACCENT, PATH

HOVER_RADIUS_PX = 8.0
SELECTION_MODES = ("pan", "box", "lasso")
TAG_ABOVE = 1.2  # a path end's tag anchored this far above its point (in tag heights), or as far below it



def _show_points(item, points: np.ndarray | None) -> bool:
    """Draw ``points`` (k, 2) with the scatter item ``item``, or clear it for None or none; whether any are drawn."""
    if points is None or len(points) == 0:
        item.clear()
        return False
    points = np.asarray(points, dtype=np.float64)
    item.setData(points[:, 0], points[:, 1])
    return True

class SelectionViewBox(pg.ViewBox):
    """A ViewBox whose left drag draws a box or a lasso (in those modes) instead of panning."""

    polygon_drawn = Signal(object)  # (M, 2) polygon in data coordinates

    def __init__(self):
        super().__init__()
        self.mode = "pan"
        self._path: list[tuple[float, float]] = []
        self._band = pg.PlotCurveItem(pen=pg.mkPen(ACCENT, width=1.5, style=Qt.PenStyle.DashLine))
        self._band.setZValue(20)
        self.addItem(self._band, ignoreBounds=True)
        self._band.hide()

    def mouseDragEvent(self, ev, axis=None):
        if self.mode == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        here = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._path = [(start.x(), start.y())]
        self._path.append((here.x(), here.y()))
        polygon = self._polygon()
        closed = np.vstack([polygon, polygon[:1]])
        self._band.setData(closed[:, 0], closed[:, 1])
        self._band.show()
        if ev.isFinish():
            self._band.hide()
            self.polygon_drawn.emit(polygon)

    def _polygon(self) -> np.ndarray:
        path = np.asarray(self._path, dtype=np.float64)
        if self.mode == "box":
            (x0, y0), (x1, y1) = path[0], path[-1]
            return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        return path


class LatentScatter(pg.PlotWidget):
    """Points coloured by label, with hover preview, click selection and box/lasso group selection; a large map's
    layers are computed on ``worker``."""

    point_clicked = Signal(int)
    group_selected = Signal(object)  # np.ndarray of indices
    hovered = Signal(int)  # -1 when the pointer leaves every point

    def __init__(self, worker: WorkerThread, parent=None):
        self._viewbox = SelectionViewBox()
        super().__init__(parent, viewBox=self._viewbox)
        self.setToolTip("Latent map: hover to preview an item, click to select it, wheel to zoom, drag to pan "
                        "or to draw a box/lasso.")
        self.preview_provider: Callable[[int], QPixmap | str | None] | None = None
        self.points = np.zeros((0, 2), dtype=np.float32)
        self.labels = np.zeros(0, dtype=np.int64)
        self.selected = -1
        self.group = np.zeros(0, dtype=np.int64)
        self._hover = -1
        # The legend sits in its own column right of the plot, so it never covers a point.
        self._legend = pg.LegendItem()
        self._legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # rows stay together
        self.plotItem.layout.addItem(self._legend, 2, 3, Qt.AlignmentFlag.AlignTop)
        self.plotItem.legend = self._legend  # named items are listed in it
        self.grid = AxisGrid(self.plotItem, alpha=0.15)
        self.layers = MapLayers(self.plotItem, self._legend, worker, self)

        self._group_item = pg.ScatterPlotItem(size=9, pen=pg.mkPen(ACCENT, width=1.5), brush=None)
        self._path_item = pg.PlotDataItem(pen=pg.mkPen(PATH, width=2), symbol="o", symbolSize=6,
                                          symbolBrush=pg.mkBrush(PATH), symbolPen=None)
        self.path_ends = {name: pg.TextItem(name, color="w", fill=pg.mkBrush(PATH), anchor=(0.5, TAG_ABOVE))
                          for name in ("A", "B")}
        for end in self.path_ends.values():
            end.setZValue(15)
            self.plotItem.addItem(end, ignoreBounds=True)
            end.hide()
        self.plotItem.vb.sigRangeChanged.connect(self._place_ends_soon)
        self.plotItem.vb.sigResized.connect(self._place_ends_soon)
        self._extra_item = pg.ScatterPlotItem(size=16, symbol="star", pen=pg.mkPen("k"), brush=pg.mkBrush(ACCENT))
        self._selected_item = pg.ScatterPlotItem(size=16, pen=pg.mkPen(self._foreground(), width=2.5), brush=None)
        # The preview set among the whole dataset's points: hollow rings above the points, under the marks.
        self._highlight_item = pg.ScatterPlotItem(size=7, pen=pg.mkPen(self._foreground(), width=1), brush=None)
        self._highlight_item.setZValue(5)
        self.plotItem.addItem(self._highlight_item, ignoreBounds=True)
        self._prior_item = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(128, 128, 128, 110))
        self._prior_item.setZValue(-1)  # under the data's codes
        self.plotItem.addItem(self._prior_item)
        for z, item in enumerate((self._group_item, self._path_item, self._extra_item, self._selected_item)):
            item.setZValue(10 + z)
            self.plotItem.addItem(item, ignoreBounds=True)

        self._preview = QLabel(self)
        self._preview.setFrameShape(QFrame.Shape.Box)
        self._preview.setAutoFillBackground(True)
        self._preview.setWordWrap(True)
        self._preview.setTextFormat(Qt.TextFormat.PlainText)  # items and class names come from the checkpoint
        self._preview.setMaximumWidth(320)
        self._preview.hide()

        self._viewbox.polygon_drawn.connect(self.select_polygon)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    def _foreground(self):
        return pg.getConfigOption("foreground")

    # Data
    def set_points(self, points: np.ndarray, labels: np.ndarray, class_names: list[str] | None = None,
                   ordered: bool = False) -> None:
        """Replace every point (a large map is drawn when its layers come back from the worker). ``ordered``: the
        classes are steps of one quantity (a factor's values), coloured along a sequential map instead of told
        apart."""
        self.points = np.ascontiguousarray(points, dtype=np.float32)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.layers.set_points(self.points, self.labels, class_names, ordered)
        self.select(self.selected if 0 <= self.selected < len(self.points) else -1)
        self.set_group(self.group[self.group < len(self.points)])
        if self.layers.detailed:  # its scatter items are still empty: frame every finite point
            finite = self.points[np.isfinite(self.points).all(1)]
            if len(finite):
                (x0, y0), (x1, y1) = finite.min(0), finite.max(0)
                self.plotItem.vb.setRange(xRange=(float(x0), float(x1)), yRange=(float(y0), float(y1)))
        else:
            self.plotItem.autoRange()

    def show_region_labels(self, shown: bool) -> None:
        self.layers.show_regions(shown)

    def set_selection_mode(self, mode: str) -> None:
        if mode not in SELECTION_MODES:
            raise ValueError(f"selection mode {mode!r}; expected one of {SELECTION_MODES}")
        self._viewbox.mode = mode

    # Overlays
    def select(self, index: int) -> None:
        """Mark one point (or none with -1)."""
        self.selected = int(index)
        if index < 0:
            self._selected_item.clear()
        else:
            self._selected_item.setData([self.points[index, 0]], [self.points[index, 1]])

    def set_group(self, indices: np.ndarray) -> None:
        self.group = np.asarray(indices, dtype=np.int64)
        if len(self.group) == 0:
            self._group_item.clear()
        else:
            self._group_item.setData(self.points[self.group, 0], self.points[self.group, 1])

    def set_path(self, path: np.ndarray | None, ends: tuple[str, str] = ("A", "B")) -> None:
        """Draw a path (k, 2) in map coordinates (an interpolation, a traversal, an analogy's step) with its ends
        marked ``ends``; None clears it."""
        if path is None or len(path) == 0:
            self._path_item.clear()
            for end in self.path_ends.values():
                end.hide()
            return
        path = np.asarray(path, dtype=np.float64)
        self._path_item.setData(path[:, 0], path[:, 1])
        for end, text, (x, y) in zip(self.path_ends.values(), ends, (path[0], path[-1])):
            end.setText(text)
            end.setPos(x, y)
            end.show()
        self._place_ends()

    def _place_ends_soon(self, *_args) -> None:
        """Place the tags once the layout has moved the view too (a resize signals before it does)."""
        QTimer.singleShot(0, self, self._place_ends)

    def _place_ends(self, *_args) -> None:
        """Each end's tag on the side away from the other end (the upper end's above it, the lower's below), so
        two near ends never cover each other; moved in where the plot's edge would cut it (an end off the map has its
        tag at the edge)."""
        tags = list(self.path_ends.values())
        if not all(tag.isVisible() for tag in tags):
            return
        vb = self.plotItem.vb
        area = vb.sceneBoundingRect()
        at = [vb.mapViewToScene(tag.pos()) for tag in tags]
        upper = 0 if at[0].y() <= at[1].y() else 1
        for i, (tag, point) in enumerate(zip(tags, at)):
            size = tag.textItem.boundingRect()
            width, height = max(size.width(), 1.0), size.height()
            x, y = point.x() - area.left(), point.y() - area.top()
            across = min(max(0.5, 1 - (area.width() - x) / width), x / width)  # anchor: 0 its left edge, 1 right
            above = i == upper
            if above and y < TAG_ABOVE * height or not above and area.height() - y < TAG_ABOVE * height:
                above = not above  # no room on its side: the other
            down = TAG_ABOVE if above else 1 - TAG_ABOVE
            down = min(max(down, 1 - (area.height() - y) / height), y / height)  # an end off the map: at its edge
            tag.setAnchor((across, down))

    def set_extra_points(self, points: np.ndarray | None) -> None:
        """Mark newly encoded items (k, 2) placed on the map."""
        _show_points(self._extra_item, points)

    def set_highlighted(self, points: np.ndarray | None) -> None:
        """Ring points (k, 2) on top of the map (the preview set among the whole dataset); None clears them."""
        _show_points(self._highlight_item, points)

    def set_prior_points(self, points: np.ndarray | None) -> None:
        """Samples of the prior (k, 2), drawn in grey under the codes; None clears them."""
        if _show_points(self._prior_item, points):
            self.plotItem.autoRange()  # the prior may reach where no code does

    # Selection
    def select_polygon(self, polygon: np.ndarray) -> np.ndarray:
        """Select the points inside ``polygon`` (data coordinates) as a group and announce it."""
        prepared = self.layers.prepared
        indices = np.zeros(0, dtype=np.int64) if prepared is None else prepared.index.in_polygon(polygon)
        self.set_group(indices)
        self.group_selected.emit(indices)
        return indices

    def nearest(self, x: float, y: float, radius_px: float = HOVER_RADIUS_PX) -> int:
        """The point nearest to data position (x, y) within ``radius_px`` screen pixels, else -1 (also while a
        large map is being prepared)."""
        prepared = self.layers.prepared
        if prepared is None or len(self.points) == 0:
            return -1
        scale_x, scale_y = self._viewbox.viewPixelSize()
        return prepared.index.nearest(x, y, radius_px * scale_x, radius_px * scale_y)

    def _index_at_scene(self, scene_pos: QPointF) -> int:
        if not self._viewbox.sceneBoundingRect().contains(scene_pos):
            return -1
        here = self._viewbox.mapSceneToView(scene_pos)
        return self.nearest(here.x(), here.y())

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        index = self._index_at_scene(scene_pos)
        if index != self._hover:
            self._hover = index
            self.hovered.emit(index)
        if index < 0 or self.preview_provider is None:
            self._preview.hide()
            return
        self._show_preview(index, self.mapFromScene(scene_pos))

    def _show_preview(self, index: int, at: QPoint) -> None:
        content = self.preview_provider(index)
        if content is None:
            self._preview.hide()
            return
        if isinstance(content, QPixmap):
            self._preview.setPixmap(content)
        else:
            self._preview.setText(str(content))
        self._preview.adjustSize()
        x = min(at.x() + 16, max(0, self.width() - self._preview.width()))
        y = min(at.y() + 16, max(0, self.height() - self._preview.height()))
        self._preview.move(x, y)
        self._preview.show()
        self._preview.raise_()

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        index = self._index_at_scene(ev.scenePos())
        if index >= 0:
            self.select(index)
            self.point_clicked.emit(index)

    def leaveEvent(self, ev):
        self._preview.hide()
        super().leaveEvent(ev)

    @property
    def preview_visible(self) -> bool:
        return self._preview.isVisible()
