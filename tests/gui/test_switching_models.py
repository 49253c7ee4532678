"""Opening another model: what still means the same thing is kept (the selection, the group, A and B, the
operands, the dimension where the model has it); the Samples count is the user's for each kind of model."""
import dataclasses

import numpy as np
import pytest

from explorer.io.checkpoint import load_checkpoint
from tests.conftest import tiny_model
from tests.gui.conftest import settle, show_tab, train_tiny


@pytest.fixture(scope="module")
def second_vae(tmp_path_factory):
    return train_tiny(tmp_path_factory.mktemp("switch") / "second.safetensors", epochs=2)


def smaller_model(path, latent_dim=2):
    """The same preview items explored by a model with fewer latent dimensions (and no map saved for them: the
    file's map head reads the other model's latents)."""
    checkpoint = load_checkpoint(path)
    n = len(checkpoint.preview.labels)
    rng = np.random.default_rng(0)
    preview = dataclasses.replace(checkpoint.preview, means=rng.normal(size=(n, latent_dim)).astype(np.float32),
                                  logvars=np.full((n, latent_dim), -2.0, np.float32), map_info=None, map_head=None)
    return dataclasses.replace(checkpoint, model=tiny_model(latent_dim=latent_dim), preview=preview)


def test_samples_count_is_remembered_per_kind_of_model(window, vae_path, cvae_path, qtbot):
    count = window.samples.count
    assert count.value() == 64
    window.open_checkpoint(cvae_path)
    assert count.value() == 10  # per class
    window.open_checkpoint(vae_path)
    assert count.value() == 64
    count.setValue(30)
    window.open_checkpoint(cvae_path)
    assert count.value() == 10
    window.open_checkpoint(vae_path)
    assert count.value() == 30
    show_tab(qtbot, window, window.samples)
    assert window.samples.view.count == 30


def test_switching_to_a_model_of_the_same_items_keeps_the_users_picks(vae_window, second_vae, qtbot):
    window, session = vae_window, vae_window.session
    show_tab(qtbot, window, window.interpolation)
    for index, use in ((5, window.interpolation.use_selection_as_a), (7, window.interpolation.use_selection_as_b)):
        session.select(index)
        use()
    for name, index in zip("ABC", (1, 2, 3)):
        window.arithmetic.set_operand(name, index)
    session.set_group([10, 11, 12])
    session.select(9)
    session.select_dim(3)
    assert window.open_checkpoint(second_vae)
    settle(qtbot, window)
    assert session.path == second_vae
    assert (session.selected, session.group.tolist(), session.dim) == (9, [10, 11, 12], 3)
    assert (window.interpolation.a, window.interpolation.b) == (5, 7)
    assert window.interpolation.view.count == window.interpolation.steps.value()
    assert window.arithmetic.operands == {"A": 1, "B": 2, "C": 3}
    assert window.map_panel.group_view.count == 3


def test_a_smaller_latent_keeps_the_picks_but_not_a_dimension_it_lacks(vae_window, vae_path):
    session = vae_window.session
    session.set_group([4, 5])
    session.select_dim(3)
    vae_window.show_checkpoint(smaller_model(vae_path), None)
    assert session.group.tolist() == [4, 5]
    assert session.dim in (0, 1) and session.dim == session.explorer.dims_by_kl[0]


def test_other_items_or_conditioning_start_afresh(vae_window, cvae_path):
    session = vae_window.session
    vae_window.interpolation.set_endpoints(2, 3)
    session.set_group([4, 5])
    vae_window.open_checkpoint(cvae_path)  # the same digits, but a class goes with every decode now
    assert session.group.tolist() == [] and vae_window.interpolation.a == -1
    assert vae_window.interpolation.swap_view.isVisibleTo(vae_window.interpolation)
