"""A sweep from the Training tab: the same train --sweep command as a child process, its first trial followed as it
trains, the sweep opened in Compare when it ends; a bad sweep named in a dialog before anything starts."""
from pathlib import Path

from explorer.training.sweep import read_manifest
from tests.gui.test_training_panel import show_training

TINY = {"model": "vae", "dataset": "digits", "latent_dim": 2, "hidden": [16], "epochs": 1, "batch_size": 128,
        "device": "cpu"}


def test_the_sweep_box_trains_each_value_and_opens_the_sweep_in_compare(window, qtbot, tmp_path, monkeypatch):
    panel = show_training(window, qtbot)
    monkeypatch.setattr(type(panel), "runs_folder", staticmethod(lambda: tmp_path))
    panel.form.set_values(TINY)
    box = panel.sweep_box
    assert box.option.findData("latent_dim") >= 0 and box.option.findData("seed") < 0
    assert box.option.findData("capacity_c") < 0  # a JointVAE's setting: not for a VAE
    box.option.setCurrentIndex(box.option.findData("beta"))
    box.values.setText("1, 4")
    box.seeds.setValue(1)
    box.jobs.setValue(2)
    with qtbot.waitSignal(box.trial_started, timeout=120_000) as started:
        box.start_button.click()
    assert Path(started.args[0]).name == "beta=1-seed0"
    qtbot.waitUntil(lambda: panel.watcher is not None or panel.status == "finished", timeout=10_000)
    assert not box.start_button.isEnabled() and box.stop_button.isEnabled()
    with qtbot.waitSignal(box.finished, timeout=300_000) as ended:
        pass
    folder, status, _ = ended.args
    assert status == "finished", box.output()
    assert [t["status"] for t in read_manifest(folder).trials] == ["finished", "finished"]
    compare = window.compare_window
    qtbot.waitUntil(lambda: not compare.read_task.busy, timeout=60_000)  # the trials are read off the GUI thread
    try:
        assert compare.sweep_view.isVisible() and len(compare.runs) == 2
        assert compare.sweep_view.seed_points()[0].tolist() == [1.0, 4.0]
    finally:
        compare.stop_worker()
    assert box.start_button.isEnabled()


def test_a_bad_sweep_is_named_in_a_dialog_and_nothing_starts(window, qtbot, tmp_path, monkeypatch, prompts):
    panel = show_training(window, qtbot)
    monkeypatch.setattr(type(panel), "runs_folder", staticmethod(lambda: tmp_path))
    panel.form.set_values(TINY)
    panel.sweep_box.option.setCurrentIndex(panel.sweep_box.option.findData("beta"))
    panel.sweep_box.values.setText("1, -3")
    panel.sweep_box.start_button.click()
    assert prompts.errors[-1][0] == "Cannot start the sweep" and "--sweep beta" in prompts.errors[-1][1]
    assert not panel.sweep_box.running and list(tmp_path.iterdir()) == []
