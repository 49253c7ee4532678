"""The 2-D manifold (Kingma & Welling 2014, figure 4): two latent dimensions swept over the prior's quantiles
0.05–0.95 (a class's prior for a conditional model, one component's for a mixture prior), every other coordinate
held at the selected item or at the origin, decoded as a grid in a worker. File ▸ Export saves it as a PNG."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QVBoxLayout

from explorer import exploring
from explorer.gui.panels.base import ExplorerPanel, decode_progressively
from explorer.gui.widgets.controls import option_box
from explorer.gui.widgets.items_view import ItemsView

STARTS = ("selected item", "origin")
SENTENCES_AT_A_TIME = 8


def decode_manifold(explorer, z0, dims, steps: int, cond, component, state):
    """The grid's latents from the core, decoded (sentences a row at a time when each is decoded on its own)."""
    latents, _ = explorer.manifold_latents(z0, dims, steps, cond, component)
    return decode_progressively(explorer, latents, cond, state, SENTENCES_AT_A_TIME)


class ManifoldPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.task = self.runner(self._show, on_partial=self._show)
        self.dim_x, self.dim_y = QComboBox(), QComboBox()
        self.dim_x.setToolTip("The dimension that runs across the grid (left: its 5% quantile, right: its 95%).")
        self.dim_y.setToolTip("The dimension that runs down the grid (top: its 95% quantile, bottom: its 5%).")
        self.steps = option_box(exploring.option("manifold_steps"))
        self.start = QComboBox()
        self.start.addItems(list(STARTS))
        self.start.setToolTip("What every other coordinate is held at: the selected item's posterior mean, or the "
                              "prior's centre.")
        self.condition = QComboBox()
        self.condition.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # "component 3 (class 3)"
        self.condition.setToolTip("A conditional model's class (its prior p(z|c) gives the quantiles), or the "
                                  "mixture component whose quantiles the grid spans.")
        self.category_choices: list[QComboBox] = []
        self._layout: tuple | None = None  # what the controls were built for (see _layout_of)
        self.form = QFormLayout()
        self.form.addRow("Across", self.dim_x)
        self.form.addRow("Down", self.dim_y)
        self.form.addRow("Steps", self.steps)
        self.form.addRow("Rest held at", self.start)
        self.form.addRow("Prior of", self.condition)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        left = QVBoxLayout()
        left.addLayout(self.form)
        left.addWidget(self.note)
        left.addStretch(1)
        self.view = ItemsView()
        self.view.setToolTip("Decodes of latents spaced by the prior's inverse CDF: the learned manifold.")
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.view, 1)

        for signal in (self.dim_x.currentIndexChanged, self.dim_y.currentIndexChanged, self.steps.valueChanged,
                       self.start.currentIndexChanged, self.condition.currentIndexChanged):
            signal.connect(self.request_refresh)
        session.selection_changed.connect(self._on_selection_changed)
        session.decoding_changed.connect(self.request_refresh)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        # The same items (a later epoch, or another model of the same data): the same choices where they still fit.
        kept = self.session.continued and self._layout == self._layout_of(explorer)
        chosen = [self.dim_x.currentIndex(), self.dim_y.currentIndex(), self.condition.currentIndex()]
        self._layout = self._layout_of(explorer)
        kl = explorer.kl_per_dim
        for combo in (self.dim_x, self.dim_y, self.condition):
            combo.blockSignals(True)
            combo.clear()
        for dim in range(explorer.continuous_dim):
            for combo in (self.dim_x, self.dim_y):
                combo.addItem(f"z{dim}   KL {kl[dim]:.2f}" if explorer.has_kl else f"z{dim}", dim)
        if explorer.continuous_dim >= 2:
            first, second = explorer.manifold_dims()
            self.dim_x.setCurrentIndex(first)
            self.dim_y.setCurrentIndex(second)
        if explorer.conditional:
            self.condition.addItem("the selected item's class", None)
            for c, name in enumerate(explorer.class_names or [str(c) for c in range(explorer.num_classes)]):
                self.condition.addItem(name, c)
        for c, name in enumerate(explorer.component_names()):
            self.condition.addItem(name, c)
        self.condition.setEnabled(self.condition.count() > 0)
        if kept:
            for combo, index in zip((self.dim_x, self.dim_y, self.condition), chosen):
                combo.setCurrentIndex(index)
        for combo in (self.dim_x, self.dim_y, self.condition):
            combo.blockSignals(False)
        if not kept:
            self._make_category_choices(explorer.discrete_sizes)
        self.note.setText("" if explorer.continuous_dim >= 2 else
                          "The manifold needs at least two continuous latent dimensions.")
        self.request_refresh()

    @staticmethod
    def _layout_of(explorer) -> tuple:
        """What the controls offer depends on: the latent layout, conditioning and the prior's components."""
        return (explorer.continuous_dim, tuple(explorer.discrete_sizes), explorer.conditional,
                tuple(explorer.component_names()))

    def _make_category_choices(self, sizes) -> None:
        for combo in self.category_choices:
            self.form.removeRow(combo)
        self.category_choices = []
        for variable, size in enumerate(sizes):
            combo = QComboBox()
            combo.addItem("as the start", None)
            for c in range(size):
                combo.addItem(str(c), c)
            combo.setToolTip(f"Hold the categorical variable c{variable} at one category across the grid.")
            combo.currentIndexChanged.connect(self.request_refresh)
            self.form.addRow(f"Category of c{variable}", combo)
            self.category_choices.append(combo)

    def _on_selection_changed(self) -> None:
        if self.start.currentIndex() == 0 or self.condition.currentData() is None:
            self.request_refresh()

    def request_refresh(self) -> None:
        self.when_visible(self.refresh)

    def settings(self):
        """(start latent, dims, steps, condition, component) as the controls say."""
        explorer = self.session.explorer
        z0 = self.session.start_latent(self.start.currentIndex() == 0)
        for variable, combo in enumerate(self.category_choices):
            if combo.currentData() is not None:
                z0 = explorer.with_category(z0, variable, combo.currentData())
        choice = self.condition.currentData()
        cond = (self.session.condition() if choice is None else choice) if explorer.conditional else None
        component = choice if explorer.model.prior_components else None
        return z0, [self.dim_x.currentData(), self.dim_y.currentData()], self.steps.value(), cond, component

    def refresh(self) -> None:
        if not self.session.has_model or self.session.explorer.continuous_dim < 2:
            self.view.clear()
            return
        z0, dims, steps, cond, component = self.settings()
        if not all(d is not None and d < self.session.explorer.continuous_dim for d in dims):
            return  # the previous model's dimensions: this model's arrive with model_changed
        if dims[0] == dims[1]:
            self.note.setText("Pick two different dimensions.")
            self.view.clear()
            return
        self.note.setText("")
        self.task.start(decode_manifold, self.session.explorer, z0, dims, steps, cond, component)

    def _show(self, items) -> None:
        if isinstance(items, np.ndarray):
            self.view.set_items(items, ncols=self.steps.value())
        else:
            self.view.set_items(list(items))
        self.view.setToolTip(f"{self.steps.value()} x {self.steps.value()} decodes: "
                             f"{self.dim_x.currentText().split()[0]} across, {self.dim_y.currentText().split()[0]} "
                             "down, spaced by the prior's quantiles 0.05–0.95.")
