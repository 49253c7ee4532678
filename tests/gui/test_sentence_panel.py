"""Sentence models in the window: the Sentences tab, a typed sentence placed with its neighbours, decoding choices
reaching every panel."""
from pathlib import Path

import pytest

from tests.gui.conftest import settle, show_tab

CORPUS = f"text:{Path(__file__).resolve().parents[1] / 'fixtures' / 'tiny_corpus.txt'}"


@pytest.fixture(scope="module")
def sentence_path(tmp_path_factory):
    from explorer.training.run import RunSpec, TrainingRun

    out = tmp_path_factory.mktemp("text") / "svae.safetensors"
    spec = RunSpec.create(model="sentence-vae", dataset=CORPUS, latent_dim=4, out=str(out), embed_dim=16,
                          hidden_dim=32, min_count=1, max_len=12, epochs=3, batch_size=16, device="cpu")
    TrainingRun(spec).execute()
    return str(out)


@pytest.fixture(scope="module")
def sentence_pair(tmp_path_factory):
    """A sentence VAE with a denoising AE and a plain AE of the same corpus beside it in one folder (as they are
    shipped)."""
    from explorer.training.run import RunSpec, TrainingRun

    folder = tmp_path_factory.mktemp("pair")
    for kind in ("sentence-vae", "sentence-ae", "sentence-daae"):
        spec = RunSpec.create(model=kind, dataset=CORPUS, latent_dim=4, out=str(folder / f"{kind}.safetensors"),
                              embed_dim=16, hidden_dim=32, min_count=1, max_len=12, epochs=3, batch_size=16,
                              device="cpu")
        TrainingRun(spec).execute()
    return str(folder / "sentence-vae.safetensors"), str(folder / "sentence-ae.safetensors")


def test_sentences_tab_only_for_text_models(window, sentence_path, vae_path, qtbot):
    tab = window.tabs.indexOf(window.sentences)
    assert window.open_checkpoint(vae_path) and not window.tabs.isTabVisible(tab)
    assert window.open_checkpoint(sentence_path) and window.tabs.isTabVisible(tab)
    show_tab(qtbot, window, window.interpolation)
    assert all(isinstance(s, str) for s in window.interpolation.view.items or [])


def test_typed_sentence_is_placed_reconstructed_and_has_neighbours(window, sentence_path, qtbot):
    assert window.open_checkpoint(sentence_path)
    panel = window.sentences
    show_tab(qtbot, window, panel)
    panel.entry.setText("the cat sat on the zebra .")
    panel.encode_typed()
    settle(qtbot, window)
    explorer = window.session.explorer
    assert panel.neighbours.count() == min(10, len(explorer.means))
    assert panel.unknown.text() == ""  # subwords spell any word
    assert panel.reconstruction.text() != ""
    assert "BLEU" in panel.score.text()  # the reconstruction against what was typed
    assert len(window.map_panel.scatter._extra_item.data) == 1
    panel.neighbours.setCurrentRow(0)
    assert window.session.selected == int(panel._neighbour_indices[0])


def test_decoding_choice_reaches_the_panels(window, sentence_path, qtbot):
    assert window.open_checkpoint(sentence_path)
    options = window.sentences.decoding
    options.boxes["decode"].setCurrentIndex(options.boxes["decode"].findData("sample"))
    options.boxes["decode_seed"].setValue(5)
    show_tab(qtbot, window, window.samples)
    explorer = window.session.explorer
    assert explorer.decode_config.strategy == "sample" and explorer.decode_config.seed == 5
    assert window.samples.view.items == explorer.samples(window.samples.count.value(),
                                                         window.samples.temperature.value(),
                                                         seed=window.samples.seed.value())


def test_interpolation_between_two_typed_sentences(window, sentence_path, qtbot):
    assert window.open_checkpoint(sentence_path)
    panel = window.interpolation
    show_tab(qtbot, window, panel)
    assert not panel.typed["A"].isHidden()
    panel.typed["A"].setText("the cat sat on the mat .")
    panel.use_typed_a()
    panel.typed["B"].setText("she wrote a letter to her friend .")
    panel.use_typed_b()
    panel.steps.setValue(5)
    settle(qtbot, window)
    explorer = window.session.explorer
    ends = explorer.decode(explorer.encode_items(["the cat sat on the mat .", "she wrote a letter to her friend ."]))
    assert len(panel.view.items) == 5
    assert panel.view.items[0] == ends[0] and panel.view.items[-1] == ends[1]
    assert "“the cat sat on the mat .”" in panel.a_label.text()


def test_the_other_models_beside_the_vae_between_the_same_typed_sentences(window, sentence_pair, vae_path, qtbot):
    vae_file, ae_file = sentence_pair
    assert window.open_checkpoint(vae_file)
    panel = window.interpolation
    show_tab(qtbot, window, panel)
    settle(qtbot, window)
    assert panel.beside.isEnabled() and panel.beside.isChecked()  # the models in the same folder were found
    assert [c.checkpoint.model.kind for c in panel.companions] == ["sentence-daae", "sentence-ae"]
    a, b = "the cat sat on the mat .", "she wrote a letter to her friend ."
    panel.typed["A"].setText(a)
    panel.use_typed_a()
    panel.typed["B"].setText(b)
    panel.use_typed_b()
    panel.steps.setValue(5)
    settle(qtbot, window)
    for companion, view, title in zip(panel.companions, panel.beside_views, panel.beside_titles):
        ends = companion.decode(companion.encode_items([a, b]))
        assert len(view.items) == 5 and view.items[0] == ends[0] and view.items[-1] == ends[1]
        rows = [view.sentences.item(i).text() for i in range(5)]
        assert rows[0].startswith("A ") and rows[-1].startswith("B ")
        assert not view.isHidden() and title.text() == companion.label
    assert panel.view.sentences.item(0).text().startswith("A ")
    panel.beside.setChecked(False)
    assert all(view.isHidden() for view in panel.beside_views)
    companions = list(panel.companions)
    panel.use_companion_file(vae_path)  # not a sentence model: refused, the models in use stay
    settle(qtbot, window)
    assert "same vocabulary" in panel.companion_label.text() and panel.companions == companions
    assert window.open_checkpoint(ae_file)  # from the AE, the VAE comes first beside it
    qtbot.waitUntil(lambda: [c.checkpoint.model.kind for c in panel.companions] == ["sentence-vae", "sentence-daae"],
                    timeout=30_000)
