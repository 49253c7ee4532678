"""The reusable views: latent scatter (hover, click, box and lasso), image grid, curves, heat map, bars, export."""
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from explorer.analysis.mapview.spatial_index import points_in_polygon
from explorer.errors import ConfigError
from explorer.gui.concurrent import WorkerThread
from explorer.gui.widgets.curve_plot import CurvePlot
from explorer.gui.widgets.export import export_widget
from explorer.gui.widgets.image_grid import ImageGrid, montage
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.kl_heatmap import FLOOR_NATS, KLHeatmap
from explorer.gui.widgets.latent_scatter import LatentScatter
from explorer.gui.widgets.posterior_bars import PosteriorBars


@pytest.fixture
def worker():
    thread = WorkerThread("map view")
    yield thread
    thread.stop()


def new_scatter(qtbot, worker) -> LatentScatter:
    scatter = LatentScatter(worker)
    qtbot.addWidget(scatter)
    return scatter


def make_scatter(qtbot, worker, n=500):
    rng = np.random.default_rng(0)
    scatter = new_scatter(qtbot, worker)
    scatter.resize(400, 400)
    scatter.show()
    qtbot.waitExposed(scatter)
    points = rng.normal(size=(n, 2))
    labels = rng.integers(0, 10, size=n)
    scatter.set_points(points, labels, [f"class {i}" for i in range(10)])
    settle_layout(qtbot, scatter)  # positions are mapped to pixels once the axes and legend have their sizes
    return scatter, points


def settle_layout(qtbot, scatter) -> None:
    """Wait until the plot's view keeps its place on screen (on a busy machine the layout settles late)."""
    view = scatter.plotItem.vb
    last = None
    for _ in range(50):
        qtbot.wait(30)
        here = (view.sceneBoundingRect(), view.viewRange())
        if here == last:
            return
        last = here


def scene_pos_of(scatter, x, y):
    return scatter.plotItem.vb.mapViewToScene(QPointF(x, y))


