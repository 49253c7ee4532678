"""Latent traversal: one dimension swept over ±kσ, the prior's quantiles or the data's range, from the selected
item or the origin; an all-dimensions grid sorted by KL; a slider that scrubs one dimension live."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QSlider, QSplitter, QVBoxLayout, QWidget)

from explorer.gui.widgets.controls import float_box, int_box
from explorer.gui.widgets.items_view import ItemsView

MODES = {"±kσ around the start": "sigma", "prior quantiles 0.05–0.95": "quantiles", "data range": "data"}
SLIDER_STEPS = 100


class TraversalPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.values = np.zeros((0, 0))

        self.dims = QListWidget()
        self.dims.setToolTip("Latent dimensions sorted by KL (most informative first); pick one to traverse.")
        self.mode = QComboBox()
        self.mode.addItems(list(MODES))
        self.mode.setToolTip("Which values the dimension sweeps through.")
        self.start = QComboBox()
        self.start.addItems(["selected item", "origin"])
        self.start.setToolTip("Start from the selected item's posterior mean, or from z = 0.")
        self.steps = int_box(3, 21, 11, "How many decodes per dimension.")
        self.k = float_box(0.5, 6.0, 3.0, 0.5, "How many standard deviations the sweep goes each way (±kσ mode).")
        self.all_dims = QCheckBox("All dimensions (sorted by KL)")
        self.all_dims.setToolTip("Show one row per dimension, active dimensions first.")
        form = QFormLayout()
        form.addRow("Values", self.mode)
        form.addRow("Start from", self.start)
        form.addRow("Steps", self.steps)
        form.addRow("k", self.k)
        form.addRow(self.all_dims)

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
        left.addWidget(QLabel("Scrub"))
        left.addWidget(self.slider)
        left.addWidget(self.slider_label)
        left.addWidget(self.scrub_view)

        self.view = ItemsView()
        self.view.setToolTip("Decodes along the traversal: one row per dimension, one column per step.")
        splitter = QSplitter()
        splitter.addWidget(controls)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 3)
        layout = QHBoxLayout(self)
        layout.addWidget(splitter)

        self.dims.currentRowChanged.connect(self._on_dim_row)
        for signal in (self.mode.currentIndexChanged, self.start.currentIndexChanged, self.steps.valueChanged,
                       self.k.valueChanged, self.all_dims.toggled):
            signal.connect(self.refresh)
        self.slider.valueChanged.connect(self.scrub)
        session.model_changed.connect(self._on_model_changed)
        session.selection_changed.connect(self.refresh)
        session.dim_selected.connect(self._on_dim_selected)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        kl = explorer.kl_per_dim
        self.dims.blockSignals(True)
        self.dims.clear()
        for dim in explorer.dims_by_kl:
            item = QListWidgetItem(f"z{dim}   KL {kl[dim]:.3f}" + ("   (inactive)" if kl[dim] < 0.01 else ""))
            item.setData(Qt.ItemDataRole.UserRole, int(dim))
            self.dims.addItem(item)
        self.dims.blockSignals(False)
        self._on_dim_selected(self.session.dim)

    def _on_dim_row(self, row: int) -> None:
        if row >= 0:
            self.session.select_dim(self.dims.item(row).data(Qt.ItemDataRole.UserRole))

    def _on_dim_selected(self, dim: int) -> None:
        for row in range(self.dims.count()):
            if self.dims.item(row).data(Qt.ItemDataRole.UserRole) == dim:
                self.dims.blockSignals(True)
                self.dims.setCurrentRow(row)
                self.dims.blockSignals(False)
        self.refresh()

    def start_latent(self) -> np.ndarray:
        return self.session.start_latent(self.start.currentIndex() == 0)

    def refresh(self) -> None:
        """Decode the traversal for the current settings."""
        if not self.session.has_model:
            return
        explorer = self.session.explorer
        dims = explorer.dims_by_kl if self.all_dims.isChecked() else [self.session.dim]
        steps = self.steps.value()
        items, self.values = explorer.traversal(self.start_latent(), dims, mode=MODES[self.mode.currentText()],
                                                steps=steps, k=self.k.value(), cond=self.session.condition())
        prefixes = None
        if not isinstance(items, np.ndarray):
            prefixes = [f"z{d}={v:+.2f}" for d, row in zip(dims, self.values) for v in row]
        self.view.set_items(items, ncols=steps, prefixes=prefixes)
        self.scrub(self.slider.value())

    def scrub(self, position: int) -> None:
        """Decode the start latent with the chosen dimension moved to the slider's value (in units of σ=1)."""
        if not self.session.has_model:
            return
        dim = self.session.dim
        z = np.array(self.start_latent(), dtype=np.float32)
        z[dim] = z[dim] + self.k.value() * position / SLIDER_STEPS
        self.slider_label.setText(f"z{dim} = {z[dim]:+.2f}")
        self.scrub_view.set_items(self.session.explorer.decode(z[None], self.session.condition()), ncols=1)
