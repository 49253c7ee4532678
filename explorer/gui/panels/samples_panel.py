"""Samples from the prior at a temperature; for a CVAE one row per class; a categorical latent can be fixed to one
category. Reseed draws new ones. Decoded in a worker; sentences appear as they are decoded."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from explorer import exploring
from explorer.gui.panels.base import ExplorerPanel, decode_progressively
from explorer.gui.widgets.controls import option_box
from explorer.gui.widgets.items_view import ItemsView

ALL_CLASSES = "every class (one row each)"
SENTENCES_AT_A_TIME = 8


def draw_samples(explorer, n: int, temperature: float, seed: int, classes: list, categories: dict, state) -> list:
    """Decodes of ``n`` prior samples for each class in ``classes`` (None for an unconditional model), with the
    categorical variables in ``categories`` fixed: one part per class, handed to the GUI as they are decoded."""
    parts: list = []
    for class_index in classes:
        state.check()
        z, cond = explorer.prior_latents(n, temperature, class_index, seed, categories)

        def so_far(items, done=parts):
            return done + [items]

        parts = so_far(decode_progressively(explorer, z, cond, state, SENTENCES_AT_A_TIME, wrap=so_far))
        state.set_partial_result(parts)
    return parts


class SamplesPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.task = self.runner(self._show, on_partial=self._show)
        self._row_names: list[str] = []
        # The count chosen for unconditional models, and per class for conditional ones.
        self._counts = {False: exploring.default("samples_count"), True: 10}
        self._conditional = False
        self.temperature = option_box(exploring.option("temperature"))
        self.count = option_box(exploring.option("samples_count"))
        self.class_choice = QComboBox()
        self.class_choice.setToolTip("Which class a conditional model samples.")
        self.seed = option_box(exploring.option("seed"))
        self.reseed = QPushButton("Reseed")
        self.reseed.setToolTip("Draw new samples with the next seed.")
        form = QFormLayout()
        form.addRow("Temperature", self.temperature)
        form.addRow("Count", self.count)
        form.addRow("Class", self.class_choice)
        form.addRow("Seed", self.seed)
        form.addRow(self.reseed)
        self.form = form
        self.category_choices: list[QComboBox] = []  # one per categorical latent variable
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
            signal.connect(self.request_refresh)
        session.decoding_changed.connect(self.request_refresh)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        if self.session.continued:  # a later epoch: the same settings, samples of the model as it is now
            if [combo.count() - 1 for combo in self.category_choices] != list(explorer.discrete_sizes):
                self._make_category_choices(explorer.discrete_sizes)  # another model of the same items
            self.note.setVisible(not explorer.has_prior)
            self.request_refresh()
            return
        self.class_choice.blockSignals(True)
        self.class_choice.clear()
        if explorer.conditional:
            self.class_choice.addItem(ALL_CLASSES)
            self.class_choice.addItems(explorer.class_names or [str(c) for c in range(explorer.num_classes)])
        self._counts[self._conditional] = self.count.value()
        self._conditional = explorer.conditional
        self.count.blockSignals(True)
        self.count.setValue(self._counts[explorer.conditional])
        self.count.blockSignals(False)
        self.class_choice.setEnabled(explorer.conditional)
        self.class_choice.blockSignals(False)
        self._make_category_choices(explorer.discrete_sizes)
        self.note.setVisible(not explorer.has_prior)
        self.request_refresh()

    def _make_category_choices(self, sizes) -> None:
        """A 'Category of c_v' choice per categorical variable: drawn from the prior, or fixed."""
        for combo in self.category_choices:
            self.form.removeRow(combo)
        self.category_choices = []
        for variable, size in enumerate(sizes):
            combo = QComboBox()
            combo.addItem("any (drawn from the prior)")
            combo.addItems([str(c) for c in range(size)])
            combo.setToolTip(f"Fix the categorical variable c{variable} to one category in every sample.")
            combo.currentIndexChanged.connect(self.request_refresh)
            self.form.addRow(f"Category of c{variable}", combo)
            self.category_choices.append(combo)

    def categories(self) -> dict[int, int]:
        """The fixed categories, {variable: category}."""
        return {v: combo.currentIndex() - 1 for v, combo in enumerate(self.category_choices)
                if combo.currentIndex() > 0}

    def _next_seed(self) -> None:
        self.seed.setValue(self.seed.value() + 1)

    def request_refresh(self) -> None:
        self.when_visible(self.refresh)

    def refresh(self) -> None:
        if not self.session.has_model:
            return
        explorer = self.session.explorer
        choice = self.class_choice.currentIndex()
        if not explorer.conditional:
            classes, self._row_names = [None], []
        elif choice <= 0:
            classes = list(range(explorer.num_classes))
            self._row_names = [self.class_choice.itemText(c + 1) for c in classes]
        else:
            classes, self._row_names = [choice - 1], []
        self.task.start(draw_samples, explorer, self.count.value(), self.temperature.value(), self.seed.value(),
                        classes, self.categories())

    def _show(self, parts: list) -> None:
        """One part per class (rows of a grid for every class of a conditional model)."""
        if not parts:
            return
        rows = len(self._row_names) > 1
        if isinstance(parts[0], np.ndarray):
            self.view.set_items(np.concatenate(parts), ncols=self.count.value() if rows else None,
                                row_labels=self._row_names if rows else None)
            return
        prefixes = [self._row_names[i] for i, part in enumerate(parts) for _ in part] if rows else None
        self.view.set_items([s for part in parts for s in part], prefixes=prefixes)
