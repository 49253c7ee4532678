"""The latent map: the preview set's projection coloured by label, PCA at once and UMAP or t-SNE computed in the
background and swapped in (a 2-D latent is its own map); click selects an item, box or lasso selects a group shown
in a small grid; new inputs are encoded in a worker and marked where they land; samples of the prior can be drawn
beside the codes."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QHBoxLayout, QLabel, QSplitter, QToolButton, QVBoxLayout,
                               QWidget)

from explorer.gui.concurrent import TaskRunner
from explorer.gui.widgets.image_grid import captioned_thumbnail
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.latent_scatter import LatentScatter

PROJECTIONS = {"PCA": "pca", "UMAP": "umap", "t-SNE": "tsne"}
LATENT = "Latent (2-D)"  # offered for a 2-D latent, which is its own map
PRIOR_SAMPLES = 1000
GROUP_PREVIEW_LIMIT = 64
COLOUR_LABEL, COLOUR_LENGTH = "label", "sentence length"
# What a dataset's labels are, where "label" alone would not say: WordNet's example sentences are labelled with
# the part of speech of the entry they illustrate.
LABEL_MEANINGS = {"wordnet-examples": "part of speech (WordNet)"}


def fit_projection(means: np.ndarray, method: str, state):
    from explorer.analysis.projection import configure_numba_cache, project

    configure_numba_cache()
    return project(means, method, seed=0)


def prior_on_map(explorer, state) -> np.ndarray:
    return explorer.prior_on_map(PRIOR_SAMPLES)


def encode_and_place(explorer, items, cond, name: str, state) -> tuple[str, np.ndarray]:
    """New inputs' points on the map (k, 2), with the name they are announced by."""
    return name, explorer.project_new(explorer.encode_items(items, cond=cond))


