"""Labels on every picture: the traversal's dimensions and steps, the analogy's operands, the interpolation's ends,
classes; hovering an image names it; sentences say what their colours mean."""
from PySide6.QtGui import QPixmap

from explorer.analysis import captions
from explorer.gui.widgets.image_grid import thumbnail
from explorer.resources import TRAINED
from tests.gui.conftest import settle, show_tab


def test_all_dimensions_grid_names_each_row_with_its_kl(vae_window, qtbot):
    panel = vae_window.traversal
    show_tab(qtbot, vae_window, panel)
    panel.all_dims.setChecked(True)
    settle(qtbot, vae_window)
    explorer = vae_window.session.explorer
    kl = explorer.kl_per_dim
    expected = [captions.dimension(d, kl[d]) for d in explorer.dims_by_kl]
    assert panel.view.row_labels == expected == panel.view.grid.row_labels
    assert expected[0].startswith(f"z{explorer.dims_by_kl[0]} · KL ")
    assert panel.view.col_labels[0] == "−3.0σ" and panel.view.col_labels[-1] == "+3.0σ"
    panel.mode.setCurrentIndex(1)  # the prior's quantiles
    settle(qtbot, vae_window)
    assert panel.view.col_labels[0] == "q0.05" and panel.view.col_labels[-1] == "q0.95"


def test_analogy_row_is_captioned_and_exported_with_its_captions(vae_window, prompts, qtbot, tmp_path):
    panel = vae_window.arithmetic
    show_tab(qtbot, vae_window, panel)
    for name, index in zip("ABC", (1, 2, 3)):
        panel.set_operand(name, index)
    settle(qtbot, vae_window)
    assert panel.analogy_view.grid.col_labels == ["A", "B", "C", "A − B + C"]
    prompts.next_path = str(tmp_path / "plain.png")
    vae_window.exports.labels_action.setChecked(False)
    vae_window.exports.analogy()
    prompts.next_path = str(tmp_path / "labelled.png")
    vae_window.exports.labels_action.setChecked(True)
    vae_window.exports.analogy()
    plain, labelled = QPixmap(str(tmp_path / "plain.png")), QPixmap(str(tmp_path / "labelled.png"))
    assert labelled.height() > plain.height() and labelled.width() == plain.width()


def test_interpolation_strip_marks_its_ends_and_class_swap_its_classes(window, cvae_path, qtbot):
    window.open_checkpoint(cvae_path)
    panel = window.interpolation
    show_tab(qtbot, window, panel)
    window.interpolation.set_endpoints(0, 5)
    settle(qtbot, window)
    labels = panel.view.col_labels
    assert labels[0] == "A" and labels[-1] == "B" and len(labels) == panel.steps.value()
    assert panel.swap_view.col_labels == window.session.explorer.class_names


def test_hovering_an_image_on_the_map_shows_its_index_and_label(vae_window):
    preview = vae_window.map_panel._preview(7)
    bare = thumbnail(vae_window.session.explorer.items([7])[0])
    assert isinstance(preview, QPixmap) and preview.height() > bare.height()  # a caption line under the image
    caption_band = preview.toImage().copy(0, bare.height(), preview.width(), preview.height() - bare.height())
    background = caption_band.pixelColor(0, 0)
    assert any(caption_band.pixelColor(x, y) != background
               for x in range(caption_band.width()) for y in range(caption_band.height()))  # text is written


def test_sentences_say_their_colours_are_wordnets_part_of_speech(window):
    window.open_checkpoint(str(TRAINED / "sentence-vae-wordnet.safetensors"))
    colour_by = window.map_panel.colour_by
    assert colour_by.isVisibleTo(window.map_panel) and colour_by.currentText() == "part of speech (WordNet)"
    assert "part of speech" in colour_by.toolTip()


def test_group_items_name_themselves_on_hover(vae_window):
    vae_window.session.set_group([3, 8])
    tips = vae_window.map_panel.group_view.grid.tips
    assert tips == [vae_window.session.describe_item(3), vae_window.session.describe_item(8)]


def test_cvae_samples_name_their_class_rows(window, cvae_path, qtbot):
    window.open_checkpoint(cvae_path)
    show_tab(qtbot, window, window.samples)
    assert window.samples.view.row_labels == window.session.explorer.class_names
