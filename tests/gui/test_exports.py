"""The Export menu: every view, grids at the chosen scale, the selected group, reconstructions, σ in latents."""
import csv

import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.io.export import MAX_GRID_SCALE
from tests.gui.conftest import settle, show_tab

DIGIT = 8  # the test models are trained on 8x8 digits


def export_to(window, prompts, entry, path):
    prompts.next_path = str(path)
    getattr(window.exports, entry)()
    assert not prompts.errors, prompts.errors
    return path


def choose_scale(window, scale):
    for action in window.exports.scale_group.actions():
        if action.data() == scale:
            action.trigger()


def test_latents_csv_has_sigma_beside_the_means(vae_window, prompts, tmp_path):
    rows = list(csv.reader(export_to(vae_window, prompts, "latents", tmp_path / "z.csv").open()))
    dims = vae_window.session.explorer.latent_dim
    assert rows[0][-dims:] == [f"sigma_z{d}" for d in range(dims)]
    assert all(float(value) > 0 for value in rows[1][-dims:])


@pytest.mark.parametrize("scale, cell", [(1, DIGIT), (4, 4 * DIGIT), ("auto", 64)])
def test_grids_are_written_at_the_chosen_scale(vae_window, prompts, tmp_path, scale, cell, qtbot):
    vae_window.exports.labels_action.setChecked(False)
    choose_scale(vae_window, scale)
    samples = vae_window.samples
    samples.count.setValue(4)
    show_tab(qtbot, vae_window, samples)
    image = QImage(str(export_to(vae_window, prompts, "samples", tmp_path / "s.png")))
    pad = 2
    assert (image.width(), image.height()) == (2 * (cell + pad) + pad, 2 * (cell + pad) + pad)


def test_grid_scale_and_labels_are_remembered(vae_window, prompts, qtbot):
    from explorer.gui.main_window import MainWindow

    choose_scale(vae_window, 2)
    vae_window.exports.labels_action.setChecked(False)
    later = MainWindow(prompts=prompts)
    qtbot.addWidget(later)
    assert later.exports.scale_group.checkedAction().data() == 2
    assert not later.exports.labels_action.isChecked()


def test_selected_group_as_table_and_as_grid(vae_window, prompts, tmp_path):
    session = vae_window.session
    session.set_group([3, 5, 7])
    rows = list(csv.DictReader(export_to(vae_window, prompts, "group", tmp_path / "g.csv").open()))
    assert [int(row["index"]) for row in rows] == [3, 5, 7]
    assert [int(row["label"]) for row in rows] == [int(session.explorer.labels[i]) for i in (3, 5, 7)]
    assert float(rows[1]["z0"]) == pytest.approx(float(session.explorer.means[5, 0]), abs=1e-5)
    choose_scale(vae_window, 1)
    image = QImage(str(export_to(vae_window, prompts, "group", tmp_path / "g.png")))
    assert image.width() == 3 * (DIGIT + 2) + 2


def test_group_export_without_a_group_says_so(vae_window, prompts):
    prompts.next_path = "/never/asked.csv"
    vae_window.exports.group()
    assert not prompts.save_requests
    assert "no group is selected" in vae_window.statusBar().currentMessage()


def test_reconstructions_pair_inputs_with_their_decodes(vae_window, prompts, tmp_path):
    choose_scale(vae_window, 1)
    vae_window.exports.labels_action.setChecked(False)
    vae_window.session.set_group(np.arange(20))
    image = QImage(str(export_to(vae_window, prompts, "reconstructions", tmp_path / "r.png")))
    assert (image.width(), image.height()) == (16 * (DIGIT + 2) + 2, 4 * (DIGIT + 2) + 2)
    vae_window.exports.labels_action.setChecked(True)
    labelled = QImage(str(export_to(vae_window, prompts, "reconstructions", tmp_path / "r2.png")))
    assert labelled.width() > image.width()  # "input" / "reconstruction" written beside the rows


def test_scrub_analogy_and_attribute_rows(vae_window, prompts, tmp_path, qtbot):
    choose_scale(vae_window, 1)
    vae_window.exports.labels_action.setChecked(False)
    show_tab(qtbot, vae_window, vae_window.traversal)
    scrub = QImage(str(export_to(vae_window, prompts, "scrub", tmp_path / "scrub.png")))
    assert scrub.width() == DIGIT + 4
    arithmetic = vae_window.arithmetic
    show_tab(qtbot, vae_window, arithmetic)
    for name, index in zip("ABC", (0, 1, 2)):
        arithmetic.set_operand(name, index)
    settle(qtbot, vae_window)
    analogy = QImage(str(export_to(vae_window, prompts, "analogy", tmp_path / "analogy.png")))
    assert analogy.width() == 4 * (DIGIT + 2) + 2
    vae_window.session.select(4)
    settle(qtbot, vae_window)
    attribute = QImage(str(export_to(vae_window, prompts, "attribute", tmp_path / "attribute.png")))
    assert attribute.width() == 6 * (DIGIT + 2) + 2


def test_class_swap_row_of_a_cvae(window, cvae_path, prompts, tmp_path, qtbot):
    assert window.open_checkpoint(cvae_path)
    choose_scale(window, 1)
    window.exports.labels_action.setChecked(False)
    show_tab(qtbot, window, window.interpolation)
    window.session.select(0)
    window.interpolation.use_selection_as_a()
    settle(qtbot, window)
    image = QImage(str(export_to(window, prompts, "class_swap", tmp_path / "swap.png")))
    assert image.width() == 10 * (DIGIT + 2) + 2


def test_class_swap_of_an_unconditional_model_says_why_not(vae_window, prompts):
    vae_window.exports.class_swap()
    assert not prompts.save_requests
    assert "conditional" in vae_window.statusBar().currentMessage()


def test_the_scale_menu_offers_only_valid_scales(vae_window):
    scales = [a.data() for a in vae_window.exports.scale_group.actions()]
    assert scales[0] == "auto" and all(1 <= s <= MAX_GRID_SCALE for s in scales[1:])


def test_sentence_neighbours_with_indices_labels_and_distances(window, prompts, tmp_path, qtbot):
    from explorer.resources import TRAINED

    assert window.open_checkpoint(str(TRAINED / "sentence-vae-wordnet.safetensors"))
    window.exports.neighbours()
    assert "no sentence is typed" in window.statusBar().currentMessage()
    panel = window.sentences
    show_tab(qtbot, window, panel)
    panel.entry.setText("she sang a song")
    panel.encode_typed()
    settle(qtbot, window)
    rows = list(csv.DictReader(export_to(window, prompts, "neighbours", tmp_path / "n.csv").open(encoding="utf-8")))
    assert len(rows) == panel.neighbours.count() == 10
    assert rows[0]["neighbour_of"] == "she sang a song"
    distances = [float(row["distance"]) for row in rows]
    assert distances == sorted(distances)
    first = int(rows[0]["preview_index"])
    assert rows[0]["sentence"] == window.session.explorer.items([first])[0]
    assert rows[0]["label"] == window.session.describe_item(first)
