"""A combo box that shows its current choice ending in "…" where the row leaves it too little room (Qt's own
cuts the text off mid-letter), with the whole choice at the head of its tooltip."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox, QStylePainter

LEAST_CHARS = 8  # what the box keeps room for however narrow its row


class ElidedComboBox(QComboBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._tip = ""
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(LEAST_CHARS)
        self.currentIndexChanged.connect(self._update_tooltip)

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._tip = text
        self._update_tooltip()

    def sizeHint(self):
        """Room for the longest choice when the row has it (AdjustToContents), down to LEAST_CHARS when not."""
        hint = super().sizeHint()
        widest = max((self.fontMetrics().horizontalAdvance(self.itemText(i)) for i in range(self.count())),
                     default=0)
        hint.setWidth(max(hint.width(), widest + hint.width() - self.fontMetrics().horizontalAdvance(
            "x" * LEAST_CHARS)))
        return hint

    def shown_text(self) -> str:
        """The current choice as it shows at the box's width."""
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideRight, self._field().width())

    def _field(self):
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        return self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, self)

    def _update_tooltip(self, *_args) -> None:
        choice = self.currentText()
        super().setToolTip(f"{choice}\n\n{self._tip}" if choice and self._tip else choice or self._tip)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
