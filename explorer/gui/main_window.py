"""The main window: the latent map in the centre, the model and inspector panels docked beside it and the tabs
(Training, Traversal, Interpolation, Samples, Arithmetic) below; menus, shortcuts, drag-and-drop, status bar."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget

from explorer.errors import ExplorerError
from explorer.io.display import printable
from explorer.gui import settings
from explorer.gui.dialogs import Prompts
from explorer.gui.panels.arithmetic_panel import ArithmeticPanel
from explorer.gui.panels.inspector_panel import InspectorPanel
from explorer.gui.panels.interpolation_panel import InterpolationPanel
from explorer.gui.panels.manifold_panel import ManifoldPanel
from explorer.gui.panels.map_panel import MapPanel
from explorer.gui.panels.model_panel import ModelPanel
from explorer.gui.panels.samples_panel import SamplesPanel
from explorer.gui.panels.sentence_panel import SentencePanel
from explorer.gui.panels.training_panel import TrainingPanel
from explorer.gui.panels.traversal_panel import TraversalPanel
from explorer.gui.session import Session
from explorer.gui.widgets.export import IMAGE_FILTERS, export_widget

CHECKPOINT_FILTER = "Checkpoints (*.safetensors)"


def image_to_array(image: QImage, shape: tuple[int, ...]) -> np.ndarray:
    """A QImage as uint8 in the model's item shape: (H, W) grey or (H, W, 3) colour, resized to fit."""
    height, width = shape[0], shape[1]
    colour = len(shape) == 3
    image = image.convertToFormat(QImage.Format.Format_RGB888 if colour else QImage.Format.Format_Grayscale8)
    image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    rows = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    pixels = rows[:, :width * (3 if colour else 1)]
    return (pixels.reshape(height, width, 3) if colour else pixels).copy()
TITLE = "Latent Explorer"


