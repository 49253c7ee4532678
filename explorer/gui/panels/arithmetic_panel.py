"""Latent arithmetic: the analogy A − B + C, and a class-mean attribute vector (mean z of class X minus class Y)
added to the selected item with a strength slider. Decoded in a worker; a later epoch of the same run keeps A, B
and C."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

from explorer.analysis import captions
from explorer.gui.panels.base import ExplorerPanel
from explorer.gui.widgets.items_view import ItemsView

STRENGTH_SCALE = 10  # slider units per 1.0 of strength
ATTRIBUTE_STEPS = 6


def decode_analogy(explorer, a: int, b: int, c: int, cond, state):
    """Reconstructions of A, B and C, then the decode of A − B + C, and the step from C to A − B + C on the
    map (2, 2)."""
    inputs = explorer.reconstruct([a, b, c])
    state.check()
    z = explorer.analogy_latent(explorer.means[a], explorer.means[b], explorer.means[c])
    result = explorer.decode(z, cond)
    step = explorer.project_new(np.stack([explorer.means[c], z]))
    if isinstance(inputs, np.ndarray):
        return np.concatenate([inputs, result]), step
    return list(inputs) + list(result), step


def decode_attribute(explorer, index: int, class_x: int, class_y: int, strengths: np.ndarray, cond, state):
    """The item moved along the attribute vector by each strength, one decode each."""
    z = explorer.means[index]
    decoded = []
    for strength in strengths:
        state.check()
        decoded.append(explorer.attribute(z, class_x, class_y, float(strength), cond=cond))
    if isinstance(decoded[0], np.ndarray):
        return np.concatenate(decoded)
    return [d[0] for d in decoded]


class ArithmeticPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.analogy_task = self.runner(self._show_analogy)
        self.attribute_task = self.runner(self._show_attribute)
        self._strengths = np.zeros(0)
        self.operands = {"A": -1, "B": -1, "C": -1}
        self.operand_labels: dict[str, QLabel] = {}

        analogy = QGroupBox("Analogy: A − B + C")
        analogy_form = QFormLayout()
        for name in self.operands:
            button = QPushButton(f"Set {name}")
            button.setToolTip(f"Use the item selected on the map as {name}.")
            button.setObjectName(f"set_{name}")
            button.clicked.connect(self._on_set_operand)
            label = QLabel("—")
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.operand_labels[name] = label
            analogy_form.addRow(button, label)
        self.analogy_view = ItemsView()
        self.analogy_view.setToolTip("Reconstructions of A, B and C, then the decode of A − B + C.")
        analogy_layout = QHBoxLayout(analogy)
        analogy_layout.addLayout(analogy_form)
        analogy_layout.addWidget(self.analogy_view, 1)

        attribute = QGroupBox("Attribute vector: selected item + strength × (mean of X − mean of Y)")
        self.class_x, self.class_y = QComboBox(), QComboBox()
        self.class_x.setToolTip("Class X: the attribute's direction points towards this class's mean latent.")
        self.class_y.setToolTip("Class Y: the attribute's direction points away from this class's mean latent.")
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(-3 * STRENGTH_SCALE, 3 * STRENGTH_SCALE)
        self.strength.setValue(STRENGTH_SCALE)
        self.strength.setToolTip("How far to move along the attribute vector (−3 to 3).")
        self.strength_label = QLabel("")
        attribute_form = QFormLayout()
        attribute_form.addRow("X", self.class_x)
        attribute_form.addRow("Y", self.class_y)
        attribute_form.addRow("Strength", self.strength)
        attribute_form.addRow(self.strength_label)
        self.attribute_view = ItemsView()
        self.attribute_view.setToolTip("The selected item moved from strength 0 (left) to the chosen strength.")
        attribute_layout = QHBoxLayout(attribute)
        attribute_layout.addLayout(attribute_form)
        attribute_layout.addWidget(self.attribute_view, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(analogy, 1)
        layout.addWidget(attribute, 1)

        for signal in (self.class_x.currentIndexChanged, self.class_y.currentIndexChanged, self.strength.valueChanged):
            signal.connect(self.request_attribute)
        session.decoding_changed.connect(self.request_analogy)
        session.decoding_changed.connect(self.request_attribute)
        session.selection_changed.connect(self.request_attribute)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        if self.session.continued:  # a later epoch: the same operands and classes, decoded by the model as it is now
            self.request_analogy()
            self.request_attribute()
            return
        self.analogy_task.cancel()
        self.operands = dict.fromkeys(self.operands, -1)
        for label in self.operand_labels.values():
            label.setText("—")
        self.analogy_view.clear()
        names = explorer.class_names or [str(c) for c in range(int(explorer.labels.max()) + 1)]
        for combo, default in ((self.class_x, 1), (self.class_y, 0)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(min(default, len(names) - 1))
            combo.blockSignals(False)
        self.attribute_view.clear()
        self.request_attribute()

    def _on_set_operand(self) -> None:
        self.set_operand(self.sender().objectName().removeprefix("set_"), self.session.selected)

    def set_operand(self, name: str, index: int) -> None:
        self.operands[name] = index
        self.operand_labels[name].setText(self.session.describe_item(index) if index >= 0 else "—")
        self.request_analogy()

    def request_analogy(self) -> None:
        self.when_visible(self.refresh_analogy)

    def request_attribute(self) -> None:
        self.strength_label.setText(f"strength {self.strength.value() / STRENGTH_SCALE:+.1f}")
        self.when_visible(self.refresh_attribute)

    def refresh_analogy(self) -> None:
        if not self.session.has_model or min(self.operands.values()) < 0:
            return
        a, b, c = (self.operands[n] for n in "ABC")
        self.analogy_task.start(decode_analogy, self.session.explorer, a, b, c, self.session.condition(c))

    def _show_analogy(self, result) -> None:
        items, step = result
        self.session.show_path(step, (captions.ANALOGY_COLUMNS[2], captions.ANALOGY_COLUMNS[3]))
        if isinstance(items, np.ndarray):
            self.analogy_view.set_items(items, ncols=4, col_labels=captions.ANALOGY_COLUMNS)
        else:
            self.analogy_view.set_items(items, prefixes=captions.ANALOGY_COLUMNS)

    def refresh_attribute(self) -> None:
        if not self.session.has_model or self.session.selected < 0:
            return
        self._strengths = np.linspace(0.0, self.strength.value() / STRENGTH_SCALE, ATTRIBUTE_STEPS)
        self.attribute_task.start(decode_attribute, self.session.explorer, self.session.selected,
                                  self.class_x.currentIndex(), self.class_y.currentIndex(), self._strengths,
                                  self.session.condition())

    def _show_attribute(self, items) -> None:
        if isinstance(items, np.ndarray):
            self.attribute_view.set_items(items, ncols=ATTRIBUTE_STEPS, col_labels=captions.strengths(self._strengths))
        else:
            self.attribute_view.set_items(items, prefixes=captions.strengths(self._strengths))
