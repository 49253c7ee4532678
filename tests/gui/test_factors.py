"""Data with ground-truth factors in the window: the dimension × factor matrix beside the traversal (a click on a
cell traverses that dimension; hidden for data without factors), the map coloured by any factor, an item's
factors in the inspector, the disentanglement metrics in the Model panel."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.analysis.factor_matrix import MEASURES
from tests.factor_toy import TOY_FACTORS, toy_factor_dataset, train_on_toy_factors
from tests.gui.conftest import settle, show_tab


@pytest.fixture(scope="module")
def factor_path(tmp_path_factory):
    return train_on_toy_factors(tmp_path_factory.mktemp("factors") / "toy-vae.safetensors")


@pytest.fixture
def factor_window(window, factor_path, qtbot):
    assert window.open_checkpoint(factor_path)
    settle(qtbot, window, timeout=60_000)
    return window


def test_the_matrix_shows_each_dimension_against_each_factor(factor_window, qtbot):
    panel = factor_window.traversal
    show_tab(qtbot, factor_window, panel)
    qtbot.waitUntil(lambda: panel.matrix is not None, timeout=20_000)
    assert panel.factors_box.isVisible()
    view = panel.matrix_view
    assert view.values.shape == (4, len(TOY_FACTORS.names))
    assert ((view.values >= 0) & (view.values <= 1)).all()
    labels = [label for _, label in view.getAxis("left")._tickLevels[0]]
    best = panel.matrix.best_factor("mi")
    assert labels[0].startswith(f"z0  {TOY_FACTORS.names[best[0]]} ")
    assert panel.matrix_note.text() == f"on {len(toy_factor_dataset().test)} preview items"
    panel.measure.setCurrentIndex(list(MEASURES).index("importance"))
    assert np.allclose(view.values, panel.matrix.values["importance"])
    assert np.allclose(view.values.sum(axis=0), 1.0)  # each factor's importances share 1


def test_a_click_on_a_cell_traverses_its_dimension(factor_window, qtbot):
    panel = factor_window.traversal
    show_tab(qtbot, factor_window, panel)
    qtbot.waitUntil(lambda: panel.matrix is not None, timeout=20_000)
    target = 2 if factor_window.session.dim != 2 else 1
    with qtbot.waitSignal(factor_window.session.dim_selected):
        qtbot.mouseClick(panel.matrix_view.viewport(), Qt.MouseButton.LeftButton,
                         pos=panel.matrix_view.cell_centre(target, 1))
    assert factor_window.session.dim == target
    settle(qtbot, factor_window)
    assert panel.matrix_view.outline.isVisible()
    assert panel.matrix_view.outline.rect().center().y() == pytest.approx(target)


def test_no_matrix_without_factors(vae_window, qtbot):
    show_tab(qtbot, vae_window, vae_window.traversal)
    assert not vae_window.traversal.factors_box.isVisible() and vae_window.traversal.matrix is None


def test_the_model_panel_shows_the_disentanglement_metrics_and_mi_against_log_n(factor_window):
    form = factor_window.model_panel.metrics
    rows = {form.itemAt(row, form.ItemRole.LabelRole).widget().text():
            form.itemAt(row, form.ItemRole.FieldRole).widget().text() for row in range(form.rowCount())}
    for title in ("MIG", "SAP", "DCI disentanglement", "DCI completeness", "DCI informativeness", "FactorVAE score",
                  "β-VAE score"):
        assert 0.0 <= float(rows[title]) <= 1.0, title
    assert rows["mutual information (nats)"].endswith(f"of log {len(toy_factor_dataset().test)})")


def test_the_map_is_coloured_by_any_factor(factor_window):
    colour_by, scatter = factor_window.map_panel.colour_by, factor_window.map_panel.scatter
    assert colour_by.isVisibleTo(factor_window.map_panel)
    names = [colour_by.itemText(i) for i in range(colour_by.count())]
    assert names == ["label"] + [f"factor: {name}" for name in TOY_FACTORS.names]
    explorer = factor_window.session.explorer
    colour_by.setCurrentIndex(names.index("factor: pos_x"))
    assert np.array_equal(scatter.labels, explorer.factors[:, 1])
    assert len(scatter._class_items) == len(set(explorer.factors[:, 1].tolist()))
    colours = {item.opts["brush"].color().name() for item in scatter._class_items}
    assert len(colours) == len(scatter._class_items)  # steps of one quantity, each its own shade
    colour_by.setCurrentIndex(0)
    assert np.array_equal(scatter.labels, explorer.labels)


def test_the_inspector_shows_an_items_factors(factor_window, qtbot):
    inspector, explorer = factor_window.inspector, factor_window.session.explorer
    factor_window.session.select(3)
    qtbot.waitUntil(lambda: inspector.factors.isVisible())
    b, x, y = explorer.factors[3]
    assert inspector.factors.text() == (f"brightness {TOY_FACTORS.categories[0][b]} · pos_x {x:.3g} · "
                                        f"pos_y {y:.3g}")


def test_no_factor_colours_or_inspector_line_without_factors(vae_window, qtbot):
    assert not vae_window.map_panel.colour_by.isVisibleTo(vae_window.map_panel)
    vae_window.session.select(3)
    assert not vae_window.inspector.factors.isVisibleTo(vae_window.inspector)
