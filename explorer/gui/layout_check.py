"""Finding what a window shows badly, from the geometry it paints (used by the layout tests and the tour):
- text cut off: a one-line label or a box's current text wider than its room (an ElidedLabel or ElidedComboBox
  ends in "…" with the whole in its tooltip, and passes);
- text on text: two visible labels, or two pieces of text in one plot (legend entries, axis labels, titles, tags
  on a map), whose text rectangles overlap, and plot text reaching out of its plot;
- widgets outside their parent: a visible child not inside its parent's rectangle (only a scroll area's content
  may reach past what shows, the user scrolls to it);
- cramped plots: a plot whose data area is too low to read;
- a plot's auto-range "A" button lying on one of its axis labels.
Each check returns one line per problem."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QComboBox,
    QGraphicsTextItem,
    QLabel,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)

from explorer.gui.widgets.elided_combo_box import ElidedComboBox
from explorer.gui.widgets.elided_label import ElidedLabel

LEAST_PLOT_HEIGHT = 40  # px of a plot's data area: lower, bars and curves cannot be read


def problems(root: QWidget) -> list[str]:
    """Every check's lines for ``root`` as it is shown now."""
    return (cut_labels(root) + cut_boxes(root) + overlapping_labels(root) + outside_parents(root)
            + plot_text_problems(root) + cramped_plots(root) + buttons_on_labels(root))


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.objectName() or ''}".rstrip()


def _label_text(label: QLabel) -> str | None:
    """What a plain one- or more-line label shows (None for a picture, rich text or nothing)."""
    pixmap = label.pixmap()
    if pixmap is not None and not pixmap.isNull():
        return None
    shown = label.shown_text() if isinstance(label, ElidedLabel) else label.text()
    if not shown or label.textFormat() == Qt.TextFormat.RichText:
        return None
    return shown


def cut_labels(root: QWidget) -> list[str]:
    """A line for each one-line label under ``root`` that shows less than its text."""
    cut = []
    for label in root.findChildren(QLabel):
        shown = _label_text(label)
        if not _shown(label) or label.wordWrap() or shown is None:
            continue
        needed = max(label.fontMetrics().horizontalAdvance(line) for line in shown.splitlines())
        if needed > label.contentsRect().width() + 1:
            cut.append(f"{shown!r}: needs {needed} px, has {label.contentsRect().width()}")
    return cut


def cut_boxes(root: QWidget) -> list[str]:
    """A line for each combo box whose current text is wider than its text field (an ElidedComboBox shows it
    with "…" and the whole in its tooltip)."""
    cut = []
    for box in root.findChildren(QComboBox):
        if not _shown(box) or isinstance(box, ElidedComboBox) or box.isEditable() or not box.currentText():
            continue
        option = QStyleOptionComboBox()
        box.initStyleOption(option)
        field = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, box)
        needed = box.fontMetrics().horizontalAdvance(box.currentText())
        if needed > field.width() + 1:
            cut.append(f"box {box.currentText()!r}: needs {needed} px, has {field.width()}")
    return cut


def visible_rect(widget: QWidget, root: QWidget) -> QRect:
    """The part of ``widget`` that shows within ``root``, in ``root``'s coordinates (clipped by every parent)."""
    rect = QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        rect &= QRect(parent.mapTo(root, QPoint(0, 0)), parent.size())
        parent = parent.parentWidget()
    return rect & root.rect()


def _text_rect(label: QLabel, text: str) -> QRect:
    """Where ``label`` draws ``text``, in its own coordinates."""
    flags = int(label.alignment().value) | (int(Qt.TextFlag.TextWordWrap.value) if label.wordWrap() else 0)
    return label.fontMetrics().boundingRect(label.contentsRect(), flags, text) & label.contentsRect()


def overlapping_labels(root: QWidget) -> list[str]:
    """A line for each two visible labels whose text, as far as it shows, lies on the other's."""
    placed = []
    for label in root.findChildren(QLabel):
        text = _label_text(label)
        if not _shown(label) or text is None:
            continue
        rect = _text_rect(label, text).translated(label.mapTo(root, QPoint(0, 0))) & visible_rect(label, root)
        if not rect.isEmpty():
            placed.append((text, rect))
    return [f"{a!r} overlaps {b!r}" for i, (a, rect_a) in enumerate(placed) for b, rect_b in placed[i + 1:]
            if rect_a.intersects(rect_b)]


