"""Each compared run's samples from its prior: drawn in the Compare window's worker (each checkpoint loaded once,
until its file changes), shown under the run's name with its settings on hover."""
from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from explorer.errors import ExplorerError
from explorer.gui.widgets.items_view import ItemsView
from explorer.io.display import printable
from explorer.training import compare

SETTING_CHARS = 200  # a setting's line in a tooltip (a data folder can be a long path)


@dataclass
class RunSamplesResult:
    items: object = None  # uint8 images or sentences; None when the run has none
    ncols: int = 1
    message: str = ""  # why there are none


def sample_runs(checkpoints: list, cache: dict, n: int, temperature: float, seed: int, state) -> list:
    """Load each run's checkpoint (kept in ``cache`` for the next request, until the file changes) and decode
    samples from its prior; each run's result reaches the window as soon as it is done."""
    results: list[RunSamplesResult] = []
    for path in checkpoints:
        state.check()
        results = results + [_sample_run(path, cache, n, temperature, seed)]
        state.set_partial_result(results, force=True)
    return results


def _sample_run(path, cache: dict, n: int, temperature: float, seed: int) -> RunSamplesResult:
    from explorer.analysis.explore import ModelExplorer
    from explorer.io.checkpoint import load_checkpoint

    if path is None:
        return RunSamplesResult(message="no checkpoint yet")
    try:
        key = (str(path), Path(path).stat().st_mtime_ns)  # a run that saved again is loaded again
        if key not in cache:
            cache[key] = ModelExplorer(load_checkpoint(path))
        items, ncols = compare.prior_samples(cache[key], n, temperature, seed)
    except (ExplorerError, OSError) as error:
        return RunSamplesResult(message=str(error))
    return RunSamplesResult(items, ncols)


class RunSamples(QWidget):
    """One run's samples under its name (in the run's colour; hover for its settings)."""

    def __init__(self, run: compare.ComparedRun, color: QColor, parent=None):
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setText(f"{run.name}  ·  {run.label}, z={run.latent_dim}")
        self.caption.setProperty("role", "caption")
        self.caption.setStyleSheet(f"color: {color.name()}")
        self.caption.setToolTip(settings_tip(run))
        self.view = ItemsView()
        self.view.setMinimumSize(160, 160)
        self.message = QLabel("drawing samples…")
        self.message.setProperty("role", "hint")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.message)


def settings_tip(run: compare.ComparedRun) -> str:
    """The run's settings as a tooltip; they come from a file, so they are escaped, never read as markup."""
    lines = (html.escape(printable(line, SETTING_CHARS)) for line in compare.settings_lines(run))
    return "<qt><p style='white-space:pre'>" + "<br>".join(lines) + "</p></qt>"
