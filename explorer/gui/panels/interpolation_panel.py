"""Interpolation between two items picked on the map (or, for sentence models, two typed sentences): a strip of
decodes along a lerp or slerp path, the path drawn on the map; for a CVAE, A's latent decoded with every class
(same style, another class). For a sentence VAE the rows that are A's and B's own reconstructions are marked, and
"AE vs VAE" shows a sentence autoencoder's homotopy between the same two sentences beside (the AE shipped in the
same folder, or one opened here). Under the path, the interpolation scorecard of a sentence model over held-out
pairs of preview sentences, with these settings. Encodes, decodes and scores run in a worker; a later epoch of the
same run keeps A and B."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from explorer import exploring
from explorer.analysis import captions
from explorer.errors import ExplorerError
from explorer.gui.panels.base import ExplorerPanel, decode_progressively
from explorer.gui.widgets.controls import option_box
from explorer.gui.widgets.items_view import ItemsView
from explorer.gui.widgets.scorecard_view import ScorecardView
from explorer.limits import SCORECARD_PAIRS

ENDS = ("A", "B")


def encode_sentence(explorer, sentence: str, state) -> np.ndarray:
    return explorer.encode_items([sentence])[0]


def decode_path(explorer, z_a, z_b, steps: int, method: str, cond, state):
    """The path's latents, its points on the map and its decodes (filled in as they come for beam search)."""
    path = explorer.interpolation_path(z_a, z_b, steps, method)
    points = explorer.project_new(path)

    def with_path(items):
        return path, points, items

    state.set_partial_result(with_path([]), force=True)
    if explorer.chains_paths:  # each step's sentence depends on the step before: decoded in one go
        return with_path(explorer.decode_path(path, cond))
    return with_path(decode_progressively(explorer, path, cond, state, row=1, wrap=with_path))


def end_marks(sentences: list[str]) -> list[str]:
    """Which of a homotopy's sentences are A's and B's own reconstructions (homotopy, and torch, load with the
    first model rather than at launch)."""
    from explorer.analysis.homotopy import end_marks as marks

    return marks(sentences)


def decode_class_swap(explorer, z, state):
    return explorer.class_swap(z)


def find_autoencoder(path, vocab, state):
    """The explorer of the sentence AE shipped beside the checkpoint ``path``, or None."""
    from explorer.analysis.homotopy import companion_autoencoder, open_autoencoder

    found = companion_autoencoder(path, vocab)
    return None if found is None else open_autoencoder(found, vocab)


def load_autoencoder(path, vocab, state):
    from explorer.analysis.homotopy import open_autoencoder

    return open_autoencoder(path, vocab)


def decode_beside(autoencoder, decode_config, a: str, b: str, steps: int, method: str, state) -> list[str]:
    from explorer.analysis.homotopy import homotopy

    autoencoder.decode_config = decode_config
    return homotopy(autoencoder, a, b, steps, method)


def score_interpolations(explorer, path, steps: int, method: str, state) -> tuple[dict, str]:
    """The scorecard's figures over held-out pairs of the preview set's sentences, under the language model found
    beside the checkpoint ``path`` (if any), and a note of what was scored."""
    from explorer.analysis.interpolation_scores import interpolation_scorecard
    from explorer.analysis.language_model_files import companion_language_model, load_language_model

    found = companion_language_model(path, explorer.checkpoint.dataset) if path else None
    lm = load_language_model(found) if found is not None else None

    def progress(done: int, total: int) -> None:
        state.check()
        state.set_progress(done / total, f"{done}/{total} pairs")

    card = interpolation_scorecard(explorer, explorer.items(np.arange(len(explorer.means))), SCORECARD_PAIRS, lm,
                                   steps, method, on_progress=progress)
    config = explorer.decode_config
    strategy = config.strategy if config is not None else exploring.default("decode")
    fluency = f"fluency under {lm.name}" if lm else "no language model beside the checkpoint: fluency not scored"
    return card.as_metrics(), f"{card.pairs} pairs, {card.steps} steps, {strategy} decoding; {fluency}"


