"""The window at the two sizes people use most, 1280x720 and 1400x900, on every tab: no one-line label shows less
than its text (a status line ends in "…" with the whole of it in its tooltip, others wrap or fit)."""
import pytest
from PySide6.QtWidgets import QLabel

from explorer.gui.layout_check import cut_labels
from explorer.gui.widgets.elided_label import ElidedLabel
from tests.gui.conftest import settle


@pytest.mark.parametrize("size", [(1280, 720), (1400, 900)])
def test_no_label_is_cut_on_any_tab(vae_window, qtbot, size):
    vae_window.default_layout(size)
    vae_window.resize(*size)
    problems = {}
    for index in range(vae_window.tabs.count()):
        vae_window.tabs.setCurrentIndex(index)
        settle(qtbot, vae_window)
        cut = cut_labels(vae_window)
        if cut:
            problems[vae_window.tabs.tabText(index)] = cut
    assert not problems, problems


def test_a_cut_label_is_found(qtbot):
    from PySide6.QtWidgets import QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    label = QLabel("UMAP · saved with the model · new points placed by its head", holder)
    label.setFixedWidth(80)
    holder.show()
    assert len(cut_labels(holder)) == 1
    label.setFixedWidth(label.sizeHint().width())
    assert cut_labels(holder) == []


def test_a_long_status_line_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(qtbot):
    label = ElidedLabel()
    qtbot.addWidget(label)
    label.resize(120, 20)
    label.show()
    label.setText("UMAP · saved with the model · new points placed by its head (R² 0.93 on held-out latents)")
    assert label.shown_text().endswith("…") and label.text().endswith("latents)")
    assert label.toolTip() == label.text()
    label.resize(2000, 20)
    assert label.shown_text() == label.text()
