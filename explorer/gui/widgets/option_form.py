"""A form built from declared options (explorer.options.Option): one field per option, bound by name, so the
training form offers exactly what the CLI's ``train`` accepts, with the same defaults and bounds."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from explorer.errors import ConfigError

# Options whose empty value means "off" rather than "chosen from the data".
OFF_WHEN_EMPTY = ("capacity", "grad_clip")


class OptionField:
    """Reads and writes one option's value on its widget (None: the option's automatic value)."""

    def __init__(self, option, widget, get, set_):
        self.option, self.widget, self.get, self.set = option, widget, get, set_


def _empty_text(option) -> str:
    return "off" if option.name in OFF_WHEN_EMPTY else "auto"


def _int_field(option) -> OptionField:
    box = QSpinBox()
    low = int(option.low) if option.low is not None else -2**31 + 1
    high = int(min(option.high, 2**31 - 1)) if option.high is not None else 2**31 - 1
    nullable = option.default is None
    box.setRange(low - 1 if nullable else low, high)
    if nullable:
        box.setSpecialValueText(_empty_text(option))

    def get():
        return None if nullable and box.value() == box.minimum() else box.value()

    def set_(value):
        box.setValue(box.minimum() if value is None else int(value))

    return OptionField(option, box, get, set_)


def _float_field(option) -> OptionField:
    box = QDoubleSpinBox()
    low = option.low if option.low is not None else -1e9
    high = option.high if option.high is not None else 1e9
    decimals = max(2, min(8, 1 - math.floor(math.log10(low)))) if 0 < low < 1 else 4
    step = 10.0 ** -min(decimals, 3)
    nullable = option.default is None
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setRange(low - step if nullable else low, high)
    if nullable:
        box.setSpecialValueText(_empty_text(option))

    def get():
        return None if nullable and box.value() <= box.minimum() else box.value()

    def set_(value):
        box.setValue(box.minimum() if value is None else float(value))

    return OptionField(option, box, get, set_)


def _bool_field(option) -> OptionField:
    box = QCheckBox()
    return OptionField(option, box, box.isChecked, lambda value: box.setChecked(bool(value)))


def _choice_field(option) -> OptionField:
    box = QComboBox()
    box.addItems([str(c) for c in option.choices])
    return OptionField(option, box, box.currentText, lambda value: box.setCurrentText(str(value)))


def _text_field(option, choices=()) -> OptionField:
    if choices:
        box = QComboBox()
        box.setEditable(True)
        box.addItems(list(choices))
        return OptionField(option, box, lambda: box.currentText().strip() or None,
                           lambda value: box.setCurrentText("" if value is None else str(value)))
    line = QLineEdit()
    if option.default is None:
        line.setPlaceholderText(_empty_text(option))
    if option.type != "path":
        return OptionField(option, line, lambda: line.text().strip() or None,
                           lambda value: line.setText("" if value is None else str(value)))
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    browse = QPushButton("…")
    browse.setToolTip("Choose a folder.")
    browse.setMaximumWidth(32)
    layout.addWidget(line, 1)
    layout.addWidget(browse)
    browse.clicked.connect(lambda: line.setText(QFileDialog.getExistingDirectory(row, option.title) or line.text()))
    return OptionField(option, row, lambda: line.text().strip() or None,
                       lambda value: line.setText("" if value is None else str(value)))


def _int_list_field(option) -> OptionField:
    line = QLineEdit()
    line.setPlaceholderText(_empty_text(option) if option.default is None else "")

    def get():
        return line.text().strip() or None

    def set_(value):
        line.setText("" if value is None else ",".join(str(v) for v in value))

    return OptionField(option, line, get, set_)


def make_field(option, choices=()) -> OptionField:
    field = {"int": _int_field, "float": _float_field, "bool": _bool_field, "choice": _choice_field,
             "int_list": _int_list_field}.get(option.type)
    field = field(option) if field is not None else _text_field(option, choices)
    field.widget.setToolTip(option.help)
    field.widget.setObjectName(f"option_{option.name}")
    field.set(option.default)
    return field


class OptionForm(QWidget):
    """Basic options in the form, advanced ones under an "Advanced" toggle; ``show_for(kind, domain)`` shows
    only the options that apply. ``values()`` gives every shown option's value, checked against its bounds."""

    changed = Signal()

    def __init__(self, options, suggestions: dict | None = None, parent=None):
        super().__init__(parent)
        self.fields: dict[str, OptionField] = {}
        self.notes: dict[str, QLabel] = {}
        self.basic, self.advanced = QFormLayout(), QFormLayout()
        for option in options:
            field = make_field(option, (suggestions or {}).get(option.name, ()))
            self.fields[option.name] = field
            (self.basic if option.group == "basic" else self.advanced).addRow(option.title, field.widget)
            for signal in ("valueChanged", "currentTextChanged", "toggled", "textChanged"):
                if hasattr(field.widget, signal):
                    getattr(field.widget, signal).connect(self._on_changed)
        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setText("Advanced settings")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolTip("Show every other setting the command line accepts.")
        self.advanced_box = QWidget()
        self.advanced_box.setLayout(self.advanced)
        self.advanced_box.setVisible(False)
        self.advanced_toggle.toggled.connect(self.advanced_box.setVisible)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.basic)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced_box)
        layout.addStretch(1)

    def _on_changed(self, *_args) -> None:
        self.changed.emit()

    def show_for(self, kind: str, domain: str) -> None:
        for field in self.fields.values():
            form = self.basic if field.option.group == "basic" else self.advanced
            form.setRowVisible(field.widget, field.option.applies_to(kind, domain))

    def set_note(self, name: str, text: str) -> None:
        """A short note in the row under a field (why it changed by itself); "" hides it."""
        field = self.fields[name]
        form = self.basic if field.option.group == "basic" else self.advanced
        note = self.notes.get(name)
        if note is None:
            note = self.notes[name] = QLabel()
            note.setProperty("role", "note")
            note.setWordWrap(True)
            note.setTextFormat(Qt.TextFormat.PlainText)
            form.insertRow(form.getWidgetPosition(field.widget)[0] + 1, "", note)
        note.setText(text)
        form.setRowVisible(note, bool(text))

    def is_shown(self, name: str) -> bool:
        field = self.fields[name]
        form = self.basic if field.option.group == "basic" else self.advanced
        return form.isRowVisible(field.widget)

    def values(self) -> dict:
        """The value of every shown option; ConfigError naming the field for one out of its bounds."""
        values = {}
        for name, field in self.fields.items():
            if not self.is_shown(name):
                continue
            try:
                values[name] = field.option.check(field.get())
            except ConfigError as error:
                raise ConfigError(f"{field.option.title}: {error}") from None
        return values

    def set_values(self, values: dict) -> None:
        """Every field to ``values`` where given, else to its option's default."""
        blocked = [f.widget.blockSignals(True) for f in self.fields.values()]
        try:
            for name, field in self.fields.items():
                field.set(values.get(name, field.option.default))
        finally:
            for field, was in zip(self.fields.values(), blocked):
                field.widget.blockSignals(was)
        self.changed.emit()

    def set_enabled(self, enabled: bool, keep: tuple[str, ...] = ()) -> None:
        """Enable or disable every field but those in ``keep`` (which stay enabled)."""
        for name, field in self.fields.items():
            field.widget.setEnabled(enabled or name in keep)
