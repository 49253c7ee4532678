"""Number boxes built in one line: range, starting value and the one-sentence tooltip every control carries."""
from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def int_box(low: int, high: int, value: int, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setToolTip(tip)
    return box


def float_box(low: float, high: float, value: float, step: float, tip: str, decimals: int = 2) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    box.setToolTip(tip)
    return box
