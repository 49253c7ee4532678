"""File ▸ Export: everything the window shows, written by the core's writers (explorer.io.export) or, for plots,
by export_widget. Image grids are written at the scale chosen in the menu (Auto: cells about 64 pixels tall); the
map at the size chosen there, made in the map's worker (write_map_picture)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PySide6.QtGui import QAction, QActionGroup

from explorer.errors import ExplorerError
from explorer.gui import settings
from explorer.gui.concurrent import TaskRunner
from explorer.gui.widgets.export import IMAGE_FILTERS, export_widget
from explorer.gui.widgets.map_picture import check_picture_path, write_map_picture

GRID_SCALES = ("auto", 1, 2, 4, 8)
MAP_SIZES = ("shown", "1920x1080", "3840x2160", "7680x4320")  # the map picture's width x height
RECONSTRUCTION_LIMIT = 64  # items shown as input/reconstruction pairs when no group is selected
PAIR_COLUMNS = 16
GRID_FILTER = "PNG image (*.png)"
TEXT_FILTERS = "Text (*.txt);;CSV table (*.csv)"
TABLE_FILTER = "CSV table (*.csv)"


class Exports:
    """Builds the Export menu of ``window`` and writes what each entry names."""

    def __init__(self, window, menu):
        self.window = window
        self.menu = menu
        entries = (
            ("Latent map (PNG/SVG)…", self.map,
             "Save the latent map as a picture at the size chosen under Map Size: its density and points, with the "
             "legend."),
            ("Latents with labels (CSV/NPZ)…", self.latents,
             "Save the preview set's latent means and σ, labels and map coordinates."),
            ("Map for Embedding Atlas (Parquet)…", self.atlas,
             "Save one table of the preview items: map coordinates, labels, latent means and each item (a PNG "
             "thumbnail or the sentence), as Embedding Atlas and Spotlight open it."),
            ("Map for TensorBoard Projector (folder)…", self.projector,
             "Save the latent means, a metadata table, a sprite of the items and projector_config.pbtxt."),
            ("Selected group (PNG/CSV)…", self.group,
             "Save the items of the group selected on the map, or their indices, labels and latents."),
            ("Training history (CSV)…", self.history, "Save the per-epoch training history as a table."),
            ("Training curves (PNG/SVG)…", self.curves, "Save the training plots as a picture."),
            ("Posterior bars (PNG/SVG)…", self.posterior, "Save the inspector's bar chart as a picture."),
            ("Reconstructions…", self.reconstructions,
             "Save inputs above their reconstructions: the selected group, else the first preview items."),
            ("Traversal grid…", self.traversal, "Save the traversal's decodes."),
            ("Scrub decode…", self.scrub, "Save the decode at the traversal slider's value."),
            ("Manifold grid…", self.manifold, "Save the 2-D manifold's decodes."),
            ("Interpolation strip…", self.interpolation, "Save the interpolation's decodes."),
            ("Class swap row…", self.class_swap, "Save A's latent decoded with every class (CVAE)."),
            ("Samples grid…", self.samples, "Save the samples."),
            ("Analogy row…", self.analogy, "Save A, B, C and the decode of A − B + C."),
            ("Attribute row…", self.attribute, "Save the selected item moved along the attribute vector."),
            ("Sentence neighbours (TXT/CSV)…", self.neighbours,
             "Save the typed sentence's nearest preview sentences, with their indices, labels and distances."),
        )
        map_only = {self.map, self.latents, self.atlas, self.projector, self.group}  # an embeddings file's too
        self.actions, self.decoding_actions = [], []
        for text, slot, tip in entries:
            action = menu.addAction(text)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(slot)
            self.actions.append(action)
            if slot not in map_only:
                self.decoding_actions.append(action)
        menu.addSeparator()
        self.scale_menu = menu.addMenu("Grid &Scale")
        self.scale_menu.setToolTipsVisible(True)
        self.scale_group = QActionGroup(window)
        chosen = settings.app_settings().value("export/grid_scale", "auto")
        for scale in GRID_SCALES:
            text = "Auto (cells about 64 px)" if scale == "auto" else f"{scale}×"
            action = QAction(text, window, checkable=True)
            action.setData(scale)
            action.setChecked(str(scale) == str(chosen))
            action.setToolTip("How much image grids are enlarged when exported (whole pixels, no smoothing).")
            self.scale_group.addAction(action)
            self.scale_menu.addAction(action)
        if self.scale_group.checkedAction() is None:
            self.scale_group.actions()[0].setChecked(True)
        self.scale_group.triggered.connect(self._remember_scale)
        self.map_size_menu = menu.addMenu("&Map Size")
        self.map_size_menu.setToolTipsVisible(True)
        self.map_size_group = QActionGroup(window)
        chosen = settings.app_settings().value("export/map_size", MAP_SIZES[0])
        for size in MAP_SIZES:
            action = QAction("As shown" if size == "shown" else size.replace("x", " × "), window, checkable=True)
            action.setData(size)
            action.setChecked(size == chosen)
            action.setToolTip("The exported map picture's size in pixels (the legend included).")
            self.map_size_group.addAction(action)
            self.map_size_menu.addAction(action)
        if self.map_size_group.checkedAction() is None:
            self.map_size_group.actions()[0].setChecked(True)
        self.map_size_group.triggered.connect(self._remember_map_size)
        self.map_task = TaskRunner(window.session.map_view_thread, self._on_map_written,
                                   on_failed=self._on_map_failed, parent=window)
        self.labels_action = QAction("Label Grid Rows and Columns", window, checkable=True)
        self.labels_action.setChecked(settings.app_settings().value("export/grid_labels", True, type=bool))
        self.labels_action.setToolTip("Write each grid's row and column labels (dimension and KL, steps, classes…) "
                                      "beside it.")
        self.labels_action.toggled.connect(self._remember_labels)
        menu.addAction(self.labels_action)

    @property
    def session(self):
        return self.window.session

    def set_enabled(self, points: bool, decodes: bool) -> None:
        """The map's exports when something is on it; the rest when a model decodes (not an embeddings file)."""
        for action in self.actions:
            action.setEnabled(decodes if action in self.decoding_actions else points)

    # Options
    def _remember_scale(self, action) -> None:
        settings.app_settings().setValue("export/grid_scale", action.data())

    def _remember_map_size(self, action) -> None:
        settings.app_settings().setValue("export/map_size", action.data())

    def map_size(self) -> tuple[int, int]:
        """The chosen size of an exported map picture (width, height)."""
        chosen = self.map_size_group.checkedAction().data()
        if chosen == "shown":
            scatter = self.window.map_panel.scatter
            return scatter.width(), scatter.height()
        width, height = chosen.split("x")
        return int(width), int(height)

    def _remember_labels(self, checked: bool) -> None:
        settings.app_settings().setValue("export/grid_labels", checked)

    def grid_scale(self, cell_height: int) -> int:
        from explorer.io.export import auto_scale

        scale = self.scale_group.checkedAction().data()
        return auto_scale(cell_height) if scale == "auto" else int(scale)

    # Asking and writing
    def ask_path(self, caption: str, name: str, filters: str) -> str | None:
        stem = Path(self.session.path).stem if self.session.path else "latent-explorer"
        default = Path(settings.last_folder()) / f"{stem}-{name}"
        path = self.window.prompts.save_path(caption, str(default), filters)
        if path:
            settings.set_last_folder(path)
        return path

    def write(self, write, path: str) -> None:
        try:
            written = write(path)
        except (ExplorerError, OSError) as error:
            self.window.prompts.error("Export failed", f"{path}\n\n{error}")
            return
        self.window.statusBar().showMessage(f"Wrote {written or path}", 10_000)

    def nothing(self, what: str) -> None:
        self.window.statusBar().showMessage(f"Nothing to export: {what}", 10_000)

    def widget(self, widget, caption: str, name: str) -> None:
        path = self.ask_path(caption, f"{name}.png", IMAGE_FILTERS)
        if path:
            self.write(lambda p: export_widget(widget, p), path)

    def grid(self, name: str, images: np.ndarray, ncols: int, row_labels=None, col_labels=None) -> None:
        from explorer.io.export import save_image_grid

        path = self.ask_path(f"Export {name}", f"{name}.png", GRID_FILTER)
        if not path:
            return
        labelled = self.labels_action.isChecked()
        scale = self.grid_scale(images.shape[1])
        self.write(lambda p: save_image_grid(p, images, ncols, scale=scale,
                                             row_labels=row_labels if labelled else None,
                                             col_labels=col_labels if labelled else None), path)

    def sentences(self, name: str, sentences: list[str], extra_columns: dict[str, list] | None = None) -> None:
        from explorer.io.export import save_sentences

        path = self.ask_path(f"Export {name}", f"{name}.txt", TEXT_FILTERS)
        if path:
            self.write(lambda p: save_sentences(p, sentences, extra_columns), path)

    def view(self, view, name: str) -> None:
        """An ItemsView as a grid of images or a list of sentences, with the labels it shows."""
        if not view.count:
            self.nothing(f"the {name} view is empty")
        elif view.is_images():
            self.grid(name, view.items, view.grid.ncols, view.row_labels, view.col_labels)
        else:
            self.sentences(name, list(view.items))

    # The entries
    def map(self) -> None:
        picture = self.window.map_panel.scatter.layers.picture()
        if picture is None:
            self.nothing("the map is still being prepared")
            return
        path = self.ask_path("Export latent map", "map.png", IMAGE_FILTERS)
        if not path:
            return
        try:
            check_picture_path(path)
        except ExplorerError as error:
            self.window.prompts.error("Export failed", f"{path}\n\n{error}")
            return
        self.window.statusBar().showMessage(f"Writing {path}…")
        self.map_task.start(write_map_picture, picture, path, self.map_size())

    def _on_map_written(self, path) -> None:
        self.window.statusBar().showMessage(f"Wrote {path}", 10_000)

    def _on_map_failed(self, error: BaseException) -> None:
        if not isinstance(error, (ExplorerError, OSError)):
            sys.excepthook(type(error), error, error.__traceback__)  # a bug: the app's report, not a message
            return
        self.window.statusBar().clearMessage()
        self.window.prompts.error("Export failed", str(error))

    def curves(self) -> None:
        self.widget(self.window.training.curves, "Export training curves", "curves")

    def posterior(self) -> None:
        self.widget(self.window.inspector.bars, "Export posterior bars", "posterior")

    def latents(self) -> None:
        from explorer.io.export import save_latents

        explorer = self.session.explorer
        path = self.ask_path("Export latents", "latents.csv", "CSV table (*.csv);;NumPy archive (*.npz)")
        if path:
            self.write(lambda p: save_latents(p, explorer.means, explorer.labels, explorer.projection,
                                              explorer.class_names, explorer.stds, factors=explorer.factors,
                                              factor_table=explorer.factor_table), path)

    def atlas(self) -> None:
        from explorer.io.map_export import save_map

        explorer = self.session.explorer
        path = self.ask_path("Export for Embedding Atlas", "atlas.parquet", "Parquet table (*.parquet)")
        if path:
            self.write(lambda p: save_map("atlas", p, explorer), path)

    def projector(self) -> None:
        from explorer.io.map_export import save_map

        explorer = self.session.explorer
        path = self.ask_path("Export for TensorBoard Projector (a folder)", "projector", "Folder (*)")
        if path:
            self.write(lambda p: save_map("projector", p, explorer), path)

    def group(self) -> None:
        """The selected group: its items as a grid (or sentences), or a table of indices, labels and latents."""
        from explorer.io.export import save_latents

        explorer, group = self.session.explorer, self.session.group
        if not len(group):
            self.nothing("no group is selected (box or lasso points on the map)")
            return
        items = explorer.items(group)  # images, or sentences (an embeddings file's points: thumbnails or texts)
        images = isinstance(items, np.ndarray)
        items_filter = GRID_FILTER if images else "Text (*.txt)"
        path = self.ask_path("Export selected group", "group.csv", f"{TABLE_FILTER};;{items_filter}")
        if not path:
            return
        from explorer.io.export import save_image_grid, save_sentences

        stds = None if explorer.stds is None else explorer.stds[group]
        if Path(path).suffix.lower() == ".csv":
            factors = None if explorer.factors is None else explorer.factors[group]
            self.write(lambda p: save_latents(p, explorer.means[group], explorer.labels[group],
                                              explorer.projection[group], explorer.class_names, stds,
                                              indices=group, factors=factors, factor_table=explorer.factor_table),
                       path)
        elif images:
            scale = self.grid_scale(items.shape[1])
            self.write(lambda p: save_image_grid(p, items, PAIR_COLUMNS, scale=scale), path)
        else:
            self.write(lambda p: save_sentences(p, items), path)

    def history(self) -> None:
        from explorer.io.export import save_history_csv

        history = self.session.explorer.checkpoint.history or self.window.training.curves.history
        path = self.ask_path("Export training history", "history.csv", TABLE_FILTER)
        if path:
            self.write(lambda p: save_history_csv(p, history), path)

    def reconstructions(self) -> None:
        from explorer.io.export import pair_rows

        explorer = self.session.explorer
        group = self.session.group
        indices = group if len(group) else np.arange(min(RECONSTRUCTION_LIMIT, len(explorer.labels)))
        inputs, outputs = explorer.items(indices), explorer.reconstruct(indices)
        if explorer.domain_name == "text":
            self.sentences("reconstructions", list(outputs),
                           {"preview_index": [int(i) for i in indices], "input": list(inputs)})
            return
        ncols = min(PAIR_COLUMNS, len(indices))
        images, nrows = pair_rows(inputs, outputs, ncols)
        self.grid("reconstructions", images, ncols, row_labels=["input", "reconstruction"] * (nrows // 2))

    def traversal(self) -> None:
        self.view(self.window.traversal.view, "traversal")

    def scrub(self) -> None:
        self.view(self.window.traversal.scrub_view, "scrub")

    def manifold(self) -> None:
        self.view(self.window.manifold.view, "manifold")

    def interpolation(self) -> None:
        self.view(self.window.interpolation.view, "interpolation")

    def class_swap(self) -> None:
        if not self.session.explorer.conditional:
            self.nothing("a class swap needs a conditional model (CVAE)")
            return
        self.view(self.window.interpolation.swap_view, "class-swap")

    def samples(self) -> None:
        self.view(self.window.samples.view, "samples")

    def analogy(self) -> None:
        self.view(self.window.arithmetic.analogy_view, "analogy")

    def attribute(self) -> None:
        self.view(self.window.arithmetic.attribute_view, "attribute")

    def neighbours(self) -> None:
        shown = self.window.sentences.shown
        if shown is None:
            self.nothing("no sentence is typed and encoded (Sentences tab)")
            return
        query, typed = shown
        indices = [int(i) for i in typed.neighbours]
        self.sentences("neighbours", list(typed.neighbour_texts),
                       {"preview_index": indices, "label": [self.session.describe_item(i) for i in indices],
                        "distance": [round(float(d), 4) for d in typed.distances],
                        "neighbour_of": [query] * len(indices)})
