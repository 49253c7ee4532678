"""The selected item: its input beside its reconstruction (decoded in a worker), its ground-truth factors where the data
has them, its posterior per dimension (mean ± σ, KL; a sparse code's units with how often each is active) and each
categorical variable's probabilities.
Clicking a dimension's bar selects it for traversal."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from explorer.gui.panels.base import ExplorerPanel
from explorer.gui.widgets.category_bars import CategoryBars
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.posterior_bars import PosteriorBars


def reconstruct(explorer, index: int, state):
    return explorer.reconstruct([index])


class InspectorPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.reconstruction = self.runner(self._show_reconstruction)
        self.title = QLabel("Click a point on the map to inspect it.")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # class names come from the checkpoint
        self.factors = QLabel("")
        self.factors.setWordWrap(True)
        self.factors.setTextFormat(Qt.TextFormat.PlainText)  # factor names too
        self.factors.setToolTip("The item's ground-truth factors.")
        self.factors.hide()
        self.input_view = ItemsView()
        self.input_view.setToolTip("The selected item as it is in the data.")
        self.recon_view = ItemsView()
        self.recon_view.setToolTip("The model's reconstruction: the decode of the item's posterior mean.")
        pair = QWidget()
        grid = QGridLayout(pair)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Input"), 0, 0)
        grid.addWidget(QLabel("Reconstruction"), 0, 1)
        grid.addWidget(self.input_view, 1, 0)
        grid.addWidget(self.recon_view, 1, 1)
        self.bars = PosteriorBars()
        self.categories = CategoryBars()
        self.categories.hide()
        posterior = QWidget()  # a layout, not the splitter, shares its height: the category bars get theirs too
        column = QVBoxLayout(posterior)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.bars, 2)
        column.addWidget(self.categories, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(pair)
        splitter.addWidget(posterior)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.factors)
        layout.addWidget(splitter, 1)

        self.bars.dim_clicked.connect(session.select_dim)
        session.selection_changed.connect(self.request_refresh)
        session.dim_selected.connect(self.bars.highlight)
        session.decoding_changed.connect(self.request_refresh)

    def _on_model_changed(self) -> None:
        self.request_refresh()

    def request_refresh(self) -> None:
        self.when_visible(self.refresh)

    def refresh(self) -> None:
        """Show the session's selected item: input and posterior at once, the reconstruction when decoded."""
        explorer, index = self.session.explorer, self.session.selected
        if not self.session.has_model or index < 0:
            self.reconstruction.cancel()
            self.title.setText("Click a point on the map to inspect it.")
            self.factors.hide()
            self.input_view.clear()
            self.recon_view.clear()
            self.bars.set_posterior([], [], [])
            self.categories.set_variables([])
            return
        self.title.setText(f"Item {self.session.describe_item(index)}")
        factors = explorer.describe_factors(index)
        self.factors.setText(factors or "")
        self.factors.setVisible(factors is not None)
        self.input_view.set_items(explorer.items([index]), ncols=1)
        self.reconstruction.start(reconstruct, explorer, index)
        mean, std, kl = explorer.posterior(index)
        activity, spread = explorer.unit_activity(), explorer.code_spread()
        if activity is not None:
            self.bars.set_posterior(mean, std, activity, lower_label="active in (share of items)")
        elif spread is not None:
            self.bars.set_posterior(mean, std, spread, lower_label="spread over items (σ)")
        else:
            self.bars.set_posterior(mean, std, kl)
        self.bars.highlight(self.session.dim)
        self.categories.set_variables(explorer.discrete_posterior(index))

    def _show_reconstruction(self, items) -> None:
        self.recon_view.set_items(items, ncols=1)
