"""Interpolation between two items picked on the map (or, for sentence models, two typed sentences): a strip of
decodes along a lerp or slerp path, the path drawn on the map; for a CVAE, A's latent decoded with every class
(same style, another class)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from explorer.errors import ExplorerError

from explorer.gui.widgets.items_view import ItemsView


class InterpolationPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.a = self.b = -1  # preview indices; -1 when unset or typed
        self.latents: dict[str, np.ndarray | None] = {"A": None, "B": None}
        self.path = np.zeros((0, 0))

        self.set_a = QPushButton("Set A")
        self.set_a.setToolTip("Use the item selected on the map as the start A.")
        self.set_b = QPushButton("Set B")
        self.set_b.setToolTip("Use the item selected on the map as the end B.")
        self.a_label, self.b_label = QLabel("A: —"), QLabel("B: —")
        for label in (self.a_label, self.b_label):  # typed sentences and class names are shown as typed
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.steps = QSpinBox()
        self.steps.setRange(2, 30)
        self.steps.setValue(10)
        self.steps.setToolTip("How many decodes along the path, A and B included.")
        self.method = QComboBox()
        self.method.addItems(["lerp", "slerp"])
        self.method.setToolTip("Straight line (lerp) or great-circle arc (slerp) between the two latents.")
        self.typed = {name: QLineEdit() for name in ("A", "B")}
        for name, entry in self.typed.items():
            entry.setPlaceholderText(f"or type sentence {name}, then Enter")
            entry.setToolTip(f"A sentence of your own as the {'start' if name == 'A' else 'end'} of the path.")
        form = QFormLayout()
        form.addRow(self.set_a, self.a_label)
        form.addRow(self.typed["A"])
        form.addRow(self.set_b, self.b_label)
        form.addRow(self.typed["B"])
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
        self.typed["A"].returnPressed.connect(self.use_typed_a)
        self.typed["B"].returnPressed.connect(self.use_typed_b)
        self.steps.valueChanged.connect(self.refresh)
        self.method.currentIndexChanged.connect(self.refresh)
        session.model_changed.connect(self._on_model_changed)

    def _on_model_changed(self) -> None:
        self.a = self.b = -1
        self.latents = {"A": None, "B": None}
        self.a_label.setText("A: —")
        self.b_label.setText("B: —")
        is_text = self.session.explorer.domain_name == "text"
        for entry in self.typed.values():
            entry.setVisible(is_text)
            entry.clear()
        self.view.clear()
        self.swap_view.clear()
        conditional = self.session.explorer.conditional
        self.swap_label.setVisible(conditional)
        self.swap_view.setVisible(conditional)

    def use_selection_as_a(self) -> None:
        self.set_endpoints(self.session.selected, self.b)

    def use_selection_as_b(self) -> None:
        self.set_endpoints(self.a, self.session.selected)

    def use_typed_a(self) -> None:
        self._use_typed("A")

    def use_typed_b(self) -> None:
        self._use_typed("B")

    def _use_typed(self, name: str) -> None:
        sentence = self.typed[name].text().strip()
        if not sentence or not self.session.has_model:
            return
        label = self.a_label if name == "A" else self.b_label
        try:
            self.latents[name] = self.session.explorer.encode_items([sentence])[0]
        except ExplorerError as error:
            label.setText(f"{name}: {error}")
            return
        if name == "A":
            self.a = -1
        else:
            self.b = -1
        label.setText(f"{name}: “{sentence}”")
        self.refresh()

    def set_endpoints(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        means = self.session.explorer.means
        self.latents = {"A": means[a] if a >= 0 else self.latents["A"], "B": means[b] if b >= 0 else self.latents["B"]}
        self.a_label.setText(f"A: {self.session.describe_item(a)}" if a >= 0 else self.a_label.text())
        self.b_label.setText(f"B: {self.session.describe_item(b)}" if b >= 0 else self.b_label.text())
        self.refresh()

    def refresh(self) -> None:
        z_a, z_b = self.latents["A"], self.latents["B"]
        if not self.session.has_model or z_a is None:
            return
        explorer = self.session.explorer
        if explorer.conditional:
            self.swap_view.set_items(explorer.class_swap(z_a), ncols=explorer.num_classes)
        if z_b is None:
            return
        items, self.path = explorer.interpolation(z_a, z_b,
                                                  steps=self.steps.value(), method=self.method.currentText(),
                                                  cond=self.session.condition(self.a))
        self.view.set_items(items, ncols=self.steps.value())
        self.session.show_path(self.path)
