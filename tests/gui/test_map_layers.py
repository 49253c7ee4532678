"""The map at more points than it draws: a density image under a density-aware sample, computed in the worker as
the view changes; hover, click and lasso reach every point through the spatial index."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF

from explorer.analysis.mapview.layers import POINT_BUDGET
from explorer.analysis.mapview.spatial_index import points_in_polygon
from explorer.gui.concurrent import WorkerThread
from explorer.gui.widgets.latent_scatter import LatentScatter

DENSE, SPARSE = 60_000, 300


@pytest.fixture
def big_map(qtbot):
    worker = WorkerThread("map view")
    scatter = LatentScatter(worker)
    qtbot.addWidget(scatter)
    scatter.resize(640, 480)
    scatter.show()
    qtbot.waitExposed(scatter)
    rng = np.random.default_rng(0)
    dense = rng.normal(0.0, 0.05, size=(DENSE, 2))
    sparse = rng.uniform(-3, 3, size=(SPARSE, 2))
    points = np.vstack([dense, sparse]).astype(np.float32)
    labels = np.concatenate([np.zeros(DENSE // 2), np.ones(DENSE // 2), np.full(SPARSE, 2)]).astype(np.int64)
    with qtbot.waitSignal(scatter.layers.drawn, timeout=20_000):
        scatter.set_points(points, labels, ["a", "b", "c"])
    yield scatter, points
    qtbot.waitUntil(lambda: not scatter.layers.busy)
    worker.stop()


def test_a_large_map_draws_a_density_image_under_a_sample_keeping_sparse_points(big_map):
    scatter, points = big_map
    layers = scatter.layers
    assert layers.detailed and layers.image.isVisible()
    assert len(layers.shown) <= POINT_BUDGET * 1.1
    sparse = DENSE + np.flatnonzero(np.abs(points[DENSE:]).max(1) > 0.5)  # away from the dense cluster
    assert len(sparse) > SPARSE // 2 and np.isin(sparse, layers.shown).all()  # every point there is drawn
    assert sum(len(item.data) for item in layers.class_items) == 0  # the points are in the picture
    picture = layers.view_layers
    assert picture.image.ndim == 3 and picture.image.shape[2] == 4 and (picture.image[..., 3] > 0).any()
    assert layers.image.picture.size().toTuple() == picture.image.shape[1::-1]
    assert len(scatter._legend.items) == 3


def test_a_pan_moves_the_picture_without_redrawing_it(big_map, qtbot):
    scatter, points = big_map
    layers = scatter.layers
    sparse = DENSE + int(np.flatnonzero(np.abs(points[DENSE:]).max(1) > 0.5)[0])
    colour = scatter.layers.class_items[2].opts["brush"].color()
    view = scatter.plotItem.vb
    for shift in (0.0, 0.02):
        width = view.viewRange()[0][1] - view.viewRange()[0][0]
        view.translateBy(QPointF(width * shift, 0))
        qtbot.wait(20)
        assert not layers.busy  # the same picture, moved
        image = scatter.grab().toImage()
        at = scatter.mapFromScene(view.mapViewToScene(QPointF(*points[sparse].astype(float))))
        assert image.pixelColor(at.x(), at.y()).name() == colour.name()  # the sparse point drawn where it is


def test_hover_and_lasso_reach_points_that_are_not_drawn(big_map):
    scatter, points = big_map
    hidden = np.setdiff1d(np.arange(DENSE), scatter.layers.shown)
    assert len(hidden) > 0
    target = int(hidden[0])
    found = scatter.nearest(float(points[target, 0]), float(points[target, 1]))
    assert found >= 0 and np.allclose(points[found], points[target])
    polygon = np.array([[-0.05, -0.05], [0.06, -0.04], [0.0, 0.07]])
    selected = scatter.select_polygon(polygon)
    assert np.array_equal(selected, points_in_polygon(points, polygon)) and len(selected) > 1000


def test_zooming_in_reveals_every_point_in_view(big_map, qtbot):
    scatter, points = big_map
    with qtbot.waitSignal(scatter.layers.drawn, timeout=20_000):
        scatter.plotItem.vb.setRange(xRange=(0.0, 0.01), yRange=(0.0, 0.01), padding=0)
    (x0, x1), (y0, y1) = scatter.plotItem.vb.viewRange()
    in_view = np.flatnonzero((points[:, 0] >= x0) & (points[:, 0] < x1) & (points[:, 1] >= y0)
                             & (points[:, 1] < y1))
    assert len(in_view) > 0 and np.isin(in_view, scatter.layers.shown).all()


def test_a_small_pan_keeps_the_layers_on_show(big_map, qtbot):
    scatter, points = big_map
    view = scatter.plotItem.vb
    width = view.viewRange()[0][1] - view.viewRange()[0][0]
    view.translateBy(QPointF(width * 0.05, 0))  # within the margin computed around the view
    qtbot.wait(50)
    assert not scatter.layers.busy
    view.translateBy(QPointF(width * 0.5, 0))  # beyond it
    assert scatter.layers.busy
    qtbot.waitUntil(lambda: not scatter.layers.busy, timeout=20_000)


def test_region_labels_name_the_dense_regions_by_their_majority_class(big_map):
    scatter, points = big_map
    scatter.show_region_labels(True)
    assert scatter.layers.region_names[:1] in (["a"], ["b"])  # the dense cluster, half a and half b
    scatter.show_region_labels(False)
    assert scatter.layers.region_names == []


def test_a_large_map_exports_its_density_image_points_and_legend(big_map, tmp_path):
    from PySide6.QtGui import QImage

    from explorer.gui.widgets.export import export_widget

    scatter, points = big_map
    image = QImage(str(export_widget(scatter, tmp_path / "map.png")))
    assert (image.width(), image.height()) == (scatter.width(), scatter.height())
    legend = scatter._legend.sceneBoundingRect()
    assert legend.width() > 0 and len(scatter._legend.items) == 3
    centre = scatter.mapFromScene(scatter.plotItem.vb.mapViewToScene(QPointF(0.0, 0.0)))
    background = image.pixelColor(2, 2)
    assert image.pixelColor(centre.x(), centre.y()) != background  # the dense cluster is drawn


def test_region_labels_of_a_small_map_are_plain_text(qtbot):
    worker = WorkerThread("map view")
    scatter = LatentScatter(worker)
    qtbot.addWidget(scatter)
    rng = np.random.default_rng(5)
    points = np.vstack([rng.normal(0, 0.1, (900, 2)), rng.normal(3, 0.1, (300, 2))])
    labels = np.repeat([0, 1], [900, 300])
    scatter.set_points(points, labels, ["<b>bold</b>", "two"])
    scatter.show_region_labels(True)
    assert scatter.layers.region_names == ["<b>bold</b>", "two"]  # shown as those characters, not as markup
    worker.stop()
