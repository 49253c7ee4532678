"""Latent traversal: one dimension swept over ±kσ, the prior's quantiles or the data's range, from the selected
item or the origin; an all-dimensions grid sorted by KL, filled in row by row; a slider that scrubs one dimension
live. A categorical variable is traversed by its categories (one style, every category), and can be crossed with a
continuous dimension (a row per category). For data with ground-truth factors, the dimension × factor matrix beside
(normalised mutual information or DCI importance, computed in a worker): a click on a cell traverses its
dimension. Decodes run in a worker."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer import exploring
from explorer.analysis import captions
from explorer.analysis.factor_matrix import MEASURES
from explorer.gui.panels.base import ExplorerPanel
from explorer.gui.widgets.controls import option_box
from explorer.gui.widgets.factor_matrix import FactorMatrixView
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.scrolling import vertical_scroll

SLIDER_STEPS = 100
CONTROLS_WIDTH, SCRUB_WIDTH, MATRIX_WIDTH = 260, 180, 300  # the grid between them takes the rest


@dataclass
class TraversalRows:
    """The rows decoded so far: one per dimension, ``steps`` items each, and the values each row swept."""

    dims: list[int]
    items: list  # per row: uint8 images (steps, H, W[, C]) or a list of sentences
    values: list[np.ndarray]
    steps: int
    points: np.ndarray | None = None  # one dimension's sweep placed on the map (steps, 2)
    crossed: int | None = None  # rows crossed with this categorical variable: row r holds its category r


def decode_traversal(explorer, z0, dims, mode: str, steps: int, k: float, cond, state) -> TraversalRows:
    """Decode one row per dimension, handing each finished row to the GUI as a partial result; a single
    dimension's sweep is placed on the map too."""
    rows = TraversalRows([], [], [], steps)
    for dim in dims:
        state.check()
        items, values = explorer.traversal(z0, [dim], mode=mode, steps=steps, k=k, cond=cond)
        points = explorer.project_new(explorer.traversal_latents(z0, dim, values[0])) if len(dims) == 1 else None
        rows = TraversalRows(rows.dims + [dim], rows.items + [items], rows.values + [values[0]], steps, points)
        state.set_partial_result(rows)
    return rows


def decode_categories(explorer, z0, variable: int, cond, state) -> TraversalRows:
    """One decode per category of a categorical variable (the row's values are the categories)."""
    k = explorer.discrete_sizes[variable]
    return TraversalRows([-1 - variable], [explorer.category_row(z0, variable, cond)], [np.arange(k)], k)


def decode_crossed(explorer, z0, variable: int, dim: int, mode: str, steps: int, k: float, cond,
                   state) -> TraversalRows:
    """A row per category of ``variable``, each sweeping the continuous ``dim``."""
    items, values = explorer.category_grid(z0, variable, dim, mode, steps, k, cond)
    rows = explorer.discrete_sizes[variable]
    return TraversalRows([dim] * rows, list(items.reshape(rows, steps, *items.shape[1:])), [values] * rows, steps,
                         crossed=variable)


def decode_one(explorer, z, cond, state):
    return explorer.decode(z[None], cond)


def compute_factor_matrix(explorer, state):
    return explorer.factor_matrix()


class TraversalPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.values = np.zeros((0, 0))
        self.grid_task = self.runner(self._show_rows, on_partial=self._show_rows)
        self.scrub_task = self.runner(self._show_scrub)
        self.matrix_task = self.runner(self._show_matrix)
        self.matrix = None  # the open model's FactorMatrix, once computed

        self.dims = QListWidget()
        self.dims.setToolTip("Latent dimensions sorted by KL (most informative first); pick one to traverse.")
        self.mode = option_box(exploring.option("traversal_mode"))
        self.start = QComboBox()
        self.start.addItems(["selected item", "origin"])
        self.start.setToolTip("Start from the selected item's posterior mean, or from z = 0.")
        self.steps = option_box(exploring.option("traversal_steps"))
        self.k = option_box(exploring.option("traversal_k"))
        self.all_dims = QCheckBox("All dimensions (sorted by KL)")
        self.all_dims.setToolTip("Show one row per dimension, active dimensions first.")
        self.variable: int | None = None  # the categorical variable picked in the list, if one is
        self.cross = QComboBox()
        self.cross.setToolTip("Cross the dimension with a categorical variable: one row per category, each "
                              "sweeping the dimension in the same style.")
        form = QFormLayout()
        form.addRow("Values", self.mode)
        form.addRow("Start from", self.start)
        form.addRow("Steps", self.steps)
        form.addRow("k", self.k)
        form.addRow("Rows", self.cross)
        form.addRow(self.all_dims)
        self.cross_label = form.labelForField(self.cross)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
        self.slider.setToolTip("Scrub the chosen dimension from −kσ to +kσ and watch the decode change.")
        self.slider_label = QLabel("")
        self.scrub_view = ItemsView()
        self.scrub_view.setToolTip("The decode at the slider's value.")
        self.scrub_view.setMaximumHeight(160)

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.addWidget(QLabel("Dimension"))
        left.addWidget(self.dims, 1)
        left.addLayout(form)
        scrub = QWidget()  # a column of its own, so the panel stays short enough for a small screen
        right = QVBoxLayout(scrub)
        right.addWidget(QLabel("Scrub"))
        right.addWidget(self.slider)
        right.addWidget(self.slider_label)
        right.addWidget(self.scrub_view, 1)

        self.measure = QComboBox()
        for key, label in MEASURES.items():
            self.measure.addItem(label, key)
        self.measure.setToolTip("Normalised mutual information: the share of each factor's entropy a dimension "
                                "carries. DCI importance: how much a dimension counts in predicting the factor.")
        self.matrix_view = FactorMatrixView()
        self.matrix_note = QLabel("")
        self.factors_box = QWidget()
        matrix_column = QVBoxLayout(self.factors_box)
        matrix_column.addWidget(QLabel("Dimensions × factors"))
        matrix_column.addWidget(self.measure)
        matrix_column.addWidget(self.matrix_view, 1)
        matrix_column.addWidget(self.matrix_note)
        self.factors_box.setVisible(False)

        self.view = ItemsView()
        self.view.setToolTip("Decodes along the traversal: one row per dimension, one column per step.")
        splitter = QSplitter()
        splitter.addWidget(vertical_scroll(controls))
        splitter.addWidget(self.view)
        splitter.addWidget(scrub)
        splitter.addWidget(self.factors_box)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([CONTROLS_WIDTH, 4 * CONTROLS_WIDTH, SCRUB_WIDTH, MATRIX_WIDTH])
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self.dims.currentRowChanged.connect(self._on_dim_row)
        for signal in (self.mode.currentIndexChanged, self.start.currentIndexChanged, self.steps.valueChanged,
                       self.k.valueChanged, self.all_dims.toggled, self.cross.currentIndexChanged):
            signal.connect(self.request_refresh)
        self.slider.valueChanged.connect(self.request_scrub)
        self.measure.currentIndexChanged.connect(self._draw_matrix)
        self.matrix_view.dimension_clicked.connect(self.session.select_dim)
        session.decoding_changed.connect(self.request_refresh)
        session.selection_changed.connect(self.request_refresh)
        session.dim_selected.connect(self._on_dim_selected)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        kl = explorer.kl_per_dim
        self.dims.blockSignals(True)
        self.dims.clear()
        for dim in explorer.dims_by_kl:
            text = f"z{dim}   KL {kl[dim]:.3f}" + ("   (inactive)" if kl[dim] < 0.01 else "")
            item = QListWidgetItem(text if explorer.has_kl else f"z{dim}")  # an autoencoder has no KL
            item.setData(Qt.ItemDataRole.UserRole, int(dim))
            self.dims.addItem(item)
        # Categorical variables after the dimensions, told apart by a negative role: -1 - variable.
        for variable, (size, kl_c) in enumerate(zip(explorer.discrete_sizes, explorer.kl_discrete)):
            item = QListWidgetItem(f"c{variable}   {size} categories   KL {kl_c:.3f}")
            item.setData(Qt.ItemDataRole.UserRole, -1 - variable)
            self.dims.addItem(item)
        self.dims.blockSignals(False)
        self.cross.blockSignals(True)
        self.cross.clear()
        self.cross.addItem("one (the dimension alone)")
        self.cross.addItems([f"every category of c{v}" for v in range(len(explorer.discrete_sizes))])
        self.cross.blockSignals(False)
        self.cross.setVisible(bool(explorer.discrete_sizes))
        self.cross_label.setVisible(bool(explorer.discrete_sizes))
        self.matrix = None
        self.matrix_task.cancel()  # a matrix still computing belongs to the model before
        has_factors = explorer.factors is not None and explorer.continuous_dim > 0
        self.factors_box.setVisible(has_factors)
        if has_factors:
            self.matrix_note.setText("computing…")
            self.when_visible(self.compute_matrix)
        self._on_dim_selected(self.session.dim)

    def compute_matrix(self) -> None:
        if self.session.has_model:
            self.matrix_task.start(compute_factor_matrix, self.session.explorer)

    def _show_matrix(self, matrix) -> None:
        self.matrix = matrix
        self._draw_matrix()

    def _draw_matrix(self) -> None:
        if self.matrix is None:
            return
        measure = self.measure.currentData()
        self.matrix_view.set_matrix(self.matrix.values[measure], self.matrix.row_labels(measure),
                                    self.matrix.factor_names)
        self.matrix_view.set_current(self.session.dim)
        self.matrix_note.setText(f"on {self.matrix.items:,} preview items")

    def _on_dim_row(self, row: int) -> None:
        if row < 0:
            return
        role = self.dims.item(row).data(Qt.ItemDataRole.UserRole)
        if role < 0:
            self.variable = -1 - role
            self.request_refresh()
        else:
            self.session.select_dim(role)

    def _on_dim_selected(self, dim: int) -> None:
        self.variable = None
        self.matrix_view.set_current(dim)
        for row in range(self.dims.count()):
            if self.dims.item(row).data(Qt.ItemDataRole.UserRole) == dim:
                self.dims.blockSignals(True)
                self.dims.setCurrentRow(row)
                self.dims.blockSignals(False)
        self.request_refresh()

    def start_latent(self) -> np.ndarray:
        return self.session.start_latent(self.start.currentIndex() == 0)

    def request_refresh(self) -> None:
        self.when_visible(self.refresh)

    def request_scrub(self) -> None:
        self.when_visible(self.scrub)

    def refresh(self) -> None:
        """Decode the traversal for the current settings (row by row, in a worker) and the scrub decode."""
        if not self.session.has_model:
            return
        explorer = self.session.explorer
        mode, steps, cond = self.mode.currentData(), self.steps.value(), self.session.condition()
        if self.variable is not None:
            self.grid_task.start(decode_categories, explorer, self.start_latent(), self.variable, cond)
        elif self.cross.currentIndex() > 0 and not self.all_dims.isChecked():
            self.grid_task.start(decode_crossed, explorer, self.start_latent(), self.cross.currentIndex() - 1,
                                 self.session.dim, mode, steps, self.k.value(), cond)
        else:
            dims = explorer.dims_by_kl if self.all_dims.isChecked() else [self.session.dim]
            self.grid_task.start(decode_traversal, explorer, self.start_latent(), list(dims), mode, steps,
                                 self.k.value(), cond)
        self.scrub()

    def _show_rows(self, rows: TraversalRows) -> None:
        self.values = np.array(rows.values) if rows.values else np.zeros((0, rows.steps))
        columns = self._column_labels(rows)
        if rows.points is not None:
            self.session.show_path(rows.points, (f"z{rows.dims[0]} {columns[0]}".strip(), columns[-1]))
        elif rows.dims and rows.dims[0] < 0:  # categories have no sweep to draw: not the last dimension's either
            self.session.show_path(None)
        if not rows.items:
            self.view.clear()
        elif isinstance(rows.items[0], np.ndarray):
            self.view.set_items(np.concatenate(rows.items), ncols=rows.steps, row_labels=self._row_labels(rows),
                                col_labels=columns)
        else:
            prefixes = [f"z{d}={v:+.2f}" for d, row in zip(rows.dims, rows.values) for v in row]
            self.view.set_items([s for row in rows.items for s in row], ncols=rows.steps, prefixes=prefixes)

    def _row_labels(self, rows: TraversalRows) -> list[str]:
        explorer = self.session.explorer
        if rows.crossed is not None:
            return [captions.category(rows.crossed, c) for c in range(len(rows.items))]
        return [captions.categorical(-1 - d, explorer.kl_discrete[-1 - d]) if d < 0 else
                captions.dimension(d, explorer.kl_per_dim[d] if explorer.has_kl else None) for d in rows.dims]

    def _column_labels(self, rows: TraversalRows) -> list[str]:
        if rows.dims and rows.dims[0] < 0:  # a categorical variable's row: its categories
            return [captions.category(-1 - rows.dims[0], c) for c in range(rows.steps)]
        return captions.traversal_columns(self.mode.currentData(), rows.steps, self.k.value())

    def scrub(self) -> None:
        """Decode the start latent with the chosen dimension moved to the slider's value (in units of σ=1)."""
        if not self.session.has_model:
            return
        dim = self.session.dim
        z = np.array(self.start_latent(), dtype=np.float32)
        z[dim] = z[dim] + self.k.value() * self.slider.value() / SLIDER_STEPS
        self.slider_label.setText(f"z{dim} = {captions.signed(z[dim], 2)}")
        self.scrub_task.start(decode_one, self.session.explorer, z, self.session.condition())

    def _show_scrub(self, items) -> None:
        self.scrub_view.set_items(items, ncols=1, row_labels=[self.slider_label.text()])
