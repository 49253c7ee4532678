"""Interpolation between two items picked on the map (or, for sentence models, two typed sentences): a strip of
decodes along a lerp or slerp path, the path drawn on the map; for a CVAE, A's latent decoded with every class
(same style, another class). For a sentence model the rows that are A's and B's own reconstructions are marked,
and "Beside" shows other sentence models' homotopies between the same two sentences in columns of their own (the
VAE, denoising AE and AE shipped in the same folder, or one opened here). Under the path, the interpolation
scorecard of a sentence model over held-out pairs of preview sentences, with these settings. Encodes, decodes and
scores run in a worker; a later epoch of the same run keeps A and B."""
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
from explorer.limits import MAX_COMPANIONS, SCORECARD_PAIRS

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


def find_companions(path, dataset: dict, state) -> list:
    """The explorers of the other sentence models shipped beside the checkpoint ``path``."""
    from explorer.analysis.homotopy import companion_models, open_companion

    return [open_companion(found, dataset) for found in companion_models(path, dataset)]


def load_companion(path, dataset: dict, state):
    from explorer.analysis.homotopy import open_companion

    return open_companion(path, dataset)


def decode_beside(companions, decode_config, lm, a: str, b: str, steps: int, method: str,
                  state) -> list[list[str]]:
    """The companions' homotopies, decoded as the open model decodes (its settings and language model: they read
    the same tokenizer)."""
    from explorer.analysis.homotopy import homotopy

    paths = []
    for companion in companions:
        companion.decode_config, companion.language_model = decode_config, lm
        paths.append(homotopy(companion, a, b, steps, method))
    return paths


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
        self.companions: list = []  # the sentence models shown beside, ModelExplorers
        self.companions_for: str | None = None  # the checkpoint they were found beside
        self.companions_task = self.runner(self._use_companions, on_failed=self._companion_failed)
        self.companion_task = self.runner(self._add_companion, on_failed=self._companion_failed)
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
        self.beside = QCheckBox("Beside")
        self.beside.setToolTip("Show other sentence models' homotopies between the same two sentences beside this "
                               "model's: a plain autoencoder's midpoints fall in holes that a VAE's prior or a "
                               "denoising AE's fills.")
        self.beside.setEnabled(False)
        self.open_companion = QPushButton("Open model…")
        self.open_companion.setToolTip("Open a sentence model of the same corpus to show beside.")
        self.companion_label = QLabel()
        self.companion_label.setTextFormat(Qt.TextFormat.PlainText)
        self.companion_label.setWordWrap(True)
        form.addRow(self.beside, self.open_companion)
        form.addRow(self.companion_label)

        self.view = ItemsView()
        self.view.setToolTip("Decodes along the path from A (left) to B (right).")
        self.swap_label = QLabel("Class swap (CVAE): A's latent decoded with each class")
        self.swap_view = ItemsView()
        self.swap_view.setToolTip("The same latent (A's style) decoded with every class.")
        self.beside_views = [ItemsView() for _ in range(MAX_COMPANIONS)]
        for view in self.beside_views:
            view.setToolTip("This model's decodes between the same two sentences.")
        self.view_title = QLabel()
        self.beside_titles = [QLabel() for _ in range(MAX_COMPANIONS)]
        for title in (self.view_title, *self.beside_titles):
            title.setTextFormat(Qt.TextFormat.PlainText)
        columns = QHBoxLayout()
        for title, view in ((self.view_title, self.view), *zip(self.beside_titles, self.beside_views)):
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
        self.open_companion.clicked.connect(self._choose_companion)
        self.scorecard.requested.connect(self.score)
        session.decoding_changed.connect(self.request_refresh)

    def _on_model_changed(self) -> None:
        explorer = self.session.explorer
        if self.session.continued:  # a later epoch: the same ends, encoded by the model as it is now
            self.set_endpoints(self.a, self.b)
            for name, sentence in self.sentences.items():
                if sentence is not None:
                    self.encode_tasks[name].start(encode_sentence, explorer, sentence)
            if self.session.path != self.companions_for:  # another model of the same items: its own companions
                self._reset_companions(explorer)
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
        for task in (self.strip_task, self.swap_task, self.companions_task, self.companion_task, self.beside_task,
                     self.scorecard_task, *self.encode_tasks.values()):
            task.cancel()
        self.scorecard.clear()
        self.scorecard.setVisible(is_text and explorer.latent_dim > 0)
        self.view.clear()
        self.swap_view.clear()
        self.session.show_path(None)
        conditional = explorer.conditional
        self.swap_label.setVisible(conditional)
        self.swap_view.setVisible(conditional)
        self._reset_companions(explorer)

    # Other sentence models beside this one
    def _reset_companions(self, explorer) -> None:
        self.companions = []
        self.companions_for = self.session.path
        comparable = explorer.domain_name == "text" and bool(explorer.latent_dim)
        for widget in (self.beside, self.open_companion, self.companion_label):
            widget.setVisible(comparable)
        self.beside.blockSignals(True)
        self.beside.setChecked(False)
        self.beside.blockSignals(False)
        self.beside.setEnabled(False)
        self.companion_label.setText("")
        self._show_columns()
        if comparable and self.session.path:
            self.companions_task.start(find_companions, self.session.path, self._dataset())

    def _dataset(self) -> dict:
        return dict(self.session.explorer.checkpoint.dataset)

    def _choose_companion(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a sentence model", "", "Checkpoints (*.safetensors)")
        if path:
            self.use_companion_file(path)

    def use_companion_file(self, path: str) -> None:
        self.companion_task.start(load_companion, path, self._dataset())

    def _use_companions(self, companions: list) -> None:
        self.companions = list(companions)
        self._companions_changed()

    def _add_companion(self, companion) -> None:
        """A model opened here joins the columns (taking the last one's place when all are in use)."""
        self.companions = self.companions[: MAX_COMPANIONS - 1] + [companion]
        self._companions_changed()

    def _companions_changed(self) -> None:
        self.beside.setEnabled(bool(self.companions))
        names = [c.label + (f" ({c.latent_dim} dims)" if c.latent_dim else "") for c in self.companions]
        self.companion_label.setText(f"beside: {', '.join(names)}" if names else "")
        if self.companions:
            self.beside.setChecked(True)
        self._show_columns()
        self.request_refresh()

    def _companion_failed(self, error: BaseException) -> None:
        if not isinstance(error, ExplorerError):
            raise error
        self.companion_label.setText(str(error))

    def _on_beside_toggled(self, checked: bool) -> None:
        self._show_columns()
        self.request_refresh()

    def _show_columns(self) -> None:
        shown = self.companions if self.beside.isChecked() else []
        self.view_title.setVisible(bool(shown))
        if shown:
            self.view_title.setText(self.session.explorer.label)
        for index, (title, view) in enumerate(zip(self.beside_titles, self.beside_views)):
            visible = index < len(shown)
            title.setVisible(visible)
            view.setVisible(visible)
            if visible:
                title.setText(shown[index].label)
            else:
                view.clear()

    def _end_text(self, name: str) -> str | None:
        """An end as a sentence: as typed, or the preview item's text."""
        index = self.a if name == "A" else self.b
        if self.sentences[name] is not None:
            return self.sentences[name]
        return self.session.explorer.items([index])[0] if index >= 0 else None

    def _show_beside(self, paths: list[list[str]]) -> None:
        for view, sentences in zip(self.beside_views, paths):
            view.set_items(sentences, prefixes=end_marks(sentences))

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
        if self.beside.isChecked() and self.companions and None not in ends:
            self.beside_task.start(decode_beside, list(self.companions), explorer.decode_config,
                                   explorer.language_model, *ends, self.steps.value(), self.method.currentData())

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