class MapPanel(QWidget):
    placed = Signal(str, object)  # what was placed, its map points (k, 2)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.projection_task = TaskRunner(session.background_thread, self._on_projection_done,
                                          on_failed=self._on_projection_failed, parent=self)
        self.place_task = TaskRunner(session.model_thread, self._on_placed, parent=self)
        self.prior_task = TaskRunner(session.model_thread, self._on_prior_points, parent=self)

        self.method = QComboBox()
        self.method.addItems(list(PROJECTIONS))
        self.method.setToolTip("How the latent means are laid out in 2-D: PCA at once, UMAP or t-SNE computed in "
                               "the background.")
        self.colour_by = QComboBox()
        self.colour_by.addItems([COLOUR_LABEL, COLOUR_LENGTH])
        self.colour_by.setToolTip("Colour sentences by their label (for WordNet's examples: the part of speech of "
                                  "the entry each sentence illustrates: noun, verb, adj, adv) or by their length.")
        self.colour_label = QLabel("Colour:")
        self.show_prior = QCheckBox("Prior samples")
        self.show_prior.setToolTip("Draw samples of the model's prior (grey) beside the data's codes: how well do "
                                   "the codes fill the prior? Exact for a 2-D latent, placed by the projection "
                                   "otherwise.")
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.modes = QButtonGroup(self)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Projection:"))
        mode_row.addWidget(self.method)
        mode_row.addWidget(self.colour_label)
        mode_row.addWidget(self.colour_by)
        mode_row.addWidget(self.show_prior)
        for name, tip in (("pan", "Drag to pan the map."), ("box", "Drag a rectangle to select a group."),
                          ("lasso", "Draw a free shape to select a group.")):
            button = QToolButton()
            button.setText(name.capitalize())
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setObjectName(name)
            self.modes.addButton(button)
            mode_row.addWidget(button)
        self.modes.buttons()[0].setChecked(True)
        mode_row.addWidget(self.status, 1)

        self.scatter = LatentScatter()
        self.scatter.preview_provider = self._preview
        self.group_view = ItemsView()
        self.group_view.setToolTip("The items of the selected group (click one to inspect it).")
        self.group_label = QLabel("Box or lasso a group of points to see its items here.")
        group_box = QWidget()
        group_layout = QVBoxLayout(group_box)
        group_layout.setContentsMargins(0, 0, 0, 0)
        group_layout.addWidget(self.group_label)
        group_layout.addWidget(self.group_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.scatter)
        splitter.addWidget(group_box)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([500, 90])

        layout = QVBoxLayout(self)
        layout.addLayout(mode_row)
        layout.addWidget(splitter, 1)

        self.method.currentTextChanged.connect(self.compute_projection)
        self.colour_by.currentTextChanged.connect(self._redraw_points)
        self.show_prior.toggled.connect(self.draw_prior)
        session.projection_changed.connect(self.draw_prior)
        self.modes.buttonClicked.connect(self._on_mode)
        self.scatter.point_clicked.connect(session.select)
        self.scatter.group_selected.connect(session.set_group)
        self.group_view.item_clicked.connect(self._on_group_item_clicked)
        session.model_changed.connect(self._on_model_changed)
        session.projection_changed.connect(self._redraw_points)
        session.selection_changed.connect(self.scatter.select)
        session.group_changed.connect(self._on_group_changed)
        session.path_changed.connect(self.scatter.set_path)

    # Model and projection
    def _on_model_changed(self) -> None:
        self.projection_task.cancel()  # a fit for the previous model is not shown
        self.place_task.cancel()
        if self.session.continued:  # a later epoch keeps the map's method, colours, selection and marks
            if self.method.currentText() in ("PCA", LATENT):
                self._redraw_points()
            else:  # the previous map stays until the refit replaces it
                self.compute_projection()
            self.draw_prior()
            return
        flat = self.session.explorer.means.shape[1] == 2
        self.method.blockSignals(True)
        if flat and self.method.findText(LATENT) < 0:
            self.method.insertItem(0, LATENT)
        elif not flat and self.method.findText(LATENT) >= 0:
            self.method.removeItem(self.method.findText(LATENT))
        self.method.setCurrentText(LATENT if flat else "PCA")
        self.method.blockSignals(False)
        self.show_prior.blockSignals(True)
        self.show_prior.setChecked(flat)
        self.show_prior.blockSignals(False)
        self.draw_prior()
        self.status.setText("")
        is_text = self.session.explorer.domain_name == "text"
        self.colour_by.setVisible(is_text)
        self.colour_label.setVisible(is_text)
        self.colour_by.blockSignals(True)
        dataset = self.session.explorer.checkpoint.dataset.get("id")
        self.colour_by.setItemText(0, LABEL_MEANINGS.get(dataset, COLOUR_LABEL))
        self.colour_by.setCurrentIndex(0 if self.session.explorer.class_names else 1)
        self.colour_by.blockSignals(False)
        self.scatter.set_path(None)
        self.scatter.set_extra_points(None)
        self._redraw_points()
        self._on_group_changed(self.session.group)

    def _redraw_points(self) -> None:
        explorer = self.session.explorer
        if explorer.domain_name == "text" and self.colour_by.currentText() == COLOUR_LENGTH:
            buckets, names = explorer.length_buckets()
            self.scatter.set_points(explorer.projection, buckets, names)
        else:
            self.scatter.set_points(explorer.projection, explorer.labels, explorer.class_names)
        self.scatter.select(self.session.selected)

    def compute_projection(self, name: str | None = None) -> None:
        """Fit the chosen projection in the background; the newest request wins."""
        if not self.session.has_model:
            return
        name = name or self.method.currentText()
        self.status.setText(f"computing {name}…")
        self.projection_task.start(fit_projection, self.session.explorer.means, PROJECTIONS.get(name, "latent"))

    def _on_projection_done(self, projection) -> None:
        self.status.setText(f"{self.method.currentText()} ready")
        self.session.set_projection(projection)

    def _on_projection_failed(self, error: BaseException) -> None:
        self.status.setText(f"projection failed: {str(error).splitlines()[0] if str(error) else repr(error)}")

    @property
    def busy(self) -> bool:
        return self.projection_task.busy

    def draw_prior(self) -> None:
        """Prior samples on the map (drawn and placed in a worker) when the box is ticked."""
        self.prior_task.cancel()
        if self.session.has_model and self.show_prior.isChecked():
            self.prior_task.start(prior_on_map, self.session.explorer)
        else:
            self.scatter.set_prior_points(None)

    def _on_prior_points(self, points) -> None:
        self.scatter.set_prior_points(points)

    # New inputs
    def place_items(self, items, name: str) -> None:
        """Encode new inputs (images or sentences) in a worker and mark where they land on the map."""
        self.place_task.start(encode_and_place, self.session.explorer, items, self.session.condition(), name)

    def _on_placed(self, result: tuple[str, np.ndarray]) -> None:
        name, points = result
        self.scatter.set_extra_points(points)
        self.placed.emit(name, points)

    # Interaction
    def _on_mode(self, button) -> None:
        self.scatter.set_selection_mode(button.objectName())

    def _preview(self, index: int):
        explorer = self.session.explorer
        item = explorer.items([index])[0]
        caption = self.session.describe_item(index)
        if isinstance(item, np.ndarray):
            return captioned_thumbnail(item, caption, self.palette())
        return f"{caption}\n{item}"

    def _on_group_changed(self, group: np.ndarray) -> None:
        self.scatter.set_group(group)
        if len(group) == 0:
            self.group_view.clear()
            self.group_label.setText("Box or lasso a group of points to see its items here.")
            return
        shown = group[:GROUP_PREVIEW_LIMIT]
        self.group_label.setText(f"{len(group)} items selected" +
                                 (f" (first {len(shown)} shown)" if len(shown) < len(group) else ""))
        self.group_view.set_items(self.session.explorer.items(shown), ncols=16,
                                  tips=[self.session.describe_item(int(i)) for i in shown])

    def _on_group_item_clicked(self, position: int) -> None:
        if 0 <= position < len(self.session.group):
            self.session.select(int(self.session.group[position]))
