"""Interpolation between two items picked on the map: a strip of decodes along a lerp or slerp path, the path
drawn on the map; for a CVAE, A's latent decoded with every class (same style, another class)."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from explorer.gui.widgets.items_view import ItemsView


class InterpolationPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.a = self.b = -1
        self.path = np.zeros((0, 0))

        self.set_a = QPushButton("Set A")
        self.set_a.setToolTip("Use the item selected on the map as the start A.")
        self.set_b = QPushButton("Set B")
        self.set_b.setToolTip("Use the item selected on the map as the end B.")
        self.a_label, self.b_label = QLabel("A: —"), QLabel("B: —")
        self.steps = QSpinBox()
        self.steps.setRange(2, 30)
        self.steps.setValue(10)
        self.steps.setToolTip("How many decodes along the path, A and B included.")
        self.method = QComboBox()
        self.method.addItems(["lerp", "slerp"])
        self.method.setToolTip("Straight line (lerp) or great-circle arc (slerp) between the two latents.")
        form = QFormLayout()
        form.addRow(self.set_a, self.a_label)
        form.addRow(self.set_b, self.b_label)
        form.addRow("Steps", self.steps)
        form.addRow("Path", self.method)

        self.view = ItemsView()
        self.view.setToolTip("Decodes along the path from A (left) to B (right).")
        self.swap_label = QLabel("Class swap (CVAE): A's latent decoded with each class")
        self.swap_view = ItemsView()
        self.swap_view.setToolTip("The same latent (A's style) decoded with every class.")
        right = QVBoxLayout()
        right.addWidget(self.view, 2)
        right.addWidget(self.swap_label)
        right.addWidget(self.swap_view, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(right, 1)

        self.set_a.clicked.connect(self.use_selection_as_a)
        self.set_b.clicked.connect(self.use_selection_as_b)
        self.steps.valueChanged.connect(self.refresh)
        self.method.currentIndexChanged.connect(self.refresh)
        session.model_changed.connect(self._on_model_changed)

    def _on_model_changed(self) -> None:
        self.a = self.b = -1
        self.a_label.setText("A: —")
        self.b_label.setText("B: —")
        self.view.clear()
        self.swap_view.clear()
        conditional = self.session.explorer.conditional
        self.swap_label.setVisible(conditional)
        self.swap_view.setVisible(conditional)

    def use_selection_as_a(self) -> None:
        self.set_endpoints(self.session.selected, self.b)

    def use_selection_as_b(self) -> None:
        self.set_endpoints(self.a, self.session.selected)

    def set_endpoints(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        self.a_label.setText(f"A: {self.session.describe_item(a)}" if a >= 0 else "A: —")
        self.b_label.setText(f"B: {self.session.describe_item(b)}" if b >= 0 else "B: —")
        self.refresh()

    def refresh(self) -> None:
        if not self.session.has_model or self.a < 0:
            return
        explorer = self.session.explorer
        if explorer.conditional:
            self.swap_view.set_items(explorer.class_swap(explorer.means[self.a]), ncols=explorer.num_classes)
        if self.b < 0:
            return
        items, self.path = explorer.interpolation(explorer.means[self.a], explorer.means[self.b],
                                                  steps=self.steps.value(), method=self.method.currentText(),
                                                  cond=self.session.condition(self.a))
        self.view.set_items(items, ncols=self.steps.value())
        self.session.show_path(self.path)
