"""The latent map: the preview set's map coloured by label. A checkpoint's own map (UMAP, computed when it was
saved) shows at once; another method, or UMAP for a file saved without a map, is fitted in the map worker process
with its progress shown, then swapped in (and, for such a file, offered to be saved into it). Click selects an
item, box or lasso selects a group shown in a small grid; new inputs are encoded in a worker and placed by the
map's head. A 2-D latent is its own map, and samples of the prior can be drawn beside the codes."""
from __future__ import annotations

import hashlib

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.analysis import captions
from explorer.analysis.projection import DEFAULT_METHOD
from explorer.gui.concurrent import TaskRunner
from explorer.gui.widgets.elided_combo_box import ElidedComboBox
from explorer.gui.widgets.elided_label import ElidedLabel
from explorer.gui.widgets.image_grid import captioned_thumbnail
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.latent_scatter import LatentScatter
from explorer.io.display import printable
from explorer.io.map_meta import FILE_MAP, SHOWN_METHODS

GROUP_PREVIEW_LIMIT = 64
LATENT = "latent"  # the method offered, and chosen, for a 2-D latent: it is its own map
PRIOR_SAMPLES = 1000
KEPT_MAPS = 16
GROUP_SHARE = 4  # a group's items take a quarter of the map's height when they appear
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"  # maps fitted in this session, kept to show again at once
COLOUR_LABEL, COLOUR_LENGTH = "label", "sentence length"
# What a dataset's labels are, where "label" alone would not say: WordNet's example sentences are labelled with
# the part of speech of the entry they illustrate.
LABEL_MEANINGS = {"wordnet-examples": "part of speech (WordNet)"}


def fit_map(worker, means: np.ndarray, method: str, state):
    """A map of ``means``, reporting its progress: UMAP and t-SNE fitted in the map worker process, a PCA (a
    fraction of a second) here."""
    if method in ("pca", LATENT):
        from explorer.analysis.projection import project

        return project(means, method, progress=state.set_progress)
    return worker.fit(means, method, 0, progress=state.set_progress, check=state.check)


def map_dataset(explorer, state):
    """The explorer of every item of the model's dataset placed on its map."""
    from explorer.analysis.whole_dataset import whole_dataset_explorer

    return whole_dataset_explorer(explorer, progress=state.set_progress, check=state.check)


def prior_on_map(explorer, state) -> np.ndarray:
    return explorer.prior_on_map(PRIOR_SAMPLES)


def encode_and_place(explorer, items, cond, name: str, state) -> tuple[str, np.ndarray]:
    """New inputs' points on the map (k, 2), with the name they are announced by."""
    return name, explorer.project_new(explorer.encode_items(items, cond=cond))


