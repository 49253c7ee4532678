"""The questions the app asks the user, in one object so tests can answer them without a modal dialog."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


class Prompts:
    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    def error(self, title: str, text: str) -> None:
        QMessageBox.critical(self.parent, title, text)

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.parent, title, text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(self.parent, title, label)
        return (text.strip() or None) if ok else None

    def save_path(self, caption: str, default_path: str, filters: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, caption, default_path, filters)
        return path or None

    def open_path(self, caption: str, folder: str, filters: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, caption, folder, filters)
        return path or None

    def open_folder(self, caption: str, folder: str) -> str | None:
        return QFileDialog.getExistingDirectory(self.parent, caption, folder) or None


class HeadlessPrompts(Prompts):
    """For unattended runs (--screenshot): errors go to stderr, questions get their safe answer."""

    def error(self, title: str, text: str) -> None:
        print(f"{title}: {text}", file=sys.stderr)

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