def _scrolls(widget: QWidget) -> bool:
    """``widget`` is a scroll area's viewport: its content may be larger than what shows."""
    area = widget.parentWidget()
    return isinstance(area, QAbstractScrollArea) and area.viewport() is widget


def outside_parents(root: QWidget) -> list[str]:
    """A line for each visible widget that reaches outside its parent (but for a scroll area's content)."""
    outside = []
    for widget in root.findChildren(QWidget):
        parent = widget.parentWidget()
        if (not _shown(widget) or widget.isWindow() or parent is None or _scrolls(parent)
                or parent.rect().contains(widget.geometry())):
            continue
        outside.append(f"{_name(widget)} at {widget.geometry().getRect()} outside {_name(parent)} "
                       f"{parent.rect().getRect()}")
    return outside


def _views(root: QWidget) -> list[pg.GraphicsView]:
    views = ([root] if isinstance(root, pg.GraphicsView) else []) + root.findChildren(pg.GraphicsView)
    return [view for view in views if _shown(view)]


def _plain(item: QGraphicsTextItem) -> str:
    return item.toPlainText().strip()


def _drawn_text_rect(item: QGraphicsTextItem, view: pg.GraphicsView) -> QRectF:
    """The rectangle of ``item``'s text (without the document's margin) in ``view``'s pixels."""
    margin = item.document().documentMargin()
    local = item.boundingRect().adjusted(margin, margin, -margin, -margin)
    return QRectF(view.mapFromScene(item.mapToScene(local)).boundingRect())


def _clip_of(item) -> pg.ViewBox | None:
    """The plot area that clips ``item`` (a tag on a map, a legend inside the plot), if one does."""
    parent = item.parentItem()
    while parent is not None:
        if isinstance(parent, pg.ViewBox):
            return parent
        parent = parent.parentItem()
    return None


def plot_text_problems(root: QWidget) -> list[str]:
    """A line for each two pieces of text in one plot that overlap, and for each that reaches out of its plot
    area (or out of the view, for titles and axis labels)."""
    found = []
    for view in _views(root):
        texts = [item for item in view.scene().items() if isinstance(item, QGraphicsTextItem) and item.isVisible()
                 and _plain(item)]
        placed = []
        for item in texts:
            rect = _drawn_text_rect(item, view)
            box = _clip_of(item)
            room = (QRectF(view.mapFromScene(box.sceneBoundingRect()).boundingRect()) if box is not None
                    else QRectF(view.viewport().rect()))
            if not room.adjusted(-1, -1, 1, 1).contains(rect):
                found.append(f"{_plain(item)!r} reaches out of its plot in {_name(view)}")
            placed.append((_plain(item), rect))
        found += [f"{a!r} overlaps {b!r} in {_name(view)}" for i, (a, rect_a) in enumerate(placed)
                  for b, rect_b in placed[i + 1:] if rect_a.intersects(rect_b)]
    return found


def _plots(root: QWidget) -> list[tuple[pg.PlotItem, pg.GraphicsView]]:
    return [(item, view) for view in _views(root) for item in view.scene().items()
            if isinstance(item, pg.PlotItem) and item.isVisible()]


def cramped_plots(root: QWidget) -> list[str]:
    """A line for each visible plot whose data area is lower than LEAST_PLOT_HEIGHT."""
    return [f"plot {plot.titleLabel.text!r} in {_name(view)}: {plot.vb.height():.0f} px high"
            for plot, view in _plots(root) if plot.vb.height() < LEAST_PLOT_HEIGHT]


def buttons_on_labels(root: QWidget) -> list[str]:
    """A line for each plot whose "A" button (shown on hover unless hidden) would lie on an axis label."""
    found = []
    for plot, _view in _plots(root):
        if plot.buttonsHidden:
            continue
        button = plot.autoBtn.mapRectToScene(plot.autoBtn.boundingRect())
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            if axis.isVisible() and axis.label.isVisible() and _plain(axis.label) and \
                    axis.label.mapRectToScene(axis.label.boundingRect()).intersects(button):
                found.append(f"the 'A' button of {plot.titleLabel.text!r} lies on {_plain(axis.label)!r}")
    return found


def buttons_in_view(root: QWidget, buttons: list[QAbstractButton]) -> list[str]:
    """A line for each of ``buttons`` that does not show whole (scrolled or pushed out of sight)."""
    return [f"{button.text()!r} shows {visible_rect(button, root).getRect()} of "
            f"{QRect(button.mapTo(root, QPoint(0, 0)), button.size()).getRect()}"
            for button in buttons if visible_rect(button, root).size() != button.size()]
