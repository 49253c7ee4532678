"""How sentences are generated: greedy, beam search, or sampling with temperature, top-k, nucleus and a
repetition penalty. Emits ``changed`` with the new DecodeConfig."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QWidget

from explorer.gui.widgets.controls import float_box, int_box

STRATEGIES = {"greedy": "Greedy (most likely word)", "beam": "Beam search", "sample": "Sampling"}


class DecodeOptions(QWidget):
    changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.strategy = QComboBox()
        for key, name in STRATEGIES.items():
            self.strategy.addItem(name, key)
        self.strategy.setToolTip("How a latent becomes a sentence: the most likely word each step, a beam search "
                                 "over whole sentences, or random sampling.")
        self.beam_width = int_box(1, 20, 5, "How many partial sentences beam search keeps at each step.")
        self.temperature = float_box(0.05, 5.0, 1.0, 0.1, "Sampling: below 1 sharpens, above 1 flattens the "
                                                            "word distribution.")
        self.top_k = int_box(0, 1000, 0, "Sampling: draw only from the k most likely words (0: all).")
        self.top_p = float_box(0.05, 1.0, 1.0, 0.05, "Sampling (nucleus): draw only from the most likely words "
                                                       "whose probabilities add up to p (1: all).")
        self.repetition = float_box(1.0, 5.0, 1.0, 0.1, "CTRL's repetition penalty θ: words already generated "
                                                          "become less likely (1: none).")
        self.seed = int_box(0, 1_000_000, 0, "Sampling: the random seed; the same seed repeats the sentences.")
        self.allow_unk = QCheckBox("Allow <unk>")
        self.allow_unk.setToolTip("Let generated sentences contain <unk>, the stand-in for rare words (off: the "
                                  "most likely real word is used instead).")
        form = QFormLayout(self)
        form.addRow("Decoding", self.strategy)
        form.addRow("Beam width", self.beam_width)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-k", self.top_k)
        form.addRow("Top-p", self.top_p)
        form.addRow("Repetition penalty", self.repetition)
        form.addRow("Seed", self.seed)
        form.addRow(self.allow_unk)
        self.strategy.currentIndexChanged.connect(self._on_change)
        self.allow_unk.toggled.connect(self._on_change)
        for box in (self.beam_width, self.temperature, self.top_k, self.top_p, self.repetition, self.seed):
            box.valueChanged.connect(self._on_change)
        self._update_enabled()

    def config(self):
        """The options as an explorer.analysis.decoding.DecodeConfig."""
        from explorer.analysis.decoding import DecodeConfig  # torch: imported once a model is open, not at launch

        return DecodeConfig(strategy=self.strategy.currentData(), beam_width=self.beam_width.value(),
                            temperature=self.temperature.value(), top_k=self.top_k.value(),
                            top_p=self.top_p.value(), repetition_penalty=self.repetition.value(),
                            seed=self.seed.value(), allow_unk=self.allow_unk.isChecked())

    def _update_enabled(self) -> None:
        strategy = self.strategy.currentData()
        self.beam_width.setEnabled(strategy == "beam")
        for box in (self.temperature, self.top_k, self.top_p, self.seed):
            box.setEnabled(strategy == "sample")

    def _on_change(self) -> None:
        self._update_enabled()
        self.changed.emit(self.config())
