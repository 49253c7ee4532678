"""Strings from a received checkpoint are shown as text, never as markup: a label or class name holding HTML cannot
make the window load a file; control characters are escaped; a damaged last-used file opens a shipped model."""
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from explorer.gui import app, settings
from explorer.gui.dialogs import Prompts
from tests.security.conftest import rewrite_meta

HOSTILE = '<img src="file:///etc/passwd">'


def _hostile_checkpoint(source, target):
    def change(meta):
        meta["label"] = HOSTILE
        meta["dataset"]["class_names"] = [f"<b>{i}</b>\x1b[31m" for i in range(9)] + ["=HYPERLINK(\"x\")"]
        meta["dataset"]["id"] = "digits"

    return str(rewrite_meta(source, target, change))


def _plain_or_escaped(label: QLabel) -> bool:
    text = label.text()
    return label.textFormat() == Qt.TextFormat.PlainText or ("<img" not in text and "<b>" not in text)


def test_labels_and_class_names_are_shown_as_text(window, vae_path, tmp_path, qtbot):
    assert window.open_checkpoint(_hostile_checkpoint(vae_path, tmp_path / "hostile.safetensors"))
    qtbot.wait(20)
    summary = window.model_panel.summary.text()
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in summary and "<img" not in summary
    window.session.select(0)
    labels = [window.inspector.title, window.status_model, window.status_dataset,
              *window.arithmetic.operand_labels.values(), window.interpolation.a_label, window.interpolation.b_label]
    assert "<b>" in window.inspector.title.text()
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert "\\x1b[31m" in window.inspector.title.text()
    legend = [item.text for _, item in window.map_panel.scatter._legend.items]
    assert legend and all("<b>" not in text and "&lt;b&gt;" in text for text in legend[:9])
    assert window.map_panel.scatter._preview.textFormat() == Qt.TextFormat.PlainText


def test_message_boxes_show_plain_text(qtbot):
    box = Prompts()._box(QMessageBox.Icon.Critical, "Could not open checkpoint",
                         f"{HOSTILE}.safetensors is not a checkpoint\x1b]0;title\x07\n" + "x" * 5000,
                         QMessageBox.StandardButton.Ok)
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert HOSTILE in box.text() and "\\x1b]0;title\\x07" in box.text() and len(box.text()) < 2100


def test_a_corrupt_last_used_file_opens_a_shipped_model_and_says_why(window, prompts, qapp, tmp_path):
    broken = tmp_path / "last.safetensors"
    broken.write_text("not a model\n" * 100)
    settings.add_recent_file(str(broken))
    assert app.checkpoint_to_open(None) == str(broken)
    assert app._show_and_run(qapp, window, None, screenshot=str(tmp_path / "shot.png")) == 0
    message = prompts.errors[0][1]
    assert f"{broken} is not a Latent Explorer checkpoint (not a safetensors file)" in message
    assert message.count(str(broken)) == 1
    assert window.session.path == app.shipped_checkpoint()
    assert settings.last_checkpoint() == str(Path(app.shipped_checkpoint()).resolve())


def test_the_window_refuses_a_fifo_without_blocking(window, prompts, tmp_path):
    import os

    from tests.security.conftest import deadline

    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with deadline(20):
        assert not window.open_checkpoint(str(fifo))
    assert prompts.errors and "FIFO" in prompts.errors[0][1] and prompts.errors[0][1].count(str(fifo)) == 1
