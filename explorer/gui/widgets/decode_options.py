"""How sentences are generated: greedy, beam search, or sampling with temperature, top-k, nucleus and a
repetition penalty, one box per decoding option of the exploring catalog. Emits ``changed`` with the new
DecodeConfig."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QWidget

from explorer.exploring import section
from explorer.gui.widgets.controls import option_box, option_changed, option_value

SAMPLING_ONLY = ("decode_temperature", "top_k", "top_p", "decode_seed")


class DecodeOptions(QWidget):
    changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.boxes = {option.name: option_box(option) for option in section("decoding")}
        form = QFormLayout(self)
        for option in section("decoding"):
            box = self.boxes[option.name]
            if option.type == "bool":
                form.addRow(box)
            else:
                form.addRow(option.title, box)
            option_changed(box).connect(self._on_change)
        self._update_enabled()

    def values(self) -> dict:
        return {name: option_value(box) for name, box in self.boxes.items()}

    def config(self):
        """The options as an explorer.domains.decoding.DecodeConfig."""
        from explorer.domains.decoding import DecodeConfig  # torch: imported once a model is open, not at launch

        return DecodeConfig.from_values(self.values())

    def _update_enabled(self) -> None:
        strategy = option_value(self.boxes["decode"])
        self.boxes["beam_width"].setEnabled(strategy == "beam")
        for name in SAMPLING_ONLY:
            self.boxes[name].setEnabled(strategy == "sample")

    def _on_change(self) -> None:
        self._update_enabled()
        self.changed.emit(self.config())
