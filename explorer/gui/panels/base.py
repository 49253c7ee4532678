"""What every exploration panel shares: it decodes through task runners on the session's model thread, and it
refreshes only while it is visible (a refresh asked for while hidden runs when the panel is shown)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from explorer.gui.concurrent import TaskRunner


def decode_progressively(explorer, z: np.ndarray, cond, state, row: int, wrap=None):
    """Decode latents (n, D), handing what is decoded so far (``wrap``-ped if given) to the GUI every ``row``
    latents when each latent is decoded on its own anyway (beam search, about 0.1 s a sentence); in one batch
    otherwise."""
    config = explorer.decode_config
    if config is None or config.strategy != "beam" or len(z) <= row:
        return explorer.decode(z, cond)
    decoded: list = []
    for start in range(0, len(z), row):
        state.check()
        part_cond = cond[start:start + row] if np.ndim(cond) else cond
        decoded = decoded + list(explorer.decode(z[start:start + row], part_cond))
        state.set_partial_result(decoded if wrap is None else wrap(decoded))
    return decoded


class ExplorerPanel(QWidget):
    """A panel that decodes: it follows the open model (``_on_model_changed``, each panel's own); points without a
    model (an embeddings file) get a note over the panel saying there is nothing to decode."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._pending: dict[Callable[[], None], None] = {}  # refreshes asked for while hidden, in order
        self.no_decoder = QLabel(self)
        self.no_decoder.setObjectName("no_decoder")
        self.no_decoder.setTextFormat(Qt.TextFormat.PlainText)  # the file's name is in it
        self.no_decoder.setWordWrap(True)
        self.no_decoder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_decoder.setAutoFillBackground(True)  # it covers the panel's own controls
        self.no_decoder.hide()
        session.model_changed.connect(self._follow_model)

    def _follow_model(self) -> None:
        if self.session.has_model:
            self.no_decoder.hide()
            self._on_model_changed()
            return
        self.no_decoder.setText(self.session.explorer.no_decoder_note())
        self.no_decoder.setGeometry(self.rect())
        self.no_decoder.raise_()
        self.no_decoder.show()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.no_decoder.setGeometry(self.rect())

    def runner(self, on_done, on_partial=None, on_failed=None, on_progress=None) -> TaskRunner:
        """A TaskRunner for one of this panel's views, on the thread that runs model work."""
        return TaskRunner(self.session.model_thread, on_done, on_partial, on_failed, on_progress, parent=self)

    def when_visible(self, refresh: Callable[[], None]) -> None:
        """Run ``refresh`` now if the panel is on screen, else when it is next shown."""
        if self.isVisible():
            self._pending.pop(refresh, None)
            refresh()
        else:
            self._pending[refresh] = None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        pending, self._pending = self._pending, {}
        for refresh in pending:
            refresh()
