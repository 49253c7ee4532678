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


@pytest.fixture
def wide_map(qtbot):
    """Points over the whole view, two classes side by side."""
    worker = WorkerThread("map view")
    scatter = LatentScatter(worker)
    qtbot.addWidget(scatter)
    scatter.resize(640, 480)
    scatter.show()
    qtbot.waitExposed(scatter)
    points = np.random.default_rng(1).uniform(0, 1, size=(150_000, 2)).astype(np.float32)
    with qtbot.waitSignal(scatter.layers.drawn, timeout=20_000):
        scatter.set_points(points, (points[:, 0] > 0.5).astype(np.int64), ["left", "right"])
    yield scatter
    qtbot.waitUntil(lambda: not scatter.layers.busy)
    worker.stop()


@pytest.mark.parametrize("size", [(400, 300), (1800, 1000)])
def test_a_large_map_exports_its_density_points_and_legend_at_any_size(wide_map, tmp_path, size):
    from PySide6.QtGui import QFont, QImage

    from explorer.analysis.mapview.layers import view_layers
    from explorer.gui.widgets.map_picture import fitted, legend_width_of, write_map_picture

    picture = wide_map.layers.picture()
    image = QImage(str(write_map_picture(picture, tmp_path / "map.png", size)))
    assert (image.width(), image.height()) == size
    shape = (size[1], size[0] - legend_width_of(picture, size[0], QFont()))
    core = view_layers(picture.prepared.data, fitted(picture.view, shape), shape, picture.palette, margin=0).image
    core = core[::-1]  # row 0 at the top, as in the file
    density_only = (core[..., 3] > 0) & (core[..., 3] < 255)
    assert density_only.any()  # the density shows between the points drawn
    drawn = np.argwhere(core[..., 3] > 0)
    background = np.array(picture.background.getRgb()[:3])
    for row, col in drawn[np.random.default_rng(0).choice(len(drawn), 300)]:
        alpha = core[row, col, 3] / 255
        blend = alpha * core[row, col, :3] + (1 - alpha) * background  # the core's picture over the background
        assert np.allclose(image.pixelColor(int(col), int(row)).getRgb()[:3], blend, atol=2)
    legend = {image.pixelColor(x, y).name() for x in range(shape[1], size[0]) for y in range(0, size[1] // 2)}
    assert [name for name, _ in picture.legend] == ["left", "right"]
    assert {colour.name() for _, colour in picture.legend} <= legend  # each class's swatch


def test_a_map_exports_as_svg_with_the_picture_and_the_names(big_map, tmp_path):
    from explorer.gui.widgets.map_picture import write_map_picture

    scatter, points = big_map
    text = write_map_picture(scatter.layers.picture(), tmp_path / "map.svg", (800, 600)).read_text()
    assert "<image" in text and all(f">{name}<" in text for name in "abc")  # the picture, the names as text
    assert not list(tmp_path.glob(".*partial"))


def test_a_map_picture_refuses_a_size_beyond_the_limit(big_map, tmp_path):
    from explorer.errors import ConfigError
    from explorer.gui.widgets.map_picture import write_map_picture

    scatter, points = big_map
    with pytest.raises(ConfigError, match="map picture width"):
        write_map_picture(scatter.layers.picture(), tmp_path / "map.png", (100_000, 600))
    assert not (tmp_path / "map.png").exists()


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
