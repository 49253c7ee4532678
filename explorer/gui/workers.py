"""QThread bridges to the core: a projection fit. Workers never touch widgets; they emit
signals that the GUI thread's QObjects receive (queued, since the receivers live in the GUI thread)."""
from __future__ import annotations

import traceback

import numpy as np
from PySide6.QtCore import QThread, Signal

from explorer.errors import ExplorerError


def _describe_failure(error: BaseException) -> str:
    if isinstance(error, ExplorerError):
        return str(error)
    return f"unexpected error: {error!r}\n\n{traceback.format_exc()}"


class ProjectionWorker(QThread):
    """Fits a 2-D projection of latent means off the GUI thread (UMAP imports and compiles lazily here)."""

    done = Signal(int, object)  # request id, fitted Projection
    failed = Signal(int, str)

    def __init__(self, request_id: int, means: np.ndarray, method: str, seed: int = 0, parent=None):
        super().__init__(parent)
        self.request_id, self.means, self.method, self.seed = request_id, means, method, seed

    def run(self) -> None:
        try:
            from explorer.analysis.projection import configure_numba_cache, project

            configure_numba_cache()
            projection = project(self.means, self.method, seed=self.seed)
        except Exception as error:  # noqa: BLE001
            self.failed.emit(self.request_id, _describe_failure(error))
            return
        self.done.emit(self.request_id, projection)
