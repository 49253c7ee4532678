"""The Compare window: runs side by side with curves overlaid, one metrics table, samples from each prior."""
import csv

import numpy as np
import pytest
from PySide6.QtGui import QImage

from tests.gui.conftest import train_tiny


@pytest.fixture(scope="module")
def two_more(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    return [train_tiny(folder / "two-epochs.safetensors", epochs=2), train_tiny(folder / "ae.safetensors", "ae")]


@pytest.fixture
def compared(window, vae_path, two_more, qtbot):
    compare = window.compare_runs([])
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        compare.add_paths([vae_path] + two_more)
    yield compare
    compare.stop_worker()


def test_runs_are_overlaid_one_colour_each(compared):
    assert [run.name for run in compared.runs] == ["vae", "two-epochs", "ae"]
    loss = compared.plots["loss"]
    assert set(loss.curves) == {"vae", "two-epochs", "ae"}
    assert loss.points("two-epochs") == 2 and loss.points("vae") == 1
    colours = {loss.curves[name].opts["pen"].color().name() for name in loss.curves}
    assert len(colours) == 3
    assert compared.table.item(1, 0).foreground().color().name() == loss.curves["two-epochs"].opts["pen"].color().name()
    assert set(compared.plots["weight"].curves) == {"vae (β)", "two-epochs (β)"}  # an AE has no prior, no β
    assert "ae" not in compared.plots["elbo"].curves


def test_the_table_holds_metrics_and_a_hover_shows_settings(compared):
    header = [compared.table.horizontalHeaderItem(c).text() for c in range(compared.table.columnCount())]
    row = {name: compared.table.item(1, c).text() for c, name in enumerate(header)}
    assert row["run"] == "two-epochs" and row["epochs"] == "2" and row["latent size"] == "4"
    assert float(row["test −ELBO"]) > 0
    tip = compared.table.item(1, 3).toolTip()
    assert "two-epochs.safetensors" in tip and "epochs: 2" in tip and "batch_size: 64" in tip
    assert compared.cards[1].caption.toolTip() == tip


def test_each_run_shows_samples_from_its_prior(compared):
    for card in compared.cards:
        assert card.view.count == 16 and card.view.is_images()
    assert not np.array_equal(compared.cards[0].view.items, compared.cards[2].view.items)


def test_reseed_redraws_every_run(compared, qtbot):
    before = [card.view.items.copy() for card in compared.cards]
    with qtbot.waitSignal(compared.samples_ready, timeout=60_000):
        compared.reseed.click()
    assert all(not np.array_equal(a, card.view.items) for a, card in zip(before, compared.cards))


def test_exports_overlay_table_and_samples(compared, prompts, tmp_path):
    for name, export in (("curves.svg", compared.export_curves), ("curves.png", compared.export_curves),
                         ("table.csv", compared.export_table), ("samples.png", compared.export_samples)):
        prompts.next_path = str(tmp_path / name)
        export()
        assert not prompts.errors and (tmp_path / name).exists()
    assert "<svg" in (tmp_path / "curves.svg").read_text()
    rows = list(csv.DictReader(open(tmp_path / "table.csv", encoding="utf-8")))
    assert [row["run"] for row in rows] == ["vae", "two-epochs", "ae"] and rows[2]["model"] == "AE"
    samples = QImage(str(tmp_path / "samples.png"))
    assert samples.height() > 3 * 64 and samples.width() > 4 * 64


def test_removing_a_run_takes_its_curves_row_and_samples(compared, qtbot):
    compared.table.selectRow(0)
    with qtbot.waitSignal(compared.samples_ready, timeout=60_000):
        compared.remove_selected()
    assert [run.name for run in compared.runs] == ["two-epochs", "ae"]
    assert set(compared.plots["loss"].curves) == {"two-epochs", "ae"} and compared.table.rowCount() == 2
    assert len(compared.cards) == 2 and all(card.view.count == 16 for card in compared.cards)


def test_a_bad_file_is_named_and_the_others_are_kept(window, vae_path, prompts, tmp_path, qtbot):
    bad = tmp_path / "notes.safetensors"
    bad.write_text("not a checkpoint")
    compare = window.compare_runs([])
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        compare.add_paths([vae_path, str(bad)])
    assert [run.name for run in compare.runs] == ["vae"]
    assert len(prompts.errors) == 1 and "notes.safetensors" in prompts.errors[0][1]
    with qtbot.waitSignal(compare.runs_read, timeout=60_000):
        compare.add_paths([vae_path])  # the same file twice is shown once
    assert len(compare.runs) == 1
    compare.stop_worker()


def test_a_run_is_listed_once_whatever_the_path_names_it_by(window, vae_path, prompts, qtbot, tmp_path):
    """The open model chosen again in the dialog, by another path, or twice in one choice: one row."""
    (tmp_path / "link.safetensors").symlink_to(vae_path)
    compare = window.compare_runs([])
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        compare.add_paths([vae_path, vae_path, str(tmp_path / "link.safetensors")])
    assert [run.name for run in compare.runs] == ["vae"] and not prompts.errors
    compare.stop_worker()


def test_file_menu_compares_the_open_model_with_chosen_files(vae_window, two_more, prompts, qtbot):
    prompts.next_paths = two_more[:1]
    compare = vae_window.compare_runs([])
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        vae_window.compare_action.trigger()
    assert compare.isVisible() and [run.name for run in compare.runs] == ["vae", "two-epochs"]
    vae_window.close()
    assert not compare.isVisible()


def test_a_conditional_model_samples_a_row_per_class(window, cvae_path, qtbot):
    compare = window.compare_runs([])
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        compare.add_paths([cvae_path])
    view = compare.cards[0].view
    assert view.count == 20 and view.grid.ncols == 2  # 16 samples over 10 classes: 2 of each
    compare.stop_worker()


def test_closing_then_comparing_again_opens_a_working_window(window, vae_path, qtbot):
    first = window.compare_runs([])
    first.close()
    second = window.compare_runs([])
    assert second is not first and second.isVisible()
    with qtbot.waitSignal(second.samples_ready, timeout=60_000):
        second.add_paths([vae_path])
    assert second.cards[0].view.count == 16
    second.stop_worker()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from explorer.cli import main

    folder = tmp_path_factory.mktemp("runs") / "tiny-run"
    assert main(["train", "--dataset", "digits", "--latent-dim", "3", "--hidden", "32", "--epochs", "2",
                 "--batch-size", "64", "--device", "cpu", "--run-dir", str(folder)]) == 0
    return folder


def test_a_run_folder_still_training_is_followed(window, finished_run, tmp_path, prompts, qtbot):
    import json
    import shutil

    live = tmp_path / "live-run"
    shutil.copytree(finished_run, live)
    checkpoint = (live / "checkpoint.safetensors").read_bytes()
    (live / "checkpoint.safetensors").unlink()
    info = json.loads((live / "run.json").read_text())
    (live / "run.json").write_text(json.dumps({**info, "status": "running"}))
    lines = (live / "events.jsonl").read_text().splitlines()
    first_epoch = next(i for i, line in enumerate(lines) if '"type":"epoch"' in line)
    (live / "events.jsonl").write_text("\n".join(lines[:first_epoch + 1]) + "\n")

    compare = window.compare_runs([])
    prompts.next_path = str(live)  # the folder dialog's answer
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        compare.add_folder_dialog()
    assert compare.plots["loss"].points("live-run") == 1 and compare.live_timer.isActive()
    assert compare.cards[0].view.count == 0 and "no checkpoint yet" in compare.cards[0].message.text()

    (live / "events.jsonl").write_text("\n".join(lines) + "\n")  # the run goes on, saves and ends
    (live / "checkpoint.safetensors").write_bytes(checkpoint)
    (live / "run.json").write_text(json.dumps(info))
    with qtbot.waitSignal(compare.samples_ready, timeout=60_000):
        pass  # the next reading (every 2 s) finds the new epoch and the checkpoint
    assert compare.plots["loss"].points("live-run") == 2 and compare.cards[0].view.count == 16
    assert compare.runs[0].status == "finished" and not compare.live_timer.isActive()
    compare.stop_worker()
