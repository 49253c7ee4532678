"""The window with nothing loaded: it opens, says how to get a model, and every control explains itself."""
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

from explorer.gui.main_window import MainWindow


def test_empty_window_says_how_to_start(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert "New training" in window.statusBar().currentMessage()
    assert not window.save_action.isEnabled()
    assert not window.training.stop_button.isEnabled()


def test_every_control_has_a_tooltip(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    controls = [w for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider)
                for w in window.findChildren(kind)]
    untitled = [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}" for w in controls
                if not w.toolTip() and w.isVisibleTo(window) and not w.objectName().startswith("qt_")]
    assert not untitled
