"""Saving: the title follows Save As, shipped models are never overwritten, and Save As after a training run
starts in the user's own folder, not the app's hidden runs folder."""
import hashlib
import shutil
from pathlib import Path

from explorer.gui import settings
from explorer.resources import TRAINED

SHIPPED = TRAINED / "vae-mnist5k.safetensors"


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_save_as_renames_the_window(vae_window, prompts, tmp_path):
    assert "vae.safetensors" in vae_window.windowTitle()
    prompts.next_path = str(tmp_path / "renamed.safetensors")
    vae_window.save_as_action.trigger()
    assert vae_window.windowTitle().startswith("renamed.safetensors")


def test_ctrl_s_on_a_shipped_model_asks_for_a_new_file(window, prompts, tmp_path, qtbot):
    before = digest(SHIPPED), SHIPPED.stat().st_mtime_ns
    assert window.open_checkpoint(str(SHIPPED))
    assert "(read-only)" in window.windowTitle()
    assert "read-only" in window.model_panel.summary.text()
    settings.set_last_folder(str(tmp_path / "anything"))
    prompts.next_path = None  # the user cancels the dialog
    window.save_action.trigger()
    caption, default, _ = prompts.save_requests[-1]
    assert Path(default).parent == tmp_path  # a Save As dialog, in the user's folder
    prompts.next_path = str(SHIPPED)  # choosing the shipped file itself is refused
    window.save_action.trigger()
    assert prompts.errors and "read-only" in prompts.errors[-1][1]
    assert (digest(SHIPPED), SHIPPED.stat().st_mtime_ns) == before
    prompts.next_path = str(tmp_path / "mine.safetensors")
    window.save_action.trigger()
    assert window.session.path == prompts.next_path and "(read-only)" not in window.windowTitle()
    window.save_action.trigger()  # now an ordinary Save of the user's copy
    assert len(prompts.save_requests) == 3


def test_save_as_after_a_run_starts_in_the_users_folder(vae_window, prompts, vae_path, tmp_path):
    prompts.next_path = str(tmp_path / "chosen" / "first.safetensors")
    Path(prompts.next_path).parent.mkdir()
    vae_window.save_as()
    run_output = settings.runs_dir() / "run-1" / "model.safetensors"
    run_output.parent.mkdir(parents=True)
    shutil.copy(vae_path, run_output)
    vae_window.training.run_finished.emit(str(run_output), "finished")
    assert vae_window.session.path == str(run_output)
    prompts.next_path = None
    vae_window.save_as()
    assert Path(prompts.save_requests[-1][1]).parent == tmp_path / "chosen"
    assert settings.recent_files()[0] == str(run_output.resolve())  # the run is still in Open Recent
