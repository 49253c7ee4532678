"""A model trained elsewhere in the window: File ▸ Open on an ONNX pair's folder shows it like a checkpoint, and
Save (which has no file of ours to write into) asks for a new checkpoint, which then reopens. (Its UMAP map is
fitted in the background meanwhile, as for any file without one; the test does not wait for it.)"""
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

from tests.conftest import tiny_model  # noqa: E402
from tests.onnx_pairs import write_pair  # noqa: E402


def test_an_onnx_pair_opens_and_saves_as_a_checkpoint(window, prompts, qtbot, tmp_path):
    pair = write_pair(tiny_model().eval(), tmp_path / "pair", label="exported elsewhere")
    prompts.next_path = str(pair / "encoder.onnx")
    window.open_dialog()
    qtbot.waitUntil(lambda: window.session.has_model, timeout=20_000)
    assert window.session.explorer.label == "exported elsewhere"
    assert "exported elsewhere" in window.model_panel.summary.text()
    out = tmp_path / "mine.safetensors"
    prompts.next_path = str(out)
    window.save_action.trigger()
    caption, default, _ = prompts.save_requests[-1]
    assert Path(default).name == "pair.safetensors" and out.exists()
    assert window.session.path == str(out) and not prompts.errors
    assert window.open_checkpoint(str(out))
    assert window.session.explorer.model.kind == "onnx-pair" and window.session.explorer.label == "exported elsewhere"
