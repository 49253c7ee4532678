"""Samples from the prior at a temperature; for a CVAE one row per class. Reseed draws new ones."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from explorer.gui.widgets.controls import float_box, int_box
from explorer.gui.widgets.items_view import ItemsView

ALL_CLASSES = "every class (one row each)"


class SamplesPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.temperature = float_box(0.1, 3.0, 1.0, 0.1, "Scales the prior's standard deviation: below 1 gives "
                                                         "typical samples, above 1 more varied ones.")
        self.count = int_box(1, 256, 64, "How many samples (per class for a conditional model).")
        self.class_choice = QComboBox()
        self.class_choice.setToolTip("Which class a conditional model samples.")
        self.seed = int_box(0, 1_000_000, 0, "The random seed; the same seed gives the same samples.")
        self.reseed = QPushButton("Reseed")
        self.reseed.setToolTip("Draw new samples with the next seed.")
        form = QFormLayout()
        form.addRow("Temperature", self.temperature)
        form.addRow("Count", self.count)
        form.addRow("Class", self.class_choice)
        form.addRow("Seed", self.seed)
        form.addRow(self.reseed)
        self.note = QLabel("This model is a plain autoencoder: it has no prior, so its samples are not "
                           "meaningful decodes.")
        self.note.setWordWrap(True)
        self.note.hide()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.note)
        left.addStretch(1)
        self.view = ItemsView()
        self.view.setToolTip("Decodes of latents drawn from the prior.")
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.view, 1)

        self.reseed.clicked.connect(self._next_seed)
        for signal in (self.temperature.valueChanged, self.count.valueChanged, self.class_choice.currentIndexChanged,
                       self.seed.valueChanged):
            signal.connect(self.refresh)
        session.model_changed.connect(self._on_model_changed)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        self.class_choice.blockSignals(True)
        self.class_choice.clear()
        if explorer.conditional:
            self.class_choice.addItem(ALL_CLASSES)
            self.class_choice.addItems(explorer.class_names or [str(c) for c in range(explorer.num_classes)])
            self.count.setValue(10)
        self.class_choice.setEnabled(explorer.conditional)
        self.class_choice.blockSignals(False)
        self.note.setVisible(not explorer.variational)
        self.refresh()

    def _next_seed(self) -> None:
        self.seed.setValue(self.seed.value() + 1)

    def refresh(self) -> None:
        if not self.session.has_model:
            return
        explorer = self.session.explorer
        n, temperature, seed = self.count.value(), self.temperature.value(), self.seed.value()
        if not explorer.conditional:
            self.view.set_items(explorer.samples(n, temperature=temperature, seed=seed))
            return
        choice = self.class_choice.currentIndex()
        if choice <= 0:
            rows = [explorer.samples(n, temperature=temperature, class_index=c, seed=seed)
                    for c in range(explorer.num_classes)]
            if isinstance(rows[0], np.ndarray):
                self.view.set_items(np.concatenate(rows), ncols=n)
            else:
                names = self.class_choice
                self.view.set_items([s for row in rows for s in row],
                                    prefixes=[names.itemText(c + 1) for c, row in enumerate(rows) for _ in row])
            return
        self.view.set_items(explorer.samples(n, temperature=temperature, class_index=choice - 1, seed=seed))
