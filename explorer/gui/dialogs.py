"""The questions the app asks the user, in one object so tests can answer them without a modal dialog."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from explorer.io.display import ELLIPSIS, printable

MESSAGE_CHARS = 2000


class Prompts:
    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    def error(self, title: str, text: str) -> None:
        self._box(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok).exec()

    def confirm(self, title: str, text: str) -> bool:
        box = self._box(QMessageBox.Icon.Question, title, text,
                        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _box(self, icon, title: str, text: str, buttons) -> QMessageBox:
        """Messages name files and repeat strings from them: shown as plain text, escaped, at a bounded length."""
        shown = "\n".join(printable(line, MESSAGE_CHARS) for line in text[:MESSAGE_CHARS].splitlines())
        shown += ELLIPSIS if len(text) > MESSAGE_CHARS else ""
        box = QMessageBox(icon, title, shown, buttons, self.parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        return box

    def ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self.parent, title, label)
        return (text.strip() or None) if ok else None

    def save_path(self, caption: str, default_path: str, filters: str) -> str | None:
        """A file name to write; one typed without a suffix of ``filters`` gets the chosen filter's suffix (and
        replacing a file of that name is asked about, which the dialog could not do)."""
        path, chosen = QFileDialog.getSaveFileName(self.parent, caption, default_path, filters)
        if not path:
            return None
        completed = with_filter_suffix(path, chosen, filters)
        if completed != path and Path(completed).exists() and not self.confirm(
                "Replace the file?", f"{completed} already exists. Replace it?"):
            return None
        return completed

    def open_path(self, caption: str, folder: str, filters: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, caption, folder, filters)
        return path or None

    def open_folder(self, caption: str, folder: str) -> str | None:
        return QFileDialog.getExistingDirectory(self.parent, caption, folder) or None

    def open_paths(self, caption: str, folder: str, filters: str) -> list[str]:
        paths, _ = QFileDialog.getOpenFileNames(self.parent, caption, folder, filters)
        return list(paths)


def filter_suffixes(filters: str) -> list[str]:
    """The suffixes a Qt filter string names, in order: "PNG image (*.png);;SVG drawing (*.svg)" -> .png, .svg."""
    return [suffix.lower() for suffix in re.findall(r"\*(\.[\w.]+)", filters)]


def with_filter_suffix(path: str, chosen_filter: str, filters: str) -> str:
    """``path`` as typed when its suffix is one the filters offer, else with the chosen filter's suffix added."""
    if Path(path).suffix.lower() in filter_suffixes(filters):
        return path
    suffixes = filter_suffixes(chosen_filter) or filter_suffixes(filters)
    return path + suffixes[0] if suffixes else path


class HeadlessPrompts(Prompts):
    """For unattended runs (--screenshot): errors go to stderr, questions get their safe answer."""

    def error(self, title: str, text: str) -> None:
        print(f"{title}: {printable(text, MESSAGE_CHARS)}", file=sys.stderr)

    def confirm(self, title: str, text: str) -> bool:
        return True

    def ask_text(self, title: str, label: str) -> str | None:
        return None

    def save_path(self, caption: str, default_path: str, filters: str) -> str | None:
        return None

    def open_path(self, caption: str, folder: str, filters: str) -> str | None:
        return None

    def open_folder(self, caption: str, folder: str) -> str | None:
        return None

    def open_paths(self, caption: str, folder: str, filters: str) -> list[str]:
        return []
