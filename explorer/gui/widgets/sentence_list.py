"""Decoded sentences, one a row, for text models."""
from __future__ import annotations

from PySide6.QtWidgets import QListWidget


class SentenceList(QListWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.sentences: list[str] = []

    def set_sentences(self, sentences: list[str], prefixes: list[str] | None = None,
                      tips: list[str] | None = None) -> None:
        self.sentences = list(sentences)
        self.clear()
        for i, sentence in enumerate(self.sentences):
            self.addItem(f"{prefixes[i]}  {sentence}" if prefixes else sentence)
            if tips and i < len(tips):
                self.item(i).setToolTip(tips[i])