class MapPanel(QWidget):
    placed = Signal(str, object)  # what was placed, its map points (k, 2)
    keep_map_requested = Signal()  # the user asks to save the map computed here into the model's file
    explorer_ready = Signal(object)  # a ModelExplorer to show: the whole dataset's, or the preview set's again

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.projection_task = TaskRunner(session.background_thread, self._on_projection_done,
                                          on_failed=self._on_projection_failed, on_progress=self._on_progress,
                                          parent=self)
        self.place_task = TaskRunner(session.model_thread, self._on_placed, parent=self)
        self.prior_task = TaskRunner(session.model_thread, self._on_prior_points, parent=self)
        self._refit_pending = False  # a later epoch arrived while the map of an earlier one was being fitted
        self._last_fit = None  # the last map fitted here, shown for a later epoch until its own map is ready
        self._kept: dict[tuple[bytes, str], object] = {}  # (digest of the latents, method) -> Projection
        self._fitting: tuple[bytes, str] | None = None  # the key of the map being fitted
        self._file_preview = None  # (preview, class names) of the map drawn from the file while the model loads
        self._flat = False  # the model shown has a 2-D latent, its own map
        self._held_method: str | None = None  # the method chosen, while a training run's snapshots show their own

        self.method = QComboBox()
        for method, name in SHOWN_METHODS.items():
            self.method.addItem(name, method)
        self.method.setToolTip("How the latent means are laid out in 2-D. A model saved by this version carries "
                               "its UMAP map; other maps are computed in the background.")
        self.colour_by = ElidedComboBox()  # "part of speech (WordNet)" beside the boxes at 1280x720: "part of spe…"
        self.colour_by.setToolTip("Colour items by their label (for WordNet's examples: the part of speech of the "
                                  "entry each sentence illustrates: noun, verb, adj, adv), sentences by their "
                                  "length, items with ground-truth factors by any factor.")
        self.colour_label = QLabel("Colour:")
        self.show_prior = QCheckBox("Prior samples")
        self.show_prior.setToolTip("Draw samples of the model's prior (grey) beside the data's codes: how well do "
                                   "the codes fill the prior? Exact for a 2-D latent, placed by the map otherwise.")
        self.region_labels = QCheckBox("Region labels")
        self.region_labels.setToolTip("Name the map's dense regions by the label most of their items have.")
        self.status = ElidedLabel()  # never widens the map; the whole line in its tooltip
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(120)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.keep_button = QPushButton("Save Map in File")
        self.keep_button.setToolTip("This file was saved without a map: save the map computed here into it, so it "
                                    "opens on this map next time.")
        self.keep_button.hide()
        self.whole_button = QPushButton("Whole Dataset")
        self.whole_button.setCheckable(True)
        self.whole_button.setToolTip("Encode every item of the model's dataset (when it is on this machine) and place "
                                     "them on this map with its head; press again for the preview set.")
        self.dataset_task = TaskRunner(session.background_thread, self._on_dataset_mapped,
                                       on_failed=self._on_dataset_failed, on_progress=self._on_progress, parent=self)
        self.modes = QButtonGroup(self)
        mode_row = QHBoxLayout()
        mode_row.addWidget(QLabel("Map:"))
        mode_row.addWidget(self.method)
        mode_row.addWidget(self.colour_label)
        mode_row.addWidget(self.colour_by)
        mode_row.addWidget(self.show_prior)
        mode_row.addWidget(self.region_labels)
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
        mode_row.addStretch(1)
        status_row = QHBoxLayout()  # a line of its own: beside the boxes it was cut off at 1280x720
        status_row.addWidget(self.progress)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.keep_button)
        status_row.addWidget(self.whole_button)

        self.scatter = LatentScatter(session.map_view_thread)
        self.scatter.preview_provider = self._preview
        self.group_view = ItemsView()
        self.group_view.setToolTip("The items of the selected group (click one to inspect it).")
        self.group_label = QLabel("Box or lasso a group of points to see its items here.")
        self.group_box = QWidget()
        group_layout = QVBoxLayout(self.group_box)
        group_layout.setContentsMargins(0, 0, 0, 0)
        group_layout.addWidget(self.group_label)
        group_layout.addWidget(self.group_view, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.scatter)
        splitter.addWidget(self.group_box)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(mode_row)
        layout.addLayout(status_row)
        layout.addWidget(splitter, 1)

        self.method.currentIndexChanged.connect(self._on_method_chosen)
        self.colour_by.currentTextChanged.connect(self._redraw_points)
        self.show_prior.toggled.connect(self.draw_prior)
        self.region_labels.toggled.connect(self.scatter.show_region_labels)
        session.projection_changed.connect(self.draw_prior)
        self.modes.buttonClicked.connect(self._on_mode)
        self.keep_button.clicked.connect(self.keep_map_requested)
        self.whole_button.toggled.connect(self._on_whole_dataset)
        self.scatter.point_clicked.connect(session.select)
        self.scatter.group_selected.connect(session.set_group)
        self.group_view.item_clicked.connect(self._on_group_item_clicked)
        session.model_changed.connect(self._on_model_changed)
        session.projection_changed.connect(self._redraw_points)
        session.selection_changed.connect(self.scatter.select)
        session.group_changed.connect(self._on_group_changed)
        self._show_group_view(False)
        session.path_changed.connect(self.scatter.set_path)

    @property
    def chosen_method(self) -> str:
        return self.method.currentData()

    # A file's map before its model has loaded
    def show_file_map(self, meta: dict, preview) -> None:
        """Draw the map a checkpoint carries (read without torch) while its model loads."""
        names = [printable(name) for name in meta.get("dataset", {}).get("class_names", [])]
        self._file_preview = preview, names
        self.scatter.set_points(preview.projection, preview.labels, names)
        method = (preview.map_info or {}).get("method", "pca")
        self.status.setText(f"{SHOWN_METHODS.get(method, method)} · loading the model…")

    # Model and map
    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        self._file_preview = None
        self.place_task.cancel()
        flat = explorer.means.shape[1] == 2
        # A later epoch (or a model of the same items and kind of map) keeps the map's method, colours and marks.
        if self.session.continued and flat == self._flat:
            if self.session.snapshot:  # a run's epoch, while it trains: the map it carries
                self._held_method = self._held_method or self.chosen_method
                self._show_method(explorer.map_method)
            elif self._held_method is not None:  # the run's final save: the method chosen before comes back
                self._show_method(self._held_method)
                self._held_method = None
            if explorer.map_method == self.chosen_method:  # the snapshot carries the map wanted
                self.projection_task.cancel()
                self._refit_pending = False
            elif self.projection_task.busy:  # the fit under way is shown when done, then this epoch's map
                self._refit_pending = True
            else:
                self.compute_projection()
            if (explorer.map_method != self.chosen_method and self._last_fit is not None
                    and self._last_fit.input_dim == explorer.means.shape[1]):
                explorer.set_projection(self._last_fit)  # the previous epoch's map until this one's is ready
            self._redraw_points()
            self._show_map_status()
            self.draw_prior()
            return
        self.projection_task.cancel()
        self._refit_pending, self._last_fit = False, None
        self._flat = flat
        self.method.blockSignals(True)
        whole = explorer.preview_explorer is not None  # its map is the preview's, never refitted on every item
        self.method.view().setRowHidden(self.method.findData(LATENT), not flat)
        given = explorer.map_in_file and explorer.checkpoint.preview.map_info["method"] == FILE_MAP
        self.method.view().setRowHidden(self.method.findData(FILE_MAP), not given)
        chosen = FILE_MAP if given else LATENT if flat else DEFAULT_METHOD
        self._held_method = chosen if self.session.snapshot and not whole else None
        carried = whole or self.session.snapshot  # maps never refitted on their own
        self.method.setCurrentIndex(self.method.findData(explorer.map_method if carried else chosen))
        self.method.setEnabled(not whole)
        self.whole_button.blockSignals(True)
        self.whole_button.setChecked(whole)
        self.whole_button.blockSignals(False)
        self.whole_button.setVisible(explorer.domain_name == "image")
        self.method.blockSignals(False)
        self.show_prior.blockSignals(True)
        self.show_prior.setChecked(flat and self.session.has_model)
        self.show_prior.setVisible(self.session.has_model)  # an embeddings file has no prior
        self.show_prior.blockSignals(False)
        self.draw_prior()
        self._fill_colour_choices(explorer)
        self.scatter.set_path(None)
        self.scatter.set_extra_points(None)
        self._redraw_points()
        self._on_group_changed(self.session.group)
        if explorer.map_method != self.chosen_method:
            self.compute_projection()
        self._show_map_status()

    def _show_method(self, method: str) -> None:
        self.method.blockSignals(True)
        self.method.setCurrentIndex(self.method.findData(method))
        self.method.blockSignals(False)

    def _fill_colour_choices(self, explorer) -> None:
        """Label; for sentences, length; for items with ground-truth factors, each factor (the box's data: a
        factor's index). The box shows only when there is a choice."""
        chosen = self.colour_by.currentText()
        self.colour_by.blockSignals(True)
        self.colour_by.clear()
        self.colour_by.addItem(LABEL_MEANINGS.get(explorer.checkpoint.dataset.get("id"), COLOUR_LABEL), COLOUR_LABEL)
        if explorer.domain_name == "text":
            self.colour_by.addItem(COLOUR_LENGTH, COLOUR_LENGTH)
        for factor, name in enumerate(explorer.factor_names if explorer.factors is not None else []):
            self.colour_by.addItem(f"factor: {name}", factor)
        kept = self.colour_by.findText(chosen)  # a later snapshot, or a model of the same data, keeps the choice
        self.colour_by.setCurrentIndex(kept if kept >= 0 else 0 if explorer.class_names or
                                       self.colour_by.count() == 1 else 1)
        self.colour_by.blockSignals(False)
        self.colour_by.setVisible(self.colour_by.count() > 1)
        self.colour_label.setVisible(self.colour_by.count() > 1)

    def _redraw_points(self) -> None:
        explorer = self.session.explorer
        choice = self.colour_by.currentData()
        factors = explorer.factors
        if choice == COLOUR_LENGTH and explorer.domain_name == "text":
            buckets, names = explorer.length_buckets()
            self.scatter.set_points(explorer.projection, buckets, names)
        elif isinstance(choice, int) and factors is not None and len(factors) == len(explorer.projection):
            self.scatter.set_points(explorer.projection, factors[:, choice], explorer.factor_value_names(choice),
                                    ordered=explorer.factor_is_ordered(choice))
        else:
            self.scatter.set_points(explorer.projection, explorer.labels, explorer.class_names)
        preview = explorer.preview_explorer
        self.scatter.set_highlighted(None if preview is None else preview.projection)
        self.scatter.select(self.session.selected)

    def _on_method_chosen(self) -> None:
        if not self.session.has_points:
            return
        self._last_fit = None
        explorer = self.session.explorer
        if explorer.map_in_file and explorer.checkpoint.preview.map_info["method"] == self.chosen_method:
            self.projection_task.cancel()
            self.progress.hide()
            self.session.restore_stored_map()
            self._show_map_status()
        else:
            self.compute_projection()

    def compute_projection(self) -> None:
        """Show the chosen map: one fitted earlier in this session at once, else fitted in the background (the
        newest request wins)."""
        if not self.session.has_points:
            return
        self._refit_pending = False
        means = self.session.explorer.means
        key = (hashlib.sha1(np.ascontiguousarray(means)).digest(), self.chosen_method)
        if key in self._kept:
            self.projection_task.cancel()
            self.progress.hide()
            self._last_fit = self._kept[key]
            self.session.set_projection(self._last_fit)
            self._show_map_status()
            return
        self._fitting = key
        self.progress.setValue(0)
        self.progress.show()
        self.projection_task.start(fit_map, self.session.map_worker, means, self.chosen_method)
        self._show_map_status()

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self._show_map_status(text)

    def _on_projection_done(self, projection) -> None:
        self._last_fit = self._kept[self._fitting] = projection
        while len(self._kept) > KEPT_MAPS:
            del self._kept[next(iter(self._kept))]
        self.progress.hide()
        self.session.set_projection(projection)
        if self._refit_pending:
            self.compute_projection()
        self._show_map_status()

    def _on_projection_failed(self, error: BaseException) -> None:
        self.progress.hide()
        self._refit_pending = False
        self.status.setText(f"{self.method.currentText()} failed: "
                            f"{str(error).splitlines()[0] if str(error) else repr(error)}")

    def _show_map_status(self, doing: str = "") -> None:
        """Which map is on show, how it came about, and what is being computed."""
        explorer = self.session.explorer
        shown = SHOWN_METHODS.get(explorer.map_method, explorer.map_method)
        if self.dataset_task.busy:
            text = "Whole dataset: " + (doing or "starting…")
        elif self.projection_task.busy:
            note = f"computing {self.method.currentText()}" + (f": {doing}" if doing else "…")
            text = note if shown == self.method.currentText() else f"{note} ({shown} shown until it is ready)"
        elif explorer.preview_explorer is not None:
            text = (f"{shown} of the preview set · the dataset's {len(explorer.labels):,} items placed on it by its "
                    "head")
        else:
            saved = "saved with the model" if self.session.has_model else "in the file"
            text = f"{shown} · {saved if explorer.map_saved else 'computed here'}"
            if self.session.snapshot and explorer.map_method != DEFAULT_METHOD:
                text += (f" · the run's snapshot: its {SHOWN_METHODS[DEFAULT_METHOD]} map comes with the final save "
                         "(or pick a method to fit one now)")
            if explorer.map_r2 is not None:
                text += f" · new points placed by its head (R² {explorer.map_r2:.2f} on held-out latents)"
        self.status.setText(text)
        self.keep_button.setVisible(self.session.has_model and not self.projection_task.busy
                                    and not explorer.map_in_file and explorer.map_method == DEFAULT_METHOD)

    # The whole dataset
    def _on_whole_dataset(self, checked: bool) -> None:
        explorer = self.session.explorer
        if not checked:
            self.dataset_task.cancel()
            self.progress.hide()
            if explorer.preview_explorer is not None:
                self.explorer_ready.emit(explorer.preview_explorer)
            else:
                self._show_map_status()
            return
        self.progress.setValue(0)
        self.progress.show()
        self.dataset_task.start(map_dataset, explorer)

    def _on_dataset_mapped(self, explorer) -> None:
        self.progress.hide()
        self.explorer_ready.emit(explorer)

    def _on_dataset_failed(self, error: BaseException) -> None:
        self.progress.hide()
        self.whole_button.blockSignals(True)
        self.whole_button.setChecked(False)
        self.whole_button.blockSignals(False)
        self.status.setText(f"Whole dataset: {str(error).splitlines()[0] if str(error) else repr(error)}")

    def map_saved(self) -> None:
        """The map on show was saved into the file."""
        self._show_map_status()

    @property
    def busy(self) -> bool:
        return self.projection_task.busy or self.dataset_task.busy

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
        if self.session.has_points:
            explorer = self.session.explorer
            item = explorer.items([index])[0]
            caption = self.session.describe_item(index)
        elif self._file_preview is not None and self._file_preview[0].lengths is None:
            preview, names = self._file_preview
            caption = captions.item(index, int(preview.labels[index]), names)
            return captioned_thumbnail(preview.inputs[index], caption, self.palette())
        else:
            return None
        if isinstance(item, np.ndarray):
            return captioned_thumbnail(item, caption, self.palette())
        return caption if item == caption else f"{caption}\n{item}"  # points with no text show their caption

    def _show_group_view(self, shown: bool) -> None:
        """The group's items below the map while there is a group; only a line of help while there is none."""
        if shown == self.group_view.isVisibleTo(self):
            return
        self.group_view.setVisible(shown)
        self.group_box.setMaximumHeight(QWIDGETSIZE_MAX if shown else self.group_label.sizeHint().height())
        if shown:
            total = sum(self.splitter.sizes())
            self.splitter.setSizes([total - total // GROUP_SHARE, total // GROUP_SHARE])

    def _on_group_changed(self, group: np.ndarray) -> None:
        self.scatter.set_group(group)
        self._show_group_view(len(group) > 0)
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
