"""Boxes built in one line: range, starting value and the one-sentence tooltip every control carries; and the box
of any declared option."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox


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


def option_box(option):
    """The box for a declared option (explorer.options.Option): its range, default, choices and help as
    tooltip; named after the option, so a test can find it. ``option_value`` reads it."""
    if option.type == "int":
        box = int_box(int(option.low), int(option.high), option.default, option.help)
    elif option.type == "float":
        span = option.high - option.low
        box = float_box(option.low, option.high, option.default, 0.1 if span >= 2 else 0.05, option.help)
    elif option.type == "choice":
        box = QComboBox()
        for choice in option.choices:
            box.addItem(option.choice_label(choice), choice)
        box.setCurrentIndex(option.choices.index(option.default))
        box.setToolTip(option.help)
    elif option.type == "bool":
        box = QCheckBox(option.title)
        box.setChecked(bool(option.default))
        box.setToolTip(option.help)
    else:
        raise ValueError(f"no box for option {option.name} of type {option.type}")
    box.setObjectName(option.name)
    return box


def option_value(box):
    if isinstance(box, QComboBox):
        return box.currentData()
    if isinstance(box, QCheckBox):
        return box.isChecked()
    return box.value()


def option_changed(box):
    """The signal a box emits when its value changes."""
    if isinstance(box, QComboBox):
        return box.currentIndexChanged
    if isinstance(box, QCheckBox):
        return box.toggled
    return box.valueChanged
