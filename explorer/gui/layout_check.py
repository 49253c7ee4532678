"""Finding text the window cuts off: every visible one-line label whose shown text is wider than the room it has
(used by the layout tests and the tour)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from explorer.gui.widgets.elided_label import ElidedLabel


def cut_labels(root: QWidget) -> list[str]:
    """A line for each label under ``root`` that shows less than its text."""
    cut = []
    for label in root.findChildren(QLabel):
        pixmap = label.pixmap()
        if not label.isVisible() or label.wordWrap() or (pixmap is not None and not pixmap.isNull()):
            continue
        shown = label.shown_text() if isinstance(label, ElidedLabel) else label.text()
        if not shown or label.textFormat() == Qt.TextFormat.RichText:
            continue
        needed = max(label.fontMetrics().horizontalAdvance(line) for line in shown.splitlines())
        if needed > label.contentsRect().width() + 1:
            cut.append(f"{shown!r}: needs {needed} px, has {label.contentsRect().width()}")
    return cut
