"""How sentences are generated: greedy, beam search, or sampling with temperature, top-k, nucleus and a
repetition penalty, one box per decoding option of the exploring catalog. Emits ``changed`` with the new
DecodeConfig."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QWidget

from explorer.exploring import option, section
from explorer.gui.widgets.controls import option_box, option_changed, option_value

SAMPLING_ONLY = ("decode_temperature", "top_k", "top_p", "decode_seed")
BEAM_ONLY = ("beam_width", "length_penalty", "lm_weight", "path_weight")


class DecodeOptions(QWidget):
    changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.boxes = {declared.name: option_box(declared) for declared in section("decoding")}
        self.fusion_available = False  # a language model of the open model's tokenizer is at hand
        form = QFormLayout(self)
        for declared in section("decoding"):
            box = self.boxes[declared.name]
            if declared.type == "bool":
                form.addRow(box)
            else:
                form.addRow(declared.title, box)
            option_changed(box).connect(self._on_change)
        self._update_enabled()

    def values(self) -> dict:
        values = {name: option_value(box) for name, box in self.boxes.items()}
        return values if self.fusion_available else {**values, "lm_weight": 0.0}

    def set_fusion_available(self, available: bool) -> None:
        """Whether the language-model weight can apply: only with a language model beside the checkpoint."""
        self.fusion_available = available
        self.boxes["lm_weight"].setToolTip(option("lm_weight").help if available else
                                           "No language model of this tokenizer beside the checkpoint.")
        self._update_enabled()

    def config(self):
        """The options as an explorer.domains.decoding.DecodeConfig."""
        from explorer.domains.decoding import DecodeConfig  # torch: imported once a model is open, not at launch

        return DecodeConfig.from_values(self.values())

    def _update_enabled(self) -> None:
        strategy = option_value(self.boxes["decode"])
        for name in BEAM_ONLY:
            self.boxes[name].setEnabled(strategy == "beam" and (name != "lm_weight" or self.fusion_available))
        for name in SAMPLING_ONLY:
            self.boxes[name].setEnabled(strategy == "sample")

    def _on_change(self) -> None:
        self._update_enabled()
        self.changed.emit(self.config())
