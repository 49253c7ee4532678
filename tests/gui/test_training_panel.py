"""Training from the app: the form is built from the CLI's option list, a run is a child process whose events draw
the curves, pause/resume/stop reach it, a crash is reported without killing the window, a run folder written by
another process can be watched, and the open model can be continued."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from explorer.gui.panels.training_curves import STEP_REDRAW_MS
from explorer.training.run import RunSpec
from explorer.training.run_folder import read_run

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 120_000


def tiny_spec(run_dir, epochs=1, **options):
    return RunSpec.create(run_dir=str(run_dir), model="vae", dataset="digits", latent_dim=3, hidden=[32],
                          epochs=epochs, batch_size=64, device="cpu", **options)


def show_training(window, qtbot):
    window.show_training()
    qtbot.waitUntil(lambda: window.training.form is not None)
    return window.training


def test_form_is_built_from_the_option_list_and_builds_the_spec(window, qtbot):
    from explorer.training.options import all_options

    panel = show_training(window, qtbot)
    assert set(panel.form.fields) == {option.name for option in all_options()}
    fields = panel.form.fields
    fields["model"].set("vae")
    fields["beta"].set(4.0)
    fields["kl_schedule"].set("cyclical")
    fields["cycles"].set(3)
    fields["epochs"].set(3)
    spec = panel.build_spec(run_dir="somewhere")
    assert (spec.model, spec.dataset, spec.options["latent_dim"]) == ("vae", "digits", None)
    assert spec.train.epochs == 3 and spec.train.objective.beta == 4.0
    assert spec.train.objective.schedule == {"kind": "cyclical", "cycles": 3, "ratio": 0.5}
    assert spec.train.autosave_every == 1  # the same default as the command line


def test_form_shows_only_what_applies_to_the_model(window, qtbot):
    panel = show_training(window, qtbot)
    panel.form.fields["model"].set("sentence-vae")
    assert panel.form.fields["dataset"].get() == "wordnet-examples"
    assert panel.form.is_shown("word_dropout") and panel.form.is_shown("max_len")
    assert not panel.form.is_shown("arch") and not panel.form.is_shown("binarize")
    panel.form.fields["word_dropout"].set(0.3)
    assert panel.build_spec(run_dir="x").model_options()["word_dropout"] == 0.3
    panel.form.fields["model"].set("cvae")
    assert panel.form.fields["dataset"].get() == "digits"
    assert panel.form.is_shown("learned_prior") and not panel.form.is_shown("word_dropout")


def test_a_dataset_the_model_cannot_use_says_why_beside_the_box(window, qtbot):
    panel = show_training(window, qtbot)
    panel.form.fields["model"].set("sentence-vae")
    panel.form.fields["dataset"].set("digits")  # the user picks an image dataset for a sentence model
    note = panel.form.notes["dataset"]
    assert panel.form.fields["dataset"].get() == "wordnet-examples" and note.isVisible()
    assert note.text() == ("A sentence-vae model trains on text data and digits is image data, so the dataset is "
                           "now wordnet-examples.")
    panel.form.fields["model"].set("vae")
    panel.form.fields["dataset"].set("mnist-5k")  # a choice that fits: the note goes
    assert not note.isVisible() and panel.form.fields["dataset"].get() == "mnist-5k"


def test_presets_fill_the_form(window, qtbot):
    panel = show_training(window, qtbot)
    index = panel.presets.findData("beta-vae")
    panel.presets.setCurrentIndex(index)
    values = panel.form.values()
    assert values["beta"] == 4.0 and values["model"] == "vae" and values["latent_dim"] == 10


def test_a_run_is_a_child_process_that_draws_curves_and_opens_its_result(window, qtbot, tmp_path):
    panel = show_training(window, qtbot)
    panel.refresh_each_epoch.setChecked(False)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT) as finished:
        panel.start_spec(tiny_spec(tmp_path / "run"))
    path, status = finished.args
    assert status == "finished" and path == str(tmp_path / "run" / "checkpoint.safetensors")
    assert panel.curves.loss_plot.points("recon") >= 2 and panel.curves.loss_plot.points("kl") >= 2
    assert panel.curves.loss_plot.curves["recon"].xData[-1] == 23  # ceil(1438 / 64) steps
    assert panel.curves.loss_plot.curves["recon"].opts["symbol"] is None  # live curves draw no marker per point
    assert panel.curves.weight_plot.points("β(t)") > 0
    assert panel.curves.elbo_plot.points("test −ELBO") == 1 and panel.curves.heatmap.values.shape == (1, 3)
    assert panel.progress.value() == panel.progress.maximum()
    assert "Finished" in panel.progress_label.text()
    assert window.session.path == path and window.session.explorer.latent_dim == 3
    assert window.tabs.currentWidget() is panel  # a finished run does not leave the Training tab
    assert read_run(tmp_path / "run").status == "finished" and not panel.stop_button.isEnabled()


def test_each_epoch_snapshot_is_shown_while_training(window, qtbot, tmp_path):
    panel = show_training(window, qtbot)
    written = []
    panel.checkpoint_written.connect(written.append)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT):
        panel.start_spec(tiny_spec(tmp_path / "run", epochs=2))
    checkpoint = str(tmp_path / "run" / "checkpoint.safetensors")
    assert written == [checkpoint]  # after epoch 1; the final save opens through run_finished
    assert len(window.session.explorer.checkpoint.history) == 2


def test_pause_resume_and_stop_reach_the_child(window, qtbot, tmp_path):
    panel = show_training(window, qtbot)
    panel.refresh_each_epoch.setChecked(False)
    panel.start_spec(tiny_spec(tmp_path / "run", epochs=100_000))  # far more than the test lasts
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=RUN_TIMEOUT)
    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.status == "paused", timeout=30_000)
    assert panel.progress_label.text().startswith("Paused") and "ETA" in panel.progress_label.text()
    qtbot.wait(500)
    paused_at = panel.progress.value()
    qtbot.wait(700)
    assert panel.progress.value() == paused_at
    panel.pause_button.click()
    qtbot.waitUntil(lambda: panel.progress.value() > paused_at, timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT) as finished:
        panel.stop_button.click()
    assert finished.args[1] == "stopped" and "Stopped early" in panel.progress_label.text()
    assert window.session.explorer.checkpoint.meta["stopped_early"] is True
    assert read_run(tmp_path / "run").status == "stopped"


@pytest.mark.parametrize("fault,title,says", [("raise@3", "Training failed", "fault injected at step 3"),
                                              ("abort@3", "Training crashed", "without finishing")])
def test_a_crashing_child_is_reported_and_the_window_lives_on(window, prompts, qtbot, tmp_path, fault, title,
                                                              says):
    panel = show_training(window, qtbot)
    with qtbot.waitSignal(panel.run_failed, timeout=RUN_TIMEOUT):
        panel.start_spec(tiny_spec(tmp_path / "run"), environment={"LATENT_EXPLORER_FAULT": fault})
    assert prompts.errors and prompts.errors[-1][0] == title and says in prompts.errors[-1][1]
    assert window.isVisible() and not panel.running and panel.start_button.isEnabled()


@pytest.mark.parametrize("answer", [True, False])
def test_closing_while_training_asks_then_stops_the_child_cleanly(window, prompts, qtbot, tmp_path, answer):
    panel = show_training(window, qtbot)
    panel.refresh_each_epoch.setChecked(False)
    panel.start_spec(tiny_spec(tmp_path / "run", epochs=100_000))
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=RUN_TIMEOUT)
    prompts.confirm_answer = answer
    process = panel.process
    window.close()
    assert prompts.confirmations == ["Training is running"]
    if answer:
        assert not process.running and not window.isVisible()
        assert (tmp_path / "run" / "checkpoint.safetensors").exists()
        assert read_run(tmp_path / "run").status == "stopped"
    else:
        assert panel.running and window.isVisible()
        panel.stop_and_wait()


def test_watching_a_run_folder_written_by_another_process(window, qtbot, tmp_path):
    folder = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-m", "explorer", "train", "--dataset", "digits", "--latent-dim", "3",
                              "--hidden", "32", "--epochs", "3", "--batch-size", "64", "--device", "cpu",
                              "--run-dir", str(folder)], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        qtbot.waitUntil(lambda: (folder / "run.json").exists(), timeout=RUN_TIMEOUT)
        window.watch_run(str(folder))
        panel = window.training
        assert panel.running and panel.stop_button.text() == "Stop watching"
        with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT) as finished:
            pass
    finally:
        assert child.wait(RUN_TIMEOUT / 1000) == 0, child.stderr.read().decode()
    assert finished.args == [str(folder / "checkpoint.safetensors"), "finished"]
    assert panel.curves.elbo_plot.points("test −ELBO") == 3 and panel.curves.loss_plot.points("recon") > 3
    assert len(window.session.explorer.checkpoint.history) == 3


def test_watching_a_folder_that_is_not_a_run_says_so(window, prompts, qtbot, tmp_path):
    window.watch_run(str(tmp_path))
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=5_000)
    assert prompts.errors[-1][0] == "Cannot watch this folder" and "no run.json" in prompts.errors[-1][1]
    assert not window.training.running


def test_watching_a_run_whose_events_are_a_fifo_is_refused_without_freezing(window, prompts, qtbot, tmp_path):
    (tmp_path / "run.json").write_text('{"status": "running"}')
    os.mkfifo(tmp_path / "events.jsonl")
    started = time.monotonic()
    window.watch_run(str(tmp_path))
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=5_000)
    assert time.monotonic() - started < 5
    assert "is a FIFO (named pipe), not a regular file" in prompts.errors[-1][1]
    assert "FIFO" in window.training.progress_label.text() and not window.training.running


def test_a_watched_run_naming_a_checkpoint_outside_its_folder_is_refused(window, prompts, qtbot, tmp_path,
                                                                        vae_path):
    (tmp_path / "run.json").write_text(json.dumps({"status": "finished", "checkpoint": str(vae_path)}))
    window.watch_run(str(tmp_path))
    qtbot.waitUntil(lambda: bool(prompts.errors), timeout=5_000)
    assert "not inside the run folder" in prompts.errors[-1][1]
    assert window.training.last_checkpoint == ""


def test_continue_training_the_open_model(window, qtbot, tmp_path):
    panel = show_training(window, qtbot)
    panel.refresh_each_epoch.setChecked(False)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT):
        panel.start_spec(tiny_spec(tmp_path / "first"))
    assert window.model_panel.continue_button.isEnabled()
    window.model_panel.continue_button.click()
    assert panel.resume_path == str(tmp_path / "first" / "checkpoint.safetensors")
    assert not panel.form.fields["latent_dim"].widget.isEnabled() and panel.form.fields["epochs"].widget.isEnabled()
    panel.form.fields["epochs"].set(2)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT) as finished:
        panel.start_spec(panel.build_spec(run_dir=str(tmp_path / "second")))
    history = window.session.explorer.checkpoint.history
    assert finished.args[0] == str(tmp_path / "second" / "checkpoint.safetensors")
    assert [row["epoch"] for row in history] == [1, 2, 3]


def test_opened_checkpoint_shows_its_history_as_curves(vae_window):
    history = vae_window.session.explorer.checkpoint.history
    panel = vae_window.training
    assert len(history) == 1
    assert panel.curves.elbo_plot.points("test −ELBO") == 1 and panel.curves.loss_plot.points("recon") == 1
    assert panel.curves.loss_plot.curves["recon"].opts["symbol"] == "o"
    assert panel.curves.heatmap.values.shape == (1, vae_window.session.explorer.latent_dim)
    assert np.isfinite(panel.curves.heatmap.values).all()


def test_a_new_run_starts_with_fresh_axes(vae_window, qtbot, tmp_path):
    panel = show_training(vae_window, qtbot)
    assert panel.curves.elbo_plot.points("test −ELBO") == 1  # the opened checkpoint's history
    panel.curves.elbo_plot.setYRange(1000, 2000)
    panel.start_spec(tiny_spec(tmp_path / "run", epochs=100_000))
    try:
        assert panel.curves.elbo_plot.curves == {} and panel.curves.loss_plot.curves == {}
        assert all(panel.curves.elbo_plot.getViewBox().state["autoRange"])
        assert panel.curves.elbo_plot.viewRange()[1][1] < 1000  # the old model's axes are gone before any epoch
    finally:
        panel.stop_and_wait()


def test_a_long_saved_path_wraps_instead_of_widening_the_form(window, qtbot):
    panel = show_training(window, qtbot)
    before = panel.controls.minimumSizeHint().width()
    panel._finish("finished", "Finished; saved to /" + "very-long-folder-name/" * 20 + "checkpoint.safetensors")
    assert panel.controls.minimumSizeHint().width() <= before
    assert panel.progress_label.wordWrap() and "very-long" in panel.progress_label.toolTip()


def test_live_step_curves_wait_while_the_tab_is_hidden_and_catch_up_when_shown(window, qtbot):
    from explorer.training.events import StepEvent

    panel = show_training(window, qtbot)
    window.show_exploring()
    assert not panel.isVisible()
    panel.on_events([StepEvent(epoch=1, step=s, steps_per_epoch=10, global_step=s, total_steps=10,
                               scalars={"recon": 100.0 - s, "kl": 1.0}, schedule={"beta": 1.0},
                               examples_per_s=1000.0, eta_s=1.0) for s in range(1, 6)])
    qtbot.wait(3 * STEP_REDRAW_MS)
    assert panel.curves.loss_plot.points("recon") == 0
    assert panel.progress.value() == 5  # the progress is never held back
    window.show_training()
    assert panel.curves.loss_plot.points("recon") == 5 and panel.curves.kl_plot.points("kl") == 5
    assert panel.curves.weight_plot.points("β(t)") == 5