class InterpolationPanel(ExplorerPanel):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.a = self.b = -1  # preview indices; -1 when unset or typed
        self.latents: dict[str, np.ndarray | None] = dict.fromkeys(ENDS)
        self.sentences: dict[str, str | None] = dict.fromkeys(ENDS)  # typed ends
        self.path = np.zeros((0, 0))
        self.strip_task = self.runner(self._show_path, on_partial=self._show_path)
        self.swap_task = self.runner(self._show_swap)
        self.encode_tasks = {"A": self.runner(self._use_encoded_a, on_failed=self._encode_failed_a),
                             "B": self.runner(self._use_encoded_b, on_failed=self._encode_failed_b)}
        self.autoencoder = None  # the sentence AE shown beside, a ModelExplorer
        self.autoencoder_task = self.runner(self._use_autoencoder, on_failed=self._autoencoder_failed)
        self.beside_task = self.runner(self._show_beside)
        self.scorecard = ScorecardView()
        self.scorecard_task = self.runner(self._show_scorecard, on_failed=self._scorecard_failed,
                                          on_progress=self.scorecard.show_progress)

        self.set_a = QPushButton("Set A")
        self.set_a.setToolTip("Use the item selected on the map as the start A.")
        self.set_b = QPushButton("Set B")
        self.set_b.setToolTip("Use the item selected on the map as the end B.")
        self.a_label, self.b_label = QLabel("A: —"), QLabel("B: —")
        for label in (self.a_label, self.b_label):  # typed sentences and class names are shown as typed
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.steps = option_box(exploring.option("interpolation_steps"))
        self.method = option_box(exploring.option("interpolation_method"))
        self.typed = {name: QLineEdit() for name in ("A", "B")}
        for name, entry in self.typed.items():
            entry.setPlaceholderText(f"or type sentence {name}, then Enter")
            entry.setToolTip(f"A sentence of your own as the {'start' if name == 'A' else 'end'} of the path.")
        form = QFormLayout()
        form.addRow(self.set_a, self.a_label)
        form.addRow(self.typed["A"])
        form.addRow(self.set_b, self.b_label)
        form.addRow(self.typed["B"])
        form.addRow("Steps", self.steps)
        form.addRow("Path", self.method)
        self.beside = QCheckBox("AE vs VAE")
        self.beside.setToolTip("Show a sentence autoencoder's homotopy between the same two sentences beside this "
                               "model's: its midpoints fall in holes a VAE's prior fills.")
        self.beside.setEnabled(False)
        self.open_autoencoder = QPushButton("Open AE…")
        self.open_autoencoder.setToolTip("Open a sentence AE checkpoint of the same corpus to compare with.")
        self.autoencoder_label = QLabel()
        self.autoencoder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.autoencoder_label.setWordWrap(True)
        form.addRow(self.beside, self.open_autoencoder)
        form.addRow(self.autoencoder_label)

        self.view = ItemsView()
        self.view.setToolTip("Decodes along the path from A (left) to B (right).")
        self.swap_label = QLabel("Class swap (CVAE): A's latent decoded with each class")
        self.swap_view = ItemsView()
        self.swap_view.setToolTip("The same latent (A's style) decoded with every class.")
        self.beside_view = ItemsView()
        self.beside_view.setToolTip("The sentence AE's decodes between the same two sentences.")
        self.view_title, self.beside_title = QLabel(), QLabel()
        for title in (self.view_title, self.beside_title):
            title.setTextFormat(Qt.TextFormat.PlainText)
        columns = QHBoxLayout()
        for title, view in ((self.view_title, self.view), (self.beside_title, self.beside_view)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(view, 1)
            columns.addLayout(column, 1)
        right = QVBoxLayout()
        right.addLayout(columns, 2)
        right.addWidget(self.scorecard)
        right.addWidget(self.swap_label)
        right.addWidget(self.swap_view, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(right, 1)

        self.set_a.clicked.connect(self.use_selection_as_a)
        self.set_b.clicked.connect(self.use_selection_as_b)
        self.typed["A"].returnPressed.connect(self.use_typed_a)
        self.typed["B"].returnPressed.connect(self.use_typed_b)
        self.steps.valueChanged.connect(self.request_refresh)
        self.method.currentIndexChanged.connect(self.request_refresh)
        self.beside.toggled.connect(self._on_beside_toggled)
        self.open_autoencoder.clicked.connect(self._choose_autoencoder)
        self.scorecard.requested.connect(self.score)
        session.decoding_changed.connect(self.request_refresh)
        session.model_changed.connect(self._on_model_changed)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        if self.session.continued:  # a later epoch: the same ends, encoded by the model as it is now
            self.set_endpoints(self.a, self.b)
            for name, sentence in self.sentences.items():
                if sentence is not None:
                    self.encode_tasks[name].start(encode_sentence, explorer, sentence)
            return
        self.a = self.b = -1
        self.latents = dict.fromkeys(ENDS)
        self.sentences = dict.fromkeys(ENDS)
        self.a_label.setText("A: —")
        self.b_label.setText("B: —")
        is_text = explorer.domain_name == "text"
        for entry in self.typed.values():
            entry.setVisible(is_text)
            entry.clear()
        for task in (self.strip_task, self.swap_task, self.autoencoder_task, self.beside_task, self.scorecard_task,
                     *self.encode_tasks.values()):
            task.cancel()
        self.scorecard.clear()
        self.scorecard.setVisible(is_text and explorer.latent_dim > 0)
        self.view.clear()
        self.swap_view.clear()
        self.session.show_path(None)
        conditional = explorer.conditional
        self.swap_label.setVisible(conditional)
        self.swap_view.setVisible(conditional)
        self._reset_autoencoder(explorer)

    # The sentence AE beside a sentence VAE
    def _reset_autoencoder(self, explorer) -> None:
        self.autoencoder = None
        comparable = explorer.domain_name == "text" and explorer.has_kl
        for widget in (self.beside, self.open_autoencoder, self.autoencoder_label):
            widget.setVisible(comparable)
        self.beside.blockSignals(True)
        self.beside.setChecked(False)
        self.beside.blockSignals(False)
        self.beside.setEnabled(False)
        self.autoencoder_label.setText("")
        self._show_columns()
        if comparable and self.session.path:
            self.autoencoder_task.start(find_autoencoder, self.session.path, self._vocab())

    def _vocab(self) -> list[str]:
        return list(self.session.explorer.checkpoint.dataset.get("vocab") or [])

    def _choose_autoencoder(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a sentence AE", "", "Checkpoints (*.safetensors)")
        if path:
            self.use_autoencoder_file(path)

    def use_autoencoder_file(self, path: str) -> None:
        self.autoencoder_task.start(load_autoencoder, path, self._vocab())

    def _use_autoencoder(self, autoencoder) -> None:
        self.autoencoder = autoencoder
        self.beside.setEnabled(autoencoder is not None)
        if autoencoder is not None:
            name = autoencoder.label + (f" ({autoencoder.latent_dim} dims)" if autoencoder.latent_dim else "")
            self.autoencoder_label.setText(f"beside: {name}")
            self.beside.setChecked(True)

    def _autoencoder_failed(self, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        self.autoencoder_label.setText(str(error))

    def _on_beside_toggled(self, checked: bool) -> None:
        self._show_columns()
        self.request_refresh()

    def _show_columns(self) -> None:
        beside = self.beside.isChecked() and self.autoencoder is not None
        self.beside_view.setVisible(beside)
        self.beside_title.setVisible(beside)
        self.view_title.setVisible(beside)
        if beside:
            self.view_title.setText(self.session.explorer.label)
            self.beside_title.setText(self.autoencoder.label)
        else:
            self.beside_view.clear()

    def _end_text(self, name: str) -> str | None:
        """An end as a sentence: as typed, or the preview item's text."""
        index = self.a if name == "A" else self.b
        if self.sentences[name] is not None:
            return self.sentences[name]
        return self.session.explorer.items([index])[0] if index >= 0 else None

    def _show_beside(self, sentences: list[str]) -> None:
        self.beside_view.set_items(sentences, prefixes=end_marks(sentences))

    def use_selection_as_a(self) -> None:
        self.set_endpoints(self.session.selected, self.b)

    def use_selection_as_b(self) -> None:
        self.set_endpoints(self.a, self.session.selected)

    def use_typed_a(self) -> None:
        self._use_typed("A")

    def use_typed_b(self) -> None:
        self._use_typed("B")

    def _use_typed(self, name: str) -> None:
        sentence = self.typed[name].text().strip()
        if not sentence or not self.session.has_model:
            return
        self.sentences[name] = sentence
        self.encode_tasks[name].start(encode_sentence, self.session.explorer, sentence)

    def _use_encoded_a(self, latent: np.ndarray) -> None:
        self._use_encoded("A", latent)

    def _use_encoded_b(self, latent: np.ndarray) -> None:
        self._use_encoded("B", latent)

    def _use_encoded(self, name: str, latent: np.ndarray) -> None:
        self.latents[name] = latent
        if name == "A":
            self.a = -1
        else:
            self.b = -1
        self._end_label(name).setText(f"{name}: “{self.sentences[name]}”")
        self.request_refresh()

    def _encode_failed_a(self, error: BaseException) -> None:
        self._encode_failed("A", error)

    def _encode_failed_b(self, error: BaseException) -> None:
        self._encode_failed("B", error)

    def _encode_failed(self, name: str, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        self.sentences[name] = None
        self._end_label(name).setText(f"{name}: {error}")

    def _end_label(self, name: str) -> QLabel:
        return self.a_label if name == "A" else self.b_label

    def set_endpoints(self, a: int, b: int) -> None:
        self.a, self.b = a, b
        means = self.session.explorer.means
        for name, index in zip(ENDS, (a, b)):
            if index >= 0:
                self.latents[name] = means[index]
                self.sentences[name] = None
                self._end_label(name).setText(f"{name}: {self.session.describe_item(index)}")
        self.request_refresh()

    def request_refresh(self) -> None:
        self.when_visible(self.refresh)

    def refresh(self) -> None:
        z_a, z_b = self.latents["A"], self.latents["B"]
        if not self.session.has_model or z_a is None:
            return
        explorer = self.session.explorer
        if explorer.conditional:
            self.swap_task.start(decode_class_swap, explorer, z_a)
        if z_b is None:
            return
        self.strip_task.start(decode_path, explorer, z_a, z_b, self.steps.value(), self.method.currentData(),
                              self.session.condition(self.a))
        ends = [self._end_text(name) for name in ENDS]
        if self.beside.isChecked() and self.autoencoder is not None and None not in ends:
            self.beside_task.start(decode_beside, self.autoencoder, explorer.decode_config, *ends,
                                   self.steps.value(), self.method.currentData())

    # The scorecard
    def score(self) -> None:
        if self.session.has_model:
            self.scorecard.show_progress(0.0, "starting")
            self.scorecard_task.start(score_interpolations, self.session.explorer, self.session.path,
                                      self.steps.value(), self.method.currentData())

    def _show_scorecard(self, result) -> None:
        self.scorecard.show_card(*result)

    def _scorecard_failed(self, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        self.scorecard.show_error(str(error))

    def _show_path(self, result) -> None:
        self.path, points, items = result
        if len(items):
            text = not isinstance(items, np.ndarray)
            done = text and len(items) == len(self.path)
            self.view.set_items(items, ncols=len(self.path), prefixes=end_marks(list(items)) if done else None,
                                col_labels=captions.interpolation_columns(len(self.path)))
        self.session.show_path(points)

    def _show_swap(self, items) -> None:
        explorer = self.session.explorer
        self.swap_view.set_items(items, ncols=explorer.num_classes,
                                 col_labels=captions.class_names(explorer.class_names, explorer.num_classes))
