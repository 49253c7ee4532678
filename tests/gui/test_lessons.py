"""The Lessons menu opens shipped models in the view that makes each point."""

from explorer.gui import lessons
from explorer.resources import TRAINED
from tests.gui.conftest import settle


def trigger(window, title):
    action = next(a for a in window.lessons_menu.actions() if a.text() == title)
    assert action.isEnabled(), f"{title}: its shipped models are missing from trained/"
    action.trigger()


def test_every_lesson_has_its_shipped_models():
    for lesson in lessons.LESSONS:
        assert lessons.available(lesson), [name for name in lesson.checkpoints if not (TRAINED / name).is_file()]


def test_ae_against_vae_opens_both_in_compare_with_their_samples(window, qtbot):
    trigger(window, "Why not a plain autoencoder?")
    compare = window.compare_window
    qtbot.waitUntil(lambda: len(compare.runs) == 2 and all(card.view.count == 16 for card in compare.cards),
                    timeout=60_000)  # runs are read off the GUI thread
    assert [run.label for run in compare.runs] == ["AE", "VAE"]
    assert [run.latent_dim for run in compare.runs] == [16, 16]
    assert compare.runs[0].model_config["hidden"] == compare.runs[1].model_config["hidden"]
    assert compare.note.isVisible() and "N(0, I)" in compare.note.text()
    compare.stop_worker()


def test_inactive_dimensions_are_shown_greyed_and_last(window):
    trigger(window, "Inactive dimensions")
    explorer = window.session.explorer
    inactive = [d for d in range(explorer.latent_dim) if explorer.kl_per_dim[d] < 0.01]
    assert explorer.latent_dim == 64 and len(inactive) >= 20
    assert window.traversal.all_dims.isChecked() and window.tabs.currentWidget() is window.traversal
    last_rows = [window.traversal.dims.item(r).text() for r in range(window.traversal.dims.count())][-3:]
    assert all("(inactive)" in text for text in last_rows)
    assert window.model_panel.note.isVisible() and "64" in window.model_panel.note.text()


def test_the_lesson_note_goes_with_the_next_model(window, vae_path, qtbot):
    trigger(window, "CVAE: one style, every digit")
    settle(qtbot, window)
    assert window.tabs.currentWidget() is window.interpolation
    assert window.interpolation.swap_view.count == 10
    assert window.model_panel.note.isVisible()
    window.open_checkpoint(vae_path)
    assert not window.model_panel.note.isVisible()


def test_latent_sizes_lesson_asks_then_trains_the_sweep_preset(window, prompts, monkeypatch):
    from explorer.training.presets import preset

    started = []
    monkeypatch.setattr(window.training, "start", lambda: started.append(window.training.selected_preset()))
    prompts.confirm_answer = False
    trigger(window, "Samples for different latent sizes")
    assert prompts.confirmations == ["Samples for different latent sizes"] and not started
    prompts.confirm_answer = True
    trigger(window, "Samples for different latent sizes")
    sweep = started[0]
    assert sweep.id == "vae-latent-sizes" and sweep.then == "compare"
    assert [run["latent_dim"] for run in sweep.runs] == [2, 5, 10, 20]
    assert window.tabs.currentWidget() is window.training
    assert preset("vae-latent-sizes") == sweep


def test_a_finished_sweep_opens_its_runs_in_compare(window, vae_path, cvae_path, qtbot):
    window.training.ensure_form()
    window.training.presets.setCurrentIndex(window.training.presets.findData("vae-latent-sizes"))
    window.training.sweep_finished.emit([vae_path, cvae_path])
    compare = window.compare_window
    qtbot.waitUntil(lambda: len(compare.runs) == 2, timeout=60_000)  # runs are read off the GUI thread
    assert [run.name for run in compare.runs] == ["vae", "cvae"]
    assert compare.note.isVisible() and "Kingma & Welling" in compare.note.text()
    qtbot.waitUntil(lambda: not compare.busy, timeout=60_000)
    compare.stop_worker()


def test_a_sweeps_runs_get_folders_of_their_own():
    from explorer.gui.panels.training_form import sweep_folder_names

    names = sweep_folder_names([{"model": "vae", "dataset": "digits", "latent_dim": z} for z in (2, 5)]
                               + [{"model": "vae", "dataset": "text:/a/b.txt", "latent_dim": 5}])
    assert len(set(names)) == 3 and "-latent_dim2" in names[0] and "datasetdigits" in names[0]
    assert all("/" not in name for name in names)


def test_between_two_sentences_types_both_into_the_denoising_ae(window, qtbot):
    trigger(window, "Between two sentences")
    panel = window.interpolation
    assert window.session.explorer.checkpoint.model.kind == "sentence-daae"
    assert window.tabs.currentWidget() is panel
    lesson = next(lesson for lesson in lessons.LESSONS if lesson.title == "Between two sentences")
    qtbot.waitUntil(lambda: len(panel.view.items or ()) == panel.steps.value(), timeout=60_000)
    assert [panel.typed[name].text() for name in ("A", "B")] == list(lesson.sentences)
    assert lesson.sentences[0] in panel.a_label.text()


def test_beta_against_disentanglement_opens_the_factor_matrix(window, qtbot):
    trigger(window, "β against disentanglement")
    panel = window.traversal
    assert window.tabs.currentWidget() is panel and window.session.explorer.latent_dim == 10
    qtbot.waitUntil(lambda: panel.matrix is not None, timeout=60_000)
    assert panel.factors_box.isVisible() and panel.matrix.dims == 10
    assert panel.matrix.factor_names == ["shape", "scale", "orientation", "pos_x", "pos_y"]
