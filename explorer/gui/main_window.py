"""The main window: the latent map in the centre, the model and inspector panels docked beside it and the tabs
(Training, Traversal, Interpolation, Samples, Arithmetic) below; menus, shortcuts, drag-and-drop, status bar."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget, QToolButton

from explorer.errors import ConfigError, ExplorerError
from explorer.gui import settings
from explorer.gui.compare_window import COMPARE_FILTER, CompareWindow
from explorer.gui.concurrent import TaskRunner
from explorer.gui.dialogs import Prompts
from explorer.gui.model_paths import OPEN_FILTER, droppable, is_checkpoint_file
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
from explorer.gui.widgets.scrolling import vertical_scroll
from explorer.gui.window_files import WindowFiles
from explorer.gui.window_menus import WindowMenus
from explorer.io.display import printable

TITLE = "Latent Explorer"
DEFAULT_SIZE = (1400, 900)


def load_for_showing(path: str, keep_selection: bool, snapshot: bool, state=None):
    """A checkpoint loaded as a ModelExplorer (a sentence model with the language model shipped beside it, for
    beam search's language-model weight), or an embeddings file as an EmbeddingsExplorer, with how to show it (run
    on the model thread)."""
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.language_model_files import fusion_language_model
    from explorer.importers.formats import is_embeddings_path
    from explorer.importers.opening import open_model

    if is_embeddings_path(path):
        from explorer.importers.embeddings import open_embeddings

        return open_embeddings(path), path, keep_selection, snapshot
    checkpoint = open_model(path)
    if not checkpoint.model.latent_dim:
        raise ConfigError(f"{Path(path).name} is a language model: it has no latent space to explore. It serves "
                          "the sentence models beside it (the interpolation scorecard's fluency, beam search's "
                          "language-model weight): open one of them")
    explorer = ModelExplorer(checkpoint)
    if explorer.domain_name == "text" and explorer.latent_dim:
        explorer.language_model = fusion_language_model(path, explorer.checkpoint.dataset)
    return explorer, path, keep_selection, snapshot


class MainWindow(WindowMenus, WindowFiles, QMainWindow):
    def __init__(self, prompts: Prompts | None = None):
        super().__init__()
        self.setWindowTitle(TITLE)
        self.setObjectName("main_window")
        self.prompts = prompts or Prompts(self)
        self.remember_layout = True  # off for unattended screenshots, which use the default layout
        self._closing = False
        self.session = Session(self)
        self.open_task = TaskRunner(self.session.model_thread, self._on_loaded, on_failed=self._on_open_failed,
                                    parent=self)
        self.compare_window = None  # made when first asked for
        self.last_refusal: str | None = None  # why the last file asked for could not be opened

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
        for button in self.tabs.tabBar().findChildren(QToolButton):  # its arrows, shown when the tabs do not fit
            button.setToolTip("Scroll the tabs")
        # On a small screen the tools scroll rather than squeeze the map.
        self.tabs_dock = self._dock("Tools", vertical_scroll(self.tabs), Qt.DockWidgetArea.BottomDockWidgetArea)

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
        self.training.sweep_finished.connect(self._on_sweep_finished)
        self.training.watch_refused.connect(self._on_watch_refused)
        self.training.sweep_box.finished.connect(self._on_sweep_box_finished)
        self.session.model_changed.connect(self._update_status)
        self.session.model_changed.connect(self._show_domain_tabs)
        self.sentences.placed.connect(self.map_panel.scatter.set_extra_points)
        self.map_panel.placed.connect(self._on_placed)
        self.map_panel.keep_map_requested.connect(self.save_map_in_file)
        self.map_panel.explorer_ready.connect(self._show_explorer)
        self._show_domain_tabs()
        self._update_actions()
        self.default_layout()

    def default_layout(self, size: tuple[int, int] | None = None) -> None:
        """``size``, else 1400x900 or the screen if it is smaller; the docks in proportion, so the map stays the
        largest view (at 1280x720 too)."""
        width, height = size or DEFAULT_SIZE
        screen = self.screen()
        if size is None and screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width()), min(height, available.height())
        self.resize(width, height)
        self.resizeDocks([self.model_dock, self.inspector_dock], [round(width * 0.18), round(width * 0.27)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.tabs_dock], [round(height * 0.38)], Qt.Orientation.Vertical)

    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _show_tab(self) -> None:
        self.tabs_dock.show()
        self.tabs.setCurrentIndex(self.sender().data())

    def show_exploring(self) -> None:
        """Bring the first exploring tab (Traversal) to the front."""
        self.tabs.setCurrentWidget(self.traversal)

    def show_training(self) -> None:
        self.tabs_dock.show()
        self.tabs.setCurrentWidget(self.training)

    # Opening and saving
    def open_dialog(self) -> None:
        path = self.prompts.open_path("Open checkpoint", settings.last_folder(), OPEN_FILTER)
        if path:
            self.open_checkpoint(path)

    def open_checkpoint(self, path: str, keep_selection: bool = False) -> bool:
        """Load and show a checkpoint now (and list it in the recent files); on failure show why and keep what is
        open. ``keep_selection`` for a newer model of the items on screen."""
        self.open_task.cancel()  # a file loading in the background would replace this one
        self.last_refusal = None
        try:
            loaded = load_for_showing(str(path), keep_selection, False)
        except (ExplorerError, OSError) as error:
            self._on_open_failed(error)
            return False
        self._on_loaded(loaded)
        return True

    def open_in_background(self, path: str, keep_selection: bool = False, snapshot: bool = False) -> None:
        """Load a checkpoint on the model thread and show it when it is ready; the window stays responsive (a
        run's snapshot each epoch, the file opened at launch). The newest request wins. A ``snapshot`` of a run
        still training is not a recent file, and the panels show what it carries (see Session.snapshot)."""
        self.last_refusal = None
        self.open_task.start(load_for_showing, str(path), keep_selection, snapshot)

    @property
    def loading(self) -> bool:
        """A checkpoint is loading in the background."""
        return self.open_task.busy

    def open_at_launch(self, path: str) -> bool:
        """Open ``path`` as the app starts: the map it carries is drawn at once, read without torch, and the model
        loads in the background. False, after a dialog saying why, when the file cannot be read."""
        from explorer.io.preview import read_preview

        if not is_checkpoint_file(path):
            self.open_in_background(path)
            return True
        try:
            meta, preview = read_preview(path)
        except (ExplorerError, OSError) as error:
            self._on_open_failed(error)
            return False
        if preview is not None:
            self.map_panel.show_file_map(meta, preview)
        self.open_in_background(path)
        return True

    def _on_loaded(self, loaded) -> None:
        explorer, path, keep_selection, snapshot = loaded
        self._show(explorer, path, keep_selection, snapshot)
        if not keep_selection and self.tabs.currentWidget() is self.training and not self.training.running:
            self.tabs.setCurrentWidget(self.traversal)  # a file opened to explore; a run's own result stays put
        if not snapshot:
            settings.add_recent_file(str(Path(path).resolve()))

    def _on_open_failed(self, error: BaseException) -> None:
        if not isinstance(error, (ExplorerError, OSError)):
            raise error
        self.last_refusal = str(error)
        self.prompts.error("Could not open checkpoint", str(error))  # the error names the file

    def show_checkpoint(self, checkpoint, path: str | None, keep_selection: bool = False) -> None:
        from explorer.analysis.explore import ModelExplorer

        self._show(ModelExplorer(checkpoint), path, keep_selection)

    def _show_explorer(self, explorer) -> None:
        """The open model over other items (the whole dataset, or its preview set again)."""
        self._show(explorer, self.session.path)

    def _show(self, explorer, path: str | None, keep_selection: bool = False, snapshot: bool = False) -> None:
        self.session.set_model(explorer, path, continued=keep_selection, snapshot=snapshot)
        if self.session.selected < 0 and len(explorer.labels):
            self.session.select(0)
        self._update_actions()

    # Comparing runs
    def compare_dialog(self) -> None:
        paths = self.prompts.open_paths("Compare checkpoints or a sweep (its sweep.json)", settings.last_folder(),
                                        COMPARE_FILTER)
        if paths:
            opened = [self.session.path] if self.session.path else []
            self.compare_runs(opened + paths)

    def compare_runs(self, paths) -> CompareWindow:
        """Show checkpoints side by side in the Compare window (made on first use); returns it."""
        if self.compare_window is None or self.compare_window.closed:  # a closed one has stopped its worker
            if self.compare_window is not None:
                self.compare_window.deleteLater()
            self.compare_window = CompareWindow(self.prompts, parent=self)
            self.compare_window.setWindowFlag(Qt.WindowType.Window)
        self.compare_window.show()
        self.compare_window.raise_()
        self.compare_window.add_paths([str(path) for path in paths])
        return self.compare_window

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
        self.training.watch(folder)
        self.show_training()

    def _on_watch_refused(self, why: str) -> None:
        self.prompts.error("Cannot watch this folder", why)

    def _on_run_finished(self, path: str, status: str) -> None:
        if path and self._closing:
            settings.add_recent_file(str(Path(path).resolve()))
            return
        if path:
            self.open_checkpoint(path, keep_selection=True)  # the run's result, shown with the run's end
        words = "Training stopped early" if status == "stopped" else "Training finished"
        self.statusBar().showMessage(f"{words}; saved to {path}" if path else words, 10_000)

    def train_preset(self, preset_id: str) -> None:
        """Choose a preset in the Training tab and start it (a sweep trains each of its runs in turn)."""
        self.show_training()
        self.training.ensure_form()
        self.training.presets.setCurrentIndex(self.training.presets.findData(preset_id))
        self.training.start()

    def _on_sweep_finished(self, paths: list) -> None:
        """A sweep preset's runs are trained: side by side in Compare, with what the preset shows."""
        preset = self.training.selected_preset()
        compare = self.compare_runs(paths)
        if preset is not None:
            compare.set_note(f"{preset.name}: {preset.description}")

    def _on_sweep_box_finished(self, folder: str, status: str, message: str) -> None:
        """A sweep from the Training tab has ended: what it trained, in Compare (or why it failed)."""
        if self._closing:
            return
        if status == "failed":
            self.prompts.error("The sweep failed", message or f"see the train.log files in {folder}")
        self.compare_runs([folder])

    def _on_epoch_checkpoint(self, path: str) -> None:
        self.open_in_background(path, keep_selection=True, snapshot=True)

    def _on_run_failed(self, title: str, message: str) -> None:
        self.prompts.error(title, message)

    # Status, drag-and-drop, closing
    def _show_domain_tabs(self) -> None:
        """The Sentences tab only means something for a text model."""
        is_text = self.session.has_model and self.session.explorer.domain_name == "text"
        self.tabs.setTabVisible(self.tabs.indexOf(self.sentences), is_text)

    def _update_status(self) -> None:
        explorer = self.session.explorer
        self.status_device.setText(f"device: {explorer.model.device}" if explorer.has_decoder else "")
        self.status_model.setText(f"model: {printable(explorer.label, 60)} (z={explorer.latent_dim})"
                                  if explorer.has_decoder else f"embeddings: {len(explorer.means):,} points, "
                                                               f"{explorer.latent_dim} dims (no model)")
        self.status_dataset.setText(f"dataset: {printable(explorer.checkpoint.dataset.get('id', '?'), 60)}")
        self._update_title()
        self.statusBar().clearMessage()

    def _update_title(self) -> None:
        name = Path(self.session.path).name if self.session.path else "unsaved run"
        self.setWindowTitle(f"{name}{' (read-only)' if self.read_only else ''} — {TITLE}")
        self.save_action.setStatusTip("A shipped model is read-only: Save asks for a new file." if self.read_only
                                      else "Save the loaded model to its file (or choose one).")

    def dragEnterEvent(self, event) -> None:
        if any(droppable(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if droppable(url.toLocalFile()):
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
        if self.training.process is not None or self.training.sweep_box.running:
            if not self.prompts.confirm("Training is running",
                                        "Stop training and quit? The model as it is now is saved first."):
                event.ignore()
                return
            self._closing = True
            self.statusBar().showMessage("Stopping training and saving before closing…")
        self.training.stop_and_wait()
        self.session.stop()
        if self.compare_window is not None:
            self.compare_window.close()
        if self.remember_layout:
            values = settings.app_settings()
            values.setValue("window/geometry", self.saveGeometry())
            values.setValue("window/state", self.saveState())
        super().closeEvent(event)

