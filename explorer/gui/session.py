"""The state the panels share: the open model (a ModelExplorer; or an EmbeddingsExplorer, points with no model), the
selected item, the selected group and the
selected latent dimension, the two worker threads (model work: loads, decodes and encodes; background work: long
encodes, and waiting for map fits) and the map worker process that fits maps. Panels change the state through these
methods and redraw on its signals."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.analysis import captions
from explorer.analysis.projection_worker import shared_worker
from explorer.gui.concurrent import WorkerThread


class Session(QObject):
    model_changed = Signal()
    selection_changed = Signal(int)  # -1: nothing selected
    group_changed = Signal(object)  # np.ndarray of indices
    dim_selected = Signal(int)
    projection_changed = Signal()
    path_changed = Signal(object, object)  # (k, 2) map points, or None; the names of its two ends
    decoding_changed = Signal()  # text models: how sentences are generated changed

    def __init__(self, parent=None):
        super().__init__(parent)
        self.explorer = None
        self.path: str | None = None
        self.selected = -1
        self.group = np.zeros(0, dtype=np.int64)
        self.dim = 0
        self.continued = False  # the new model explores the same items: panels keep their operands
        # The model is an epoch's snapshot of a run still training: the map shows the one it carries (a PCA) instead
        # of refitting the chosen method every epoch with the CPU the run trains with.
        self.snapshot = False
        self.model_thread = WorkerThread("model work", self)
        self.background_thread = WorkerThread("background work", self)
        self.map_view_thread = WorkerThread("map view", self)  # the map's layers, never queued behind a fit
        self.map_worker = shared_worker()  # one per app process, ended when the app exits

    @property
    def has_model(self) -> bool:
        """A model is open (its decoder serves the panels); an embeddings file is points on the map alone."""
        return self.explorer is not None and self.explorer.has_decoder

    @property
    def has_points(self) -> bool:
        """Something is on the map: a model's preview set, or an embeddings file's points."""
        return self.explorer is not None

    def set_model(self, explorer, path: str | None, continued: bool = False, snapshot: bool = False) -> None:
        """Show another model. ``continued``: the same run a few epochs later, with the same preview items.
        Another model of the same preview items and the same conditioning continues too, so the selection, the
        group, A and B and the operands follow the switch; the chosen dimension does where the model has it."""
        previous = self.explorer
        self.continued = (previous is not None and previous.has_decoder and explorer.has_decoder
                          and np.array_equal(previous.labels, explorer.labels)
                          and (continued or (explorer.same_items(previous)
                                             and explorer.conditional == previous.conditional)))
        self.explorer, self.path, self.snapshot = explorer, path, snapshot
        self.map_worker.start()  # warms up (imports UMAP) in its own process, so the first fit is quick
        if not self.continued:
            self.selected, self.group = -1, np.zeros(0, dtype=np.int64)
        if not self.continued or self.dim >= explorer.latent_dim:
            self.dim = explorer.dims_by_kl[0] if explorer.has_decoder and explorer.latent_dim else 0
        self.model_changed.emit()

    @property
    def busy(self) -> bool:
        """Whether a panel still waits for a result from a worker."""
        return self.model_thread.busy or self.background_thread.busy or self.map_view_thread.busy

    def stop(self) -> None:
        """End the worker threads (on close): running tasks are interrupted and waited for."""
        self.model_thread.stop()
        self.background_thread.stop()
        self.map_view_thread.stop()

    def select(self, index: int) -> None:
        if index != self.selected and self.has_points:
            self.selected = int(index)
            self.selection_changed.emit(self.selected)

    def set_group(self, indices) -> None:
        self.group = np.asarray(indices, dtype=np.int64)
        self.group_changed.emit(self.group)

    def select_dim(self, dim: int) -> None:
        self.dim = int(dim)
        self.dim_selected.emit(self.dim)

    def set_decode_config(self, config) -> None:
        """How a text model's panels turn latents into sentences (an explorer.domains.decoding.DecodeConfig)."""
        self.explorer.decode_config = config
        self.decoding_changed.emit()

    def set_projection(self, projection) -> None:
        self.explorer.set_projection(projection)
        self.projection_changed.emit()

    def restore_stored_map(self) -> None:
        self.explorer.restore_stored_map()
        self.projection_changed.emit()

    def show_path(self, points: np.ndarray | None, ends: tuple[str, str] = ("A", "B")) -> None:
        """Draw map points (k, 2) as a path on the map (placed in a worker with ``explorer.project_new``), its
        ends named ``ends``; None clears it."""
        self.path_changed.emit(points, ends)

    # What decoding starts from
    def start_latent(self, from_selection: bool = True) -> np.ndarray:
        if from_selection and self.selected >= 0:
            return self.explorer.means[self.selected]
        return self.explorer.origin()

    def condition(self, index: int | None = None):
        """The class to decode with for a conditional model: the item's label (default: the selection's), else 0."""
        if not self.explorer.conditional:
            return None
        index = self.selected if index is None else index
        return int(self.explorer.labels[index]) if index >= 0 else 0

    def describe_item(self, index: int) -> str:
        return captions.item(index, int(self.explorer.labels[index]), self.explorer.class_names)
