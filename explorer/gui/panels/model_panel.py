"""What is loaded: model kind and label, dataset, latent size, key metrics (with the confusion matrix of a
categorical latent against the labels), scrolling when the dock is short; below them, always in view, New
training…, Open, Save and Continue training…."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from explorer.gui.settings import is_shipped
from explorer.gui.widgets.confusion_matrix import ConfusionMatrix
from explorer.io.display import printable
from explorer.metric_catalog import metrics_of

SHOWN_CHARS = 80  # a dataset id can hold a long path

CONTINUE_TIP = ("Train the open model further, with its settings, optimizer state and history (the Training tab is "
                "set up; press Start there).")
CANNOT_CONTINUE_TIP = ("This model cannot be trained further: it was saved without its optimizer state (a shipped or "
                       "slim file) or by an older version. Train a new one from New training….")


def _escaped(text) -> str:
    return html.escape(printable(text, SHOWN_CHARS))


class ModelPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.summary = QLabel("No model loaded.\nTrain one (New training…) or open a .safetensors checkpoint.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.metrics = QFormLayout()
        self.note = QLabel()
        self.note.setProperty("role", "note")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.hide()
        self.new_training = QPushButton("New training…")
        self.new_training.setToolTip("Set up and start training a new model.")
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a checkpoint (.safetensors) and explore it.")
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the loaded model, its history and preview set to a checkpoint file.")
        buttons = QHBoxLayout()
        for button in (self.new_training, self.open_button, self.save_button):
            buttons.addWidget(button)
        self.continue_button = QPushButton("Continue training…")
        self.continue_button.setToolTip(CONTINUE_TIP)
        self.continue_button.setEnabled(False)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.summary)
        layout.addLayout(self.metrics)
        layout.addWidget(self.note)
        self.confusion = ConfusionMatrix()
        self.confusion.hide()
        layout.addWidget(self.confusion, 1)
        layout.addStretch(1)
        # Scrolls when the dock is short (a sentence model's ten metrics, a confusion matrix) rather than making the
        # window taller; the buttons stay below it, in view however long the list.
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(content.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        actions = QVBoxLayout()
        actions.setContentsMargins(layout.contentsMargins())
        actions.addLayout(buttons)
        actions.addWidget(self.continue_button)
        outer.addLayout(actions)
        session.model_changed.connect(self._on_model_changed)

    def _on_model_changed(self) -> None:
        self.note.hide()
        self.refresh()

    def set_note(self, text: str) -> None:
        """A lesson's point, shown under the model until another model is opened."""
        self.note.setText(text)
        self.note.show()

    def refresh(self) -> None:
        explorer = self.session.explorer
        if not explorer.has_decoder:
            self._show_points(explorer)
            return
        can_continue = bool(self.session.path and explorer.checkpoint.optimizer_state
                            and isinstance(explorer.checkpoint.meta.get("run_options"), dict))
        self.continue_button.setEnabled(can_continue)
        self.continue_button.setToolTip(CONTINUE_TIP if can_continue else CANNOT_CONTINUE_TIP)
        meta = explorer.checkpoint.meta
        dataset = meta.get("dataset", {})
        where = Path(self.session.path).name if self.session.path else "not saved yet"
        if self.session.path and is_shipped(self.session.path):
            where += " (shipped, read-only)"
        epochs = len(meta.get("history", []))
        self.summary.setText(  # rich text: every string from the checkpoint is escaped
            f"<b>{_escaped(explorer.label)}</b> ({explorer.domain_name})<br>"
            f"dataset: {_escaped(dataset.get('id', '?'))}<br>"
            f"latent size: {explorer.latent_dim}" + (f", {explorer.num_classes} classes" if explorer.conditional
                                                     else "") + "<br>"
            f"trained: {epochs} epoch{'s' if epochs != 1 else ''}" +
            (" (stopped early)" if meta.get("stopped_early") else "") + f"<br>file: {_escaped(where)}")
        while self.metrics.rowCount():
            self.metrics.removeRow(0)
        values = meta.get("metrics", {})
        for metric in metrics_of(explorer.model.Config.info.metrics):
            text = metric.format(values) if metric.applies(explorer.has_kl, explorer.domain_name) else None
            if text is not None:  # an autoencoder's "ELBO" is its reconstruction, its KL nothing: not shown
                self.metrics.addRow(metric.title, QLabel(text))
        self._show_confusion(explorer)

    def _show_points(self, explorer) -> None:
        """An embeddings file: what its points are, and that there is no model."""
        self.continue_button.setEnabled(False)
        self.continue_button.setToolTip("An embeddings file has no model to train.")
        while self.metrics.rowCount():
            self.metrics.removeRow(0)
        self.confusion.hide()
        classes = f"{len(explorer.class_names)} classes" if explorer.class_names else "none"
        where = Path(self.session.path).name if self.session.path else "?"
        self.summary.setText(  # rich text: every string from the file is escaped
            f"<b>{_escaped(explorer.label)}</b> (embeddings, no decoder)<br>"
            f"{len(explorer.means):,} points of {explorer.latent_dim:,} dimensions<br>"
            f"labels: {classes}<br>file: {_escaped(where)}")

    def _show_confusion(self, explorer) -> None:
        found = explorer.code_confusion()
        self.confusion.setVisible(found is not None)
        if found is not None:
            self.confusion.set_confusion(found["confusion"], found["assignment"], explorer.class_names,
                                         f"c{found['variable']} vs labels: {found['accuracy']:.1%}", found["source"])
