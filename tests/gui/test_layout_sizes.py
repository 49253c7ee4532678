"""The window at the two sizes people use most, 1280x720 and 1400x900, on every screen of the tour: nothing that
explorer.gui.layout_check finds in the painted geometry (cut or overlapping text, widgets outside their parents,
cramped plots, an "A" button on an axis label); and each check finding what it looks for."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from explorer.gui import layout_check
from explorer.gui.concurrent import WorkerThread
from explorer.gui.tour import SIZES, screens
from explorer.gui.widgets.category_bars import LEAST_HEIGHT, CategoryBars
from explorer.gui.widgets.curve_plot import CurvePlot
from explorer.gui.widgets.elided_combo_box import ElidedComboBox
from explorer.gui.widgets.elided_label import ElidedLabel
from explorer.gui.widgets.image_grid import LEAST_CELL_PX
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.latent_scatter import LatentScatter
from tests.gui.conftest import settle


def test_no_screen_of_the_tour_has_a_layout_problem_at_either_size(vae_window, qtbot):
    found = {}
    for size in SIZES:
        vae_window.default_layout(size)
        for name in screens(vae_window):
            settle(qtbot, vae_window)
            qtbot.wait(10)
            lines = layout_check.problems(vae_window)
            if lines:
                found[f"{size} {name}"] = lines
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_model_panels_buttons_stay_in_view_in_a_short_dock(vae_window, qtbot):
    vae_window.default_layout((1280, 720))
    vae_window.resizeDocks([vae_window.tabs_dock], [560], pg.QtCore.Qt.Orientation.Vertical)  # a short Model dock
    settle(qtbot, vae_window)
    panel = vae_window.model_panel
    buttons = [panel.new_training, panel.open_button, panel.save_button, panel.continue_button]
    assert layout_check.buttons_in_view(vae_window, buttons) == []


def _holder(qtbot, width=400, height=200) -> QWidget:
    holder = QWidget()
    qtbot.addWidget(holder)
    holder.resize(width, height)
    return holder


def test_a_cut_label_is_found(qtbot):
    holder = _holder(qtbot)
    label = QLabel("UMAP · saved with the model · new points placed by its head", holder)
    label.setFixedWidth(80)
    holder.show()
    assert len(layout_check.cut_labels(holder)) == 1
    label.setFixedWidth(label.sizeHint().width())
    assert layout_check.cut_labels(holder) == []


def test_a_long_status_line_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(120, 20)
    label.show()
    label.setText("UMAP · saved with the model · new points placed by its head (R² 0.93 on held-out latents)")
    assert label.shown_text().endswith("…") and label.text().endswith("latents)")
    assert label.toolTip() == label.text()
    label.resize(2000, 20)
    assert label.shown_text() == label.text()


def test_a_cut_box_is_found_and_an_elided_box_shows_its_choice_whole_in_its_tooltip(qtbot):
    holder = _holder(qtbot)
    plain, elided = QComboBox(holder), ElidedComboBox(holder)
    for box in (plain, elided):
        box.addItem("part of speech (WordNet)")
        box.setFixedWidth(90)
    elided.move(0, 40)
    elided.setToolTip("Colour items by their label.")
    holder.show()
    assert [line.split(":")[0] for line in layout_check.cut_boxes(holder)] == ["box 'part of speech (WordNet)'"]
    assert elided.shown_text().endswith("…") and elided.toolTip().startswith("part of speech (WordNet)\n")
    elided.setFixedWidth(elided.sizeHint().width())
    assert elided.shown_text() == "part of speech (WordNet)"


def test_overlapping_labels_are_found(qtbot):
    holder = _holder(qtbot)
    QLabel("first label", holder).move(10, 10)
    second = QLabel("second label", holder)
    second.move(30, 12)
    holder.show()
    assert layout_check.overlapping_labels(holder) == ["'first label' overlaps 'second label'"]
    second.move(10, 60)
    assert layout_check.overlapping_labels(holder) == []


def test_a_widget_outside_its_parent_is_found(qtbot):
    holder = _holder(qtbot)
    button = QPushButton("Continue training…", holder)
    button.move(350, 10)
    holder.show()
    assert len(layout_check.outside_parents(holder)) == 1
    button.move(10, 10)
    assert layout_check.outside_parents(holder) == []


def test_a_cramped_plot_and_an_a_button_on_an_axis_label_are_found(qtbot):
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    plot = view.addPlot()
    plot.setLabel("left", "mean ± σ")
    view.resize(300, 60)
    view.show()
    qtbot.wait(10)
    assert layout_check.cramped_plots(view) and layout_check.buttons_on_labels(view)
    plot.hideButtons()
    view.resize(300, 200)
    qtbot.wait(10)
    assert layout_check.cramped_plots(view) == [] and layout_check.buttons_on_labels(view) == []


def test_the_category_bars_at_their_least_height_are_not_cramped(qtbot):
    bars = CategoryBars()
    qtbot.addWidget(bars)
    bars.set_variables([(np.full(10, 0.1), 0.5)])
    bars.resize(300, LEAST_HEIGHT)
    bars.show()
    qtbot.wait(10)
    assert bars.minimumSizeHint().height() == LEAST_HEIGHT
    assert layout_check.cramped_plots(bars) == [] and layout_check.buttons_on_labels(bars) == []


def test_a_legend_of_five_sits_under_the_plot_in_one_row_where_it_fits(qtbot):
    plot = CurvePlot("Loss per step (nats)", "step")
    qtbot.addWidget(plot)
    plot.resize(700, 260)
    plot.show()
    for name in ("loss", "recon", "kl", "kl_z", "kl_c"):
        plot.set_curve(name, [0, 1, 2], [3, 2, 1])
    qtbot.wait(10)
    assert plot.legend.columnCount == 5
    assert plot.legend.sceneBoundingRect().top() >= plot.plotItem.vb.sceneBoundingRect().bottom()
    assert layout_check.plot_text_problems(plot) == []


@pytest.fixture
def scatter(qtbot):
    worker = WorkerThread("map view")
    view = LatentScatter(worker)
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    view.set_points(np.random.default_rng(0).normal(size=(200, 2)), np.zeros(200, dtype=np.int64))
    yield view
    worker.stop()


def test_a_short_paths_end_tags_neither_overlap_nor_leave_the_map(scatter, qtbot):
    (x0, x1), (y0, y1) = scatter.plotItem.vb.viewRange()
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = (x1 - x0) / 100, (y1 - y0) / 100
    scatter.set_path(np.array([[x, y], [x - dx, y - dy]]), ("z3 −3.0σ", "+3.0σ"))
    qtbot.wait(10)
    assert layout_check.plot_text_problems(scatter) == []


def test_a_grid_of_many_rows_scrolls_with_readable_cells_and_one_row_fills_its_view(qtbot):
    view = ItemsView()
    qtbot.addWidget(view)
    view.resize(700, 250)
    view.show()
    images = np.zeros((20 * 11, 28, 28), dtype=np.uint8)
    view.set_items(images, ncols=11, row_labels=[f"z{d} · KL 0.00 (inactive)" for d in range(20)])
    qtbot.wait(10)
    assert view.grid.height() > view.grid_area.viewport().height()
    assert view.grid._target.height() / 20 >= LEAST_CELL_PX
    view.set_items(images[:11], ncols=11, row_labels=["z0"])
    qtbot.wait(10)
    assert view.grid.height() == view.grid_area.viewport().height()
