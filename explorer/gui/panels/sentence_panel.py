"""For sentence models: how sentences are decoded (shared by every panel), and a box to type a sentence that is
encoded, placed on the map, reconstructed (scored by BLEU against what was typed) and shown with its nearest
neighbours in the preview set (in a worker)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QVBoxLayout

from explorer.errors import ExplorerError
from explorer.gui.panels.base import ExplorerPanel
from explorer.gui.widgets.decode_options import DecodeOptions

if TYPE_CHECKING:  # torch loads with the first model, not at launch
    from explorer.analysis.reconstruction import TypedReconstruction

NEIGHBOURS = 10


@dataclass
class TypedSentence:
    point: np.ndarray  # (1, 2) on the map
    reconstruction: TypedReconstruction
    neighbours: np.ndarray  # preview indices, nearest first
    distances: np.ndarray
    neighbour_texts: list[str]


def encode_sentence(explorer, sentence: str, state) -> TypedSentence:
    from explorer.analysis.reconstruction import typed_reconstruction

    mean = explorer.encode_items([sentence])
    point = explorer.project_new(mean)
    state.check()
    indices, distances = explorer.nearest(mean[0], NEIGHBOURS)
    return TypedSentence(point, typed_reconstruction(explorer, sentence, mean[0]), indices, distances,
                         explorer.items(indices))


class SentencePanel(ExplorerPanel):
    placed = Signal(object)  # (1, 2) map point of the typed sentence

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.task = self.runner(self._show_typed, on_failed=self._show_failure)
        self.decoding = DecodeOptions()
        self.decoding.setToolTip("Used wherever this model turns a latent into a sentence.")
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("Type a sentence and press Enter")
        self.entry.setToolTip("A sentence to encode: it is placed on the map, reconstructed, and its nearest "
                              "neighbours in the preview set are listed.")
        self.encode_button = QPushButton("Encode")
        self.encode_button.setToolTip("Encode the typed sentence.")
        self.unknown = QLabel()
        self.unknown.setTextFormat(Qt.TextFormat.PlainText)  # "<unk>" and typed words are text, not markup
        self.unknown.setWordWrap(True)
        self.reconstruction = QLabel()
        self.reconstruction.setTextFormat(Qt.TextFormat.PlainText)
        self.reconstruction.setWordWrap(True)
        self.reconstruction.setToolTip("The typed sentence decoded back from its posterior mean.")
        self.score = QLabel()
        self.score.setToolTip("The reconstruction against the sentence as the model read it (unknown words as "
                              "<unk>): sentence BLEU-4 (sacrebleu) and the share of words in their place.")
        self.neighbours = QListWidget()
        self.neighbours.setToolTip("Preview sentences whose posterior means lie closest; click one to select it.")
        self._neighbour_indices = np.zeros(0, dtype=np.int64)
        self.shown: tuple[str, TypedSentence] | None = None  # the sentence typed and what is shown for it (export)
        self._query = ""

        decoding_box = QGroupBox("Decoding")
        QVBoxLayout(decoding_box).addWidget(self.decoding)
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.entry, 1)
        entry_row.addWidget(self.encode_button)
        right = QVBoxLayout()
        right.addLayout(entry_row)
        right.addWidget(self.unknown)
        right.addWidget(QLabel("Reconstruction:"))
        right.addWidget(self.reconstruction)
        right.addWidget(self.score)
        right.addWidget(QLabel(f"Nearest {NEIGHBOURS} in the preview set:"))
        right.addWidget(self.neighbours, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(decoding_box)
        layout.addLayout(right, 1)

        self.decoding.changed.connect(self._on_decoding_changed)
        self.entry.returnPressed.connect(self.encode_typed)
        self.encode_button.clicked.connect(self.encode_typed)
        self.neighbours.currentRowChanged.connect(self._on_neighbour_clicked)

    def _on_model_changed(self) -> None:
        is_text = self.session.explorer.domain_name == "text"
        if is_text:
            self.decoding.set_fusion_available(self.session.explorer.language_model is not None)
            self.session.set_decode_config(self.decoding.config())
        if self.session.continued and is_text:  # a later epoch: the typed sentence as the model reads it now
            self.encode_typed()
            return
        self.task.cancel()
        self.shown = None
        self.neighbours.clear()
        self.reconstruction.clear()
        self.score.clear()
        self.unknown.clear()

    def _on_decoding_changed(self, config) -> None:
        if self.session.has_model and self.session.explorer.domain_name == "text":
            self.session.set_decode_config(config)
            if self.entry.text().strip():
                self.encode_typed()

    def encode_typed(self) -> None:
        sentence = self.entry.text().strip()
        if not sentence or not self.session.has_model:
            return
        explorer = self.session.explorer
        unknown = explorer.domain.unknown_words(sentence)
        self.unknown.setText(f"Not in the vocabulary (read as <unk>): {', '.join(unknown)}" if unknown else "")
        self._query = sentence
        self.task.start(encode_sentence, explorer, sentence)

    def _show_typed(self, typed: TypedSentence) -> None:
        self.shown = (self._query, typed)
        result = typed.reconstruction
        self.reconstruction.setText(result.text)
        self.score.setText("exact: BLEU 100" if result.exact else
                           f"BLEU {result.bleu:.1f}, {100 * result.token_accuracy:.0f}% of words in place")
        self._neighbour_indices = typed.neighbours
        self.neighbours.blockSignals(True)
        self.neighbours.clear()
        for text, distance in zip(typed.neighbour_texts, typed.distances):
            self.neighbours.addItem(f"{distance:5.2f}  {text}")
        self.neighbours.blockSignals(False)
        self.placed.emit(typed.point)

    def _show_failure(self, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        self.unknown.setText(str(error))

    def _on_neighbour_clicked(self, row: int) -> None:
        if 0 <= row < len(self._neighbour_indices):
            self.session.select(int(self._neighbour_indices[row]))