class MainWindow(QMainWindow):
    def __init__(self, prompts: Prompts | None = None):
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("main_window")
        self.prompts = prompts or Prompts(self)
        self.remember_layout = True  # off for unattended screenshots, which use the default layout
        self._closing = False
        self.session = Session(self)

        self.map_panel = MapPanel(self.session)
        self.model_panel = ModelPanel(self.session)
        self.inspector = InspectorPanel(self.session)
        self.training = TrainingPanel(self.session)
        self.traversal = TraversalPanel(self.session)
        self.manifold = ManifoldPanel(self.session)
        self.interpolation = InterpolationPanel(self.session)
        self.samples = SamplesPanel(self.session)
        self.arithmetic = ArithmeticPanel(self.session)
        self.sentences = SentencePanel(self.session)

        self.setCentralWidget(self.map_panel)
        self.tabs = QTabWidget()
        for panel, name, tip in (
                (self.training, "Training", "Train a model and watch its curves."),
                (self.traversal, "Traversal", "Sweep latent dimensions one at a time."),
                (self.manifold, "Manifold", "Two dimensions swept over the prior's quantiles, as a grid."),
                (self.interpolation, "Interpolation", "Walk the latent space between two items."),
                (self.samples, "Samples", "Draw new items from the prior."),
                (self.arithmetic, "Arithmetic", "Analogies and attribute vectors in latent space."),
                (self.sentences, "Sentences", "Type a sentence to encode it; choose how sentences are decoded.")):
            index = self.tabs.addTab(panel, name)
            self.tabs.setTabToolTip(index, tip)
        self.model_dock = self._dock("Model", self.model_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabs_dock = self._dock("Tools", self.tabs, Qt.DockWidgetArea.BottomDockWidgetArea)

        self.status_device, self.status_model, self.status_dataset = QLabel(), QLabel(), QLabel()
        for label in (self.status_device, self.status_model, self.status_dataset):
            label.setTextFormat(Qt.TextFormat.PlainText)  # the model's label and dataset id come from the file
            self.statusBar().addPermanentWidget(label)
        self.empty_hint = "No model loaded: press New training… or open a checkpoint (File ▸ Open, Ctrl+O)."
        self.statusBar().showMessage(self.empty_hint)
        self._build_menus()
        self.setAcceptDrops(True)

        self.model_panel.new_training.clicked.connect(self.show_training)
        self.model_panel.open_button.clicked.connect(self.open_dialog)
        self.model_panel.save_button.clicked.connect(self.save_as)
        self.model_panel.continue_button.clicked.connect(self.continue_training)
        self.training.run_finished.connect(self._on_run_finished)
        self.training.checkpoint_written.connect(self._on_epoch_checkpoint)
        self.training.run_failed.connect(self._on_run_failed)
        self.session.model_changed.connect(self._update_status)
        self.session.model_changed.connect(self._show_domain_tabs)
        self.sentences.placed.connect(self.map_panel.scatter.set_extra_points)
        self.map_panel.placed.connect(self._on_placed)
        self._show_domain_tabs()
        self._update_actions()
        self.resize(1400, 900)
        self.resizeDocks([self.model_dock, self.inspector_dock], [260, 420], Qt.Orientation.Horizontal)
        self.resizeDocks([self.tabs_dock], [330], Qt.Orientation.Vertical)

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # Menus
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action("&Open…", self.open_dialog, QKeySequence.StandardKey.Open,
                                        "Open a checkpoint and explore it.")
        self.save_action = self._action("&Save", self.save, QKeySequence.StandardKey.Save,
                                        "Save the loaded model to its file (or choose one).")
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs,
                                           "Save the loaded model to a new checkpoint file.")
        self.watch_action = self._action("&Watch a Run…", self.watch_run_dialog, "Ctrl+Shift+W",
                                         "Follow a run folder written by train --run-dir (here, or synced from a "
                                         "GPU server): live curves and its latest checkpoint.")
        self.place_action = self._action("&Place a New Input on the Map…", self.place_input_dialog, "Ctrl+I",
                                         "Encode an image file or a sentence and mark where it lands on the map.")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addAction(self.watch_action)
        file_menu.addAction(self.place_action)
        self.export_menu = file_menu.addMenu("&Export")
        exports = (
            ("Latent map (PNG/SVG)…", self.export_map, "Save the latent map as a picture."),
            ("Latents with labels (CSV/NPZ)…", self.export_latents,
             "Save the preview set's latent means, labels and map coordinates."),
            ("Training history (CSV)…", self.export_history, "Save the per-epoch training history as a table."),
            ("Training curves (PNG/SVG)…", self.export_curves, "Save the training plots as a picture."),
            ("Posterior bars (PNG/SVG)…", self.export_posterior, "Save the inspector's bar chart as a picture."),
            ("Traversal grid…", self.export_traversal, "Save the traversal's decodes."),
            ("Manifold grid…", self.export_manifold, "Save the 2-D manifold's decodes."),
            ("Interpolation strip…", self.export_interpolation, "Save the interpolation's decodes."),
            ("Samples grid…", self.export_samples, "Save the samples."),
        )
        self.export_actions = [self._action(text, slot, tip=tip) for text, slot, tip in exports]
        for action in self.export_actions:
            self.export_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "Close the app."))
        view_menu = self.menuBar().addMenu("&View")
        for dock in (self.model_dock, self.inspector_dock, self.tabs_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        for index in range(self.tabs.count()):
            name = self.tabs.tabText(index)
            action = self._action(f"&{name}", self._show_tab, f"Ctrl+{index + 1}", f"Show the {name} tab.")
            action.setData(index)
            view_menu.addAction(action)
        for menu in (file_menu, self.recent_menu, self.export_menu, view_menu):
            menu.setToolTipsVisible(True)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.setData(path)
            action.triggered.connect(self._open_recent)
        self.recent_menu.setEnabled(bool(files))

    def _open_recent(self) -> None:
        self.open_checkpoint(self.sender().data())

    def _update_actions(self) -> None:
        loaded = self.session.has_model
        for action in (self.save_action, self.save_as_action, *self.export_actions):
            action.setEnabled(loaded)
        self.place_action.setEnabled(loaded)
        self.model_panel.save_button.setEnabled(loaded)

    def _show_tab(self) -> None:
        self.tabs_dock.show()
        self.tabs.setCurrentIndex(self.sender().data())

    def show_training(self) -> None:
        self.tabs_dock.show()
        self.tabs.setCurrentWidget(self.training)

    # Opening and saving
    def open_dialog(self) -> None:
        path = self.prompts.open_path("Open checkpoint", settings.last_folder(), CHECKPOINT_FILTER)
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: str, keep_selection: bool = False, remember: bool = True) -> bool:
        """Load and show a checkpoint; on failure show why and keep what is open. ``keep_selection`` for a newer
        snapshot of the run on screen; ``remember`` puts it in the recent files."""
        from explorer.analysis.explore import ModelExplorer
        from explorer.io.checkpoint import load_checkpoint

        try:
            explorer = ModelExplorer(load_checkpoint(path))
        except (ExplorerError, OSError) as error:
            self.prompts.error("Could not open checkpoint", str(error))  # the error names the file
            return False
        self._show(explorer, str(path), keep_selection)
        if not keep_selection and self.tabs.currentWidget() is self.training and not self.training.running:
            self.tabs.setCurrentWidget(self.traversal)  # a file opened to explore; a run's own result stays put
        if remember:
            settings.add_recent_file(str(Path(path).resolve()))
        return True

    def show_checkpoint(self, checkpoint, path: str | None, keep_selection: bool = False) -> None:
        from explorer.analysis.explore import ModelExplorer

        self._show(ModelExplorer(checkpoint), path, keep_selection)

    def _show(self, explorer, path: str | None, keep_selection: bool = False) -> None:
        self.session.set_model(explorer, path, continued=keep_selection)
        if self.session.selected < 0 and len(explorer.labels):
            self.session.select(0)
        self._update_actions()

    def save(self) -> None:
        if self.session.path:
            self._save_to(self.session.path)
        else:
            self.save_as()

    def save_as(self) -> None:
        if not self.session.has_model:
            return
        default = Path(settings.last_folder()) / (Path(self.session.path).name if self.session.path
                                                  else "model.safetensors")
        path = self.prompts.save_path("Save checkpoint", str(default), CHECKPOINT_FILTER)
        if path:
            self._save_to(path)

    def _save_to(self, path: str) -> None:
        from explorer.io.checkpoint import save_checkpoint

        checkpoint = self.session.explorer.checkpoint
        try:
            written = save_checkpoint(path, checkpoint.model, checkpoint.meta, checkpoint.preview,
                                      checkpoint.optimizer_state)
        except (ExplorerError, OSError) as error:
            self.prompts.error("Could not save", f"{path}\n\n{error}")
            return
        self.session.path = str(written)
        settings.add_recent_file(str(Path(written).resolve()))
        self.model_panel.refresh()
        self.statusBar().showMessage(f"Saved {written}", 10_000)

    # New inputs
    def place_input_dialog(self) -> None:
        if self.session.explorer.domain_name == "text":
            sentence = self.prompts.ask_text("Place a sentence on the map", "Sentence:")
            if sentence:
                self.place_items([sentence], f"“{sentence}”")
            return
        path = self.prompts.open_path("Place an image on the map", settings.last_folder(),
                                      "Images (*.png *.jpg *.jpeg *.bmp)")
        if path:
            self.place_image(path)

    def place_image(self, path: str) -> None:
        """Encode an image file (resized to the model's input) and mark it on the map."""
        image = QImage(path)
        if image.isNull():
            self.prompts.error("Could not read the image", f"{path}\n\nnot an image file Qt can read")
            return
        item = image_to_array(image, self.session.explorer.items([0]).shape[1:])
        self.place_items(item[None], Path(path).name)

    def place_items(self, items, name: str) -> None:
        """Encode new inputs and mark them on the map with the map's own projection (in a worker)."""
        self.map_panel.place_items(items, name)

    def _on_placed(self, name: str, points: np.ndarray) -> None:
        self.statusBar().showMessage(f"Placed {name} at ({points[0, 0]:.2f}, {points[0, 1]:.2f})", 10_000)

    # Training: runs are child processes; what they save is opened here
    def continue_training(self) -> None:
        """Set the Training tab up to continue the open model with its settings, optimizer state and history."""
        explorer = self.session.explorer
        options = explorer.checkpoint.meta.get("run_options")
        if not self.session.path or not isinstance(options, dict) or not explorer.checkpoint.optimizer_state:
            self.prompts.error("Cannot continue training",
                               "This model cannot be continued: it has no file, or it was saved without its "
                               "optimizer state or its run settings (an older version, or --no-optimizer-state).")
            return
        self.training.continue_from(self.session.path, options)
        self.show_training()

    def watch_run_dialog(self) -> None:
        folder = self.prompts.open_folder("Watch a run folder", str(self.training.runs_folder()))
        if folder:
            self.watch_run(folder)

    def watch_run(self, folder: str) -> None:
        try:
            self.training.watch(folder)
        except ExplorerError as error:
            self.prompts.error("Cannot watch this folder", str(error))
            return
        self.show_training()

    def _on_run_finished(self, path: str, status: str) -> None:
        if path and self._closing:
            settings.add_recent_file(str(Path(path).resolve()))
            return
        if path:
            self.open_checkpoint(path, keep_selection=True)
        words = "Training stopped early" if status == "stopped" else "Training finished"
        self.statusBar().showMessage(f"{words}; saved to {path}" if path else words, 10_000)

    def _on_epoch_checkpoint(self, path: str) -> None:
        self.open_checkpoint(path, keep_selection=True, remember=False)

    def _on_run_failed(self, title: str, message: str) -> None:
        self.prompts.error(title, message)

    # Exports
    def _ask_export_path(self, caption: str, suffix_name: str, filters: str) -> str | None:
        stem = Path(self.session.path).stem if self.session.path else "latent-explorer"
        default = Path(settings.last_folder()) / f"{stem}-{suffix_name}"
        path = self.prompts.save_path(caption, str(default), filters)
        if path:
            settings.set_last_folder(path)
        return path

    def _export(self, write, path: str) -> None:
        try:
            written = write(path)
        except (ExplorerError, OSError) as error:
            self.prompts.error("Export failed", f"{path}\n\n{error}")
            return
        self.statusBar().showMessage(f"Wrote {written or path}", 10_000)

    def _export_widget(self, widget, caption: str, name: str) -> None:
        path = self._ask_export_path(caption, f"{name}.png", IMAGE_FILTERS)
        if path:
            self._export(lambda p: export_widget(widget, p), path)

    def export_map(self) -> None:
        self._export_widget(self.map_panel.scatter, "Export latent map", "map")

    def export_curves(self) -> None:
        self._export_widget(self.training.plots_widget, "Export training curves", "curves")

    def export_posterior(self) -> None:
        self._export_widget(self.inspector.bars, "Export posterior bars", "posterior")

    def export_latents(self) -> None:
        from explorer.io.export import save_latents

        explorer = self.session.explorer
        path = self._ask_export_path("Export latents", "latents.csv", "CSV table (*.csv);;NumPy archive (*.npz)")
        if path:
            self._export(lambda p: save_latents(p, explorer.means, explorer.labels, explorer.projection,
                                                explorer.class_names), path)

    def export_history(self) -> None:
        from explorer.io.export import save_history_csv

        history = self.session.explorer.checkpoint.history or self.training.history
        path = self._ask_export_path("Export training history", "history.csv", "CSV table (*.csv)")
        if path:
            self._export(lambda p: save_history_csv(p, history), path)

    def export_traversal(self) -> None:
        self._export_items(self.traversal.view, "traversal")

    def export_manifold(self) -> None:
        self._export_items(self.manifold.view, "manifold")

    def export_interpolation(self) -> None:
        self._export_items(self.interpolation.view, "interpolation")

    def export_samples(self) -> None:
        self._export_items(self.samples.view, "samples")

    def _export_items(self, view, name: str) -> None:
        """A grid of images as a PNG at the images' own resolution, or sentences as text."""
        from explorer.io.export import save_image_grid, save_sentences

        if not view.count:
            self.statusBar().showMessage(f"Nothing to export: the {name} view is empty", 10_000)
            return
        if view.is_images():
            path = self._ask_export_path(f"Export {name}", f"{name}.png", "PNG image (*.png)")
            if path:
                self._export(lambda p: save_image_grid(p, view.items, view.grid.ncols), path)
        else:
            path = self._ask_export_path(f"Export {name}", f"{name}.txt", "Text (*.txt);;CSV table (*.csv)")
            if path:
                self._export(lambda p: save_sentences(p, list(view.items)), path)

    # Status, drag-and-drop, closing
    def _show_domain_tabs(self) -> None:
        """The Sentences tab only means something for a text model."""
        is_text = self.session.has_model and self.session.explorer.domain_name == "text"
        self.tabs.setTabVisible(self.tabs.indexOf(self.sentences), is_text)

    def _update_status(self) -> None:
        explorer = self.session.explorer
        self.status_device.setText(f"device: {explorer.model.device}")
        self.status_model.setText(f"model: {printable(explorer.label, 60)} (z={explorer.latent_dim})")
        self.status_dataset.setText(f"dataset: {printable(explorer.checkpoint.dataset.get('id', '?'), 60)}")
        name = Path(self.session.path).name if self.session.path else "unsaved run"
        self.setWindowTitle(f"{name} — {TITLE}")
        self.statusBar().clearMessage()

    def dragEnterEvent(self, event) -> None:
        if any(url.toLocalFile().endswith(".safetensors") for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.toLocalFile().endswith(".safetensors"):
                self.open_checkpoint(url.toLocalFile())
                event.acceptProposedAction()
                return

    def restore_layout(self) -> None:
        values = settings.app_settings()
        geometry, state = values.value("window/geometry"), values.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event) -> None:
        if self.training.process is not None:
            if not self.prompts.confirm("Training is running",
                                        "Stop training and quit? The model as it is now is saved first."):
                event.ignore()
                return
            self._closing = True
            self.statusBar().showMessage("Stopping training and saving before closing…")
        self.training.stop_and_wait()
        self.session.stop()
        if self.remember_layout:
            values = settings.app_settings()
            values.setValue("window/geometry", self.saveGeometry())
            values.setValue("window/state", self.saveState())
        super().closeEvent(event)