def drag(widget, positions):
    """Press at the first position, move through the rest with the left button held, release at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, pos, button, buttons):
        point = QPointF(pos)
        event = QMouseEvent(kind, point, widget.mapToGlobal(point), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    send(QEvent.Type.MouseButtonPress, positions[0], left, left)
    for pos in positions[1:]:
        QTest.qWait(25)  # pyqtgraph's scene drops mouse moves closer together than its rate limit
        send(QEvent.Type.MouseMove, pos, none, left)
    send(QEvent.Type.MouseButtonRelease, positions[-1], left, none)


def test_points_in_polygon_picks_points_inside():
    points = np.array([[0.5, 0.5], [2.0, 2.0], [0.1, 0.9], [-0.1, 0.5]])
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]])
    assert points_in_polygon(points, square).tolist() == [0, 2]
    assert points_in_polygon(points, square[:2]).size == 0


def test_scatter_uses_one_item_per_class(qtbot, worker):
    scatter, points = make_scatter(qtbot, worker)
    assert len(scatter.layers.class_items) == len(np.unique(scatter.labels))
    assert sum(len(item.data) for item in scatter.layers.class_items) == len(points)


def test_click_selects_the_nearest_point(qtbot, worker):
    scatter, points = make_scatter(qtbot, worker)
    target = int(np.argmax(points[:, 0]))  # an outlier, far from its neighbours
    view_pos = scatter.mapFromScene(scene_pos_of(scatter, *points[target]))
    with qtbot.waitSignal(scatter.point_clicked) as blocker:
        qtbot.mouseClick(scatter.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert blocker.args == [target]
    assert scatter.selected == target


def test_hover_shows_a_preview(qtbot, worker):
    scatter, points = make_scatter(qtbot, worker)
    scatter.preview_provider = lambda index: f"item {index}"
    target = int(np.argmin(points[:, 1]))
    with qtbot.waitSignal(scatter.hovered) as blocker:
        scatter._on_mouse_moved(scene_pos_of(scatter, *points[target]))
    assert blocker.args == [target]
    assert scatter.preview_visible and scatter._preview.text() == f"item {target}"


def test_lasso_drag_selects_points_inside_the_drawn_polygon(qtbot, worker):
    scatter, points = make_scatter(qtbot, worker)
    scatter.set_selection_mode("lasso")
    polygon = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    corners = [scatter.mapFromScene(scene_pos_of(scatter, x, y)) for x, y in polygon]
    viewport = scatter.viewport()
    with qtbot.waitSignal(scatter.group_selected) as blocker:
        drag(viewport, corners + corners[:1])
    selected = blocker.args[0]
    inside = np.flatnonzero((np.abs(points) < 0.97).all(axis=1))
    outside = np.flatnonzero((np.abs(points) > 1.03).any(axis=1))
    assert set(inside) <= set(selected.tolist())
    assert not set(outside) & set(selected.tolist())
    assert len(scatter._group_item.data) == len(selected)


def test_box_selection(qtbot, worker):
    scatter, points = make_scatter(qtbot, worker)
    scatter.set_selection_mode("box")
    a = scatter.mapFromScene(scene_pos_of(scatter, 0.0, 0.0))
    b = scatter.mapFromScene(scene_pos_of(scatter, 2.0, 2.0))
    with qtbot.waitSignal(scatter.group_selected) as blocker:
        drag(scatter.viewport(), [a, (a + b) / 2, b])
    selected = blocker.args[0]
    clearly_inside = np.flatnonzero(((points > 0.05) & (points < 1.95)).all(axis=1))
    assert set(clearly_inside) <= set(selected.tolist())
    assert ((points[selected] > -0.05) & (points[selected] < 2.05)).all()


def test_scatter_handles_70k_points_quickly(qtbot, worker):
    import time

    scatter = new_scatter(qtbot, worker)
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    scatter.set_points(rng.normal(size=(70_000, 2)), rng.integers(0, 10, 70_000))
    scatter.resize(600, 600)
    scatter.grab()
    assert time.perf_counter() - start < 5.0
    qtbot.waitUntil(lambda: not scatter.layers.busy)  # drawn by level of detail: no result left in flight


def test_montage_and_grid_layout(qtbot):
    images = np.arange(6 * 4 * 4, dtype=np.uint8).reshape(6, 4, 4)
    tiled = montage(images, ncols=3, pad=1)
    assert tiled.shape == (2 * 5 + 1, 3 * 5 + 1)
    assert (tiled[1:5, 6:10] == images[1]).all()
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.set_images(images, ncols=3)
    assert (grid.nrows, grid.ncols) == (2, 3)


def test_items_view_switches_between_images_and_sentences(qtbot):
    view = ItemsView()
    qtbot.addWidget(view)
    view.set_items(np.zeros((4, 8, 8), np.uint8), ncols=2)
    assert view.currentWidget() is view.grid_area and view.count == 4
    view.set_items(["a cat", "a dog"])
    assert view.currentWidget() is view.sentences and view.sentences.count() == 2


def test_curves_and_heatmap_hold_their_data(qtbot):
    plot = CurvePlot("loss")
    qtbot.addWidget(plot)
    plot.set_curve("recon", [1, 2, 3], [3.0, 2.0, 1.0])
    assert plot.points("recon") == 3 and plot.points("kl") == 0
    heat = KLHeatmap()
    qtbot.addWidget(heat)
    heat.set_values(np.random.default_rng(0).random((5, 8)))
    assert heat.image.image.shape == (8, 5)


def test_the_kl_heat_map_is_logarithmic_with_a_colour_bar(qtbot):
    """A pre-training epoch of 40 nats a dimension must not leave the later 0.1 and 2 nats one colour."""
    heat = KLHeatmap()
    qtbot.addWidget(heat)
    kl = np.array([[40.0, 40.0, 40.0], [0.1, 2.0, 0.0]], dtype=np.float32)
    heat.set_values(kl)
    later = heat.image.image[:, 1]
    low, high = heat.bar.levels()
    assert (low, high) == pytest.approx((np.log10(FLOOR_NATS), np.log10(40.0)))
    assert later[1] - later[0] > 0.25 * (high - low)  # 0.1 and 2 nats lie far apart on the scale
    heat.set_values(np.full((2, 2), 0.5))  # one value: the scale still spans a decade
    assert heat.bar.levels() == pytest.approx((np.log10(0.5) - 1.0, np.log10(0.5)))


def test_a_curve_keeps_its_colour_whatever_order_series_come_in(qtbot):
    first, second = CurvePlot("loss"), CurvePlot("loss")
    for plot in (first, second):
        qtbot.addWidget(plot)
    for name in ("loss", "recon", "kl"):
        first.set_curve(name, [1], [1.0])
    for name in ("kl", "loss", "recon"):
        second.set_curve(name, [1], [1.0])
    colours = [{name: plot.curves[name].opts["pen"].color().name() for name in plot.curves} for plot in (first,
                                                                                                          second)]
    assert colours[0] == colours[1] and len(set(colours[0].values())) == 3


def test_clearing_the_curves_forgets_the_old_axes(qtbot):
    plot = CurvePlot("elbo")
    qtbot.addWidget(plot)
    plot.set_curve("test −ELBO", np.arange(1, 61), np.linspace(100, 30, 60))
    plot.autoRange()
    plot.clear_curves()
    assert np.allclose(plot.viewRange(), [[0, 1], [0, 1]])


def test_the_grid_lies_on_the_axes_major_ticks_and_follows_the_range(qtbot):
    plot = CurvePlot("loss")
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    plot.set_curve("recon", [0, 100], [0.0, 50.0])
    plot.setRange(xRange=(0, 1000), yRange=(0, 500))
    plot.autoRange(padding=0)  # back to the data: the grid, as large as the view, is not counted
    assert np.allclose(plot.viewRange(), [[0.0, 100.0], [0.0, 50.0]], atol=1.0)

    def lines_on_ticks() -> bool:
        for side, horizontal in (("bottom", False), ("left", True)):
            axis = plot.getAxis(side)
            pixels = plot.plotItem.vb.height() if horizontal else plot.plotItem.vb.width()
            ticks = list(axis.tickValues(*axis.range, pixels)[0][1])
            drawn = [line.y1() if horizontal else line.x1() for line in plot.grid.lines
                     if (line.y1() == line.y2()) == horizontal]
            if drawn != ticks or len(drawn) < 3 or max(drawn) > 101:
                return False
        return True

    qtbot.waitUntil(lines_on_ticks)
    plot.setRange(xRange=(0, 1000), padding=0)
    qtbot.waitUntil(lambda: max(line.x1() for line in plot.grid.lines if line.y1() != line.y2()) > 500)


def test_posterior_bars_mark_inactive_dims_and_report_clicks(qtbot):
    bars = PosteriorBars()
    qtbot.addWidget(bars)
    bars.resize(400, 300)
    bars.show()
    qtbot.waitExposed(bars)
    bars.set_posterior(np.array([0.5, -1.0, 0.0]), np.array([0.2, 0.3, 1.0]), np.array([1.2, 0.5, 0.001]))
    assert bars.inactive.tolist() == [False, False, True]
    target = bars.kl_plot.vb.mapViewToScene(QPointF(1.0, 0.2))
    with qtbot.waitSignal(bars.dim_clicked) as blocker:
        qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.mapFromScene(target))
    assert blocker.args == [1]


def test_posterior_bars_label_as_many_dimensions_as_fit_without_touching(qtbot):
    from explorer.gui.widgets.posterior_bars import tick_step

    assert tick_step(16, 20.0, 12.0) == 1 and tick_step(32, 7.0, 14.0) == 4 and tick_step(64, 4.0, 14.0) == 5
    bars = PosteriorBars()
    qtbot.addWidget(bars)
    bars.resize(330, 260)  # the inspector's width at 1280x720
    bars.show()
    qtbot.waitExposed(bars)
    rng = np.random.default_rng(0)
    bars.set_posterior(rng.normal(size=32), np.ones(32), rng.random(32))
    ticks = bars.kl_plot.getAxis("bottom")._tickLevels[0]
    step = ticks[1][0] - ticks[0][0]
    assert 1 < step < 8 and ticks[-1][0] >= 32 - step
    width = QFontMetrics(bars.kl_plot.getAxis("bottom").font()).horizontalAdvance("31")
    assert step * bars.kl_plot.vb.width() / 32.4 >= width + 4  # each label has room


def test_the_map_legend_is_beside_the_plot_never_over_its_points(qtbot, worker):
    scatter = new_scatter(qtbot, worker)
    scatter.resize(500, 300)
    scatter.show()
    qtbot.waitExposed(scatter)
    points = np.random.default_rng(0).normal(size=(300, 2))
    scatter.set_points(points, np.arange(300) % 10, [f"class {c}" for c in range(10)])
    qtbot.waitUntil(lambda: scatter._legend.sceneBoundingRect().left() > 0)  # laid out with its new entries
    legend = scatter._legend.sceneBoundingRect()
    assert len(scatter._legend.items) == 10 and legend.width() > 0
    assert legend.left() >= scatter.plotItem.vb.sceneBoundingRect().right() - 1  # beside it, not over it


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_plot_exports_a_readable_file(qtbot, tmp_path, suffix):
    plot = CurvePlot("loss")
    qtbot.addWidget(plot)
    plot.resize(300, 200)
    plot.set_curve("recon", [1, 2, 3], [3.0, 2.0, 1.0])
    path = export_widget(plot, tmp_path / f"curves{suffix}")
    if suffix == ".png":
        assert not QImage(str(path)).isNull()
    else:
        assert "<svg" in path.read_text()


def test_image_grid_exports_png_and_svg(qtbot, tmp_path):
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(100, 100)
    grid.set_images(np.zeros((4, 8, 8), np.uint8))
    assert QImage(str(export_widget(grid, tmp_path / "grid.png"))).width() == 100
    assert "<svg" in export_widget(grid, tmp_path / "grid.svg").read_text()
    with pytest.raises(ConfigError, match="expected a .png or .svg"):
        export_widget(grid, tmp_path / "grid.jpg")


def test_stall_monitor_sees_a_blocked_event_loop(qtbot):
    import time

    from explorer.gui.stall_monitor import StallMonitor

    monitor = StallMonitor(interval_ms=5)
    monitor.start()
    qtbot.wait(50)
    time.sleep(0.12)  # the GUI thread is blocked: the next tick comes late
    qtbot.wait(30)
    monitor.stop()
    stats = monitor.stats()
    assert stats["ticks"] > 5 and stats["max_ms"] >= 100 and stats["p50_ms"] < 50




def test_image_grid_draws_row_and_column_labels_and_keeps_clicks_on_cells(qtbot):
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(400, 200)
    grid.show()
    qtbot.waitExposed(grid)
    images = np.full((6, 8, 8), 255, np.uint8)
    grid.set_images(images, ncols=3)
    plain = grid.grab().toImage()
    grid.set_images(images, ncols=3, row_labels=["z3  KL 1.20", "z0  KL 0.00"], col_labels=["−3σ", "0", "+3σ"],
                    tips=[f"#{i}" for i in range(6)])
    labelled = grid.grab().toImage()
    assert grid._target.x() > 40 and grid._target.y() > 8  # room made for the labels
    assert labelled != plain
    centre = grid._target.center()
    cell = grid.index_at(grid._target.x() + 2, grid._target.y() + 2)
    assert cell == 0 and grid.index_at(centre.x(), grid._target.bottom() - 2) == 4
    assert grid.index_at(5, centre.y()) == -1  # the label margin is not a cell


def test_items_view_keeps_labels_for_export_and_tips_for_sentences(qtbot):
    view = ItemsView()
    qtbot.addWidget(view)
    view.set_items(np.zeros((2, 8, 8), np.uint8), ncols=2, col_labels=["A", "B"])
    assert view.col_labels == ["A", "B"] and view.grid.col_labels == ["A", "B"]
    view.set_items(["a cat", "a dog"], tips=["#3 · noun", "#9 · noun"])
    assert view.sentences.item(1).toolTip() == "#9 · noun" and view.col_labels == []


def test_rows_lower_than_a_line_of_text_label_every_few_rows(qtbot):
    grid = ImageGrid()
    qtbot.addWidget(grid)
    grid.resize(300, 120)
    grid.show()
    qtbot.waitExposed(grid)
    grid.set_images(np.full((64 * 3, 8, 8), 255, np.uint8), ncols=3, row_labels=[f"z{d}" for d in range(64)])
    drawn = []
    from PySide6.QtGui import QPainter

    original = QPainter.drawText

    def record(painter, *args):
        drawn.append(args[-1])
        return original(painter, *args)

    QPainter.drawText = record
    try:
        grid.grab()
    finally:
        QPainter.drawText = original
    assert "z0" in drawn and 1 < len(drawn) < 64


def test_a_path_is_drawn_apart_from_the_group_with_its_ends_marked(qtbot, worker):
    from explorer.gui.widgets.style import ACCENT, PATH

    scatter, points = make_scatter(qtbot, worker)
    scatter.set_group(np.arange(5))
    scatter.set_path(np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 2.0]]))
    assert scatter._path_item.opts["pen"].color() == PATH != ACCENT
    assert scatter._group_item.opts["pen"].color() == ACCENT
    a, b = scatter.path_ends["A"], scatter.path_ends["B"]
    assert a.isVisible() and b.isVisible()
    assert (a.pos().x(), a.pos().y(), b.pos().x(), b.pos().y()) == (0.0, 0.0, 1.0, 2.0)
    assert a.textItem.toPlainText() == "A" and b.textItem.toPlainText() == "B"
    scatter.set_path(None)
    assert not a.isVisible() and not b.isVisible()
