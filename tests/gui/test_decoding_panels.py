"""Traversal, interpolation, samples and arithmetic on real (tiny) checkpoints: what each tab shows once its
decodes (run in a worker) arrive."""
import numpy as np

from tests.gui.conftest import settle, show_tab


def distinct(images):
    return len(np.unique(images.reshape(len(images), -1), axis=0))


def test_traversal_row_holds_distinct_decodes(vae_window, qtbot):
    explorer = vae_window.session.explorer
    panel = vae_window.traversal
    show_tab(qtbot, vae_window, panel)
    vae_window.session.select_dim(explorer.dims_by_kl[0])
    panel.steps.setValue(9)
    settle(qtbot, vae_window)
    assert panel.view.count == 9
    assert distinct(panel.view.items) == 9
    assert panel.view.grid.ncols == 9


def test_all_dimensions_grid_is_sorted_by_kl(vae_window, qtbot):
    explorer = vae_window.session.explorer
    panel = vae_window.traversal
    show_tab(qtbot, vae_window, panel)
    panel.all_dims.setChecked(True)
    settle(qtbot, vae_window)
    assert panel.view.count == explorer.latent_dim * panel.steps.value()
    first_row = panel.view.items[:panel.steps.value()]
    expected, _ = explorer.traversal(vae_window.session.start_latent(), [explorer.dims_by_kl[0]],
                                     steps=panel.steps.value())
    assert np.array_equal(first_row, expected)


def test_slider_scrubs_the_dimension(vae_window, qtbot):
    panel = vae_window.traversal
    show_tab(qtbot, vae_window, panel)
    vae_window.session.select_dim(vae_window.session.explorer.dims_by_kl[0])
    panel.slider.setValue(-100)
    settle(qtbot, vae_window)
    low = panel.scrub_view.items.copy()
    panel.slider.setValue(100)
    settle(qtbot, vae_window)
    assert not np.array_equal(low, panel.scrub_view.items)
    assert panel.slider_label.text().startswith(f"z{vae_window.session.dim} =")


def test_interpolation_ends_reconstruct_a_and_b(vae_window, qtbot):
    explorer = vae_window.session.explorer
    session, panel = vae_window.session, vae_window.interpolation
    show_tab(qtbot, vae_window, panel)
    session.select(3)
    panel.use_selection_as_a()
    session.select(11)
    panel.use_selection_as_b()
    panel.steps.setValue(8)
    settle(qtbot, vae_window)
    items = panel.view.items
    assert len(items) == 8
    assert np.array_equal(items[0], explorer.reconstruct([3])[0])
    assert np.array_equal(items[-1], explorer.reconstruct([11])[0])
    path = vae_window.map_panel.scatter._path_item
    assert len(path.xData) == 8
    panel.method.setCurrentText("slerp")
    settle(qtbot, vae_window)
    assert np.array_equal(panel.view.items[-1], explorer.reconstruct([11])[0])


def test_cvae_class_swap_row_and_per_class_samples(window, cvae_path, qtbot):
    assert window.open_checkpoint(cvae_path)
    explorer = window.session.explorer
    panel = window.interpolation
    show_tab(qtbot, window, panel)
    assert not panel.swap_view.isHidden()
    window.session.select(5)
    panel.use_selection_as_a()
    settle(qtbot, window)
    assert panel.swap_view.count == explorer.num_classes
    samples = window.samples
    show_tab(qtbot, window, samples)
    assert samples.class_choice.isEnabled()
    assert samples.view.count == explorer.num_classes * samples.count.value()
    samples.class_choice.setCurrentIndex(4)  # class 3
    settle(qtbot, window)
    assert np.array_equal(samples.view.items, explorer.samples(samples.count.value(), class_index=3, seed=0))


def test_samples_follow_temperature_and_seed(vae_window, qtbot):
    panel = vae_window.samples
    show_tab(qtbot, vae_window, panel)
    panel.count.setValue(16)
    settle(qtbot, vae_window)
    first = panel.view.items.copy()
    assert len(first) == 16
    panel.reseed.click()
    settle(qtbot, vae_window)
    assert panel.seed.value() == 1 and not np.array_equal(first, panel.view.items)
    explorer = vae_window.session.explorer
    panel.temperature.setValue(0.5)
    settle(qtbot, vae_window)
    assert np.array_equal(panel.view.items, explorer.samples(16, temperature=0.5, seed=1))


def test_analogy_and_attribute_vector(vae_window, qtbot):
    explorer = vae_window.session.explorer
    session, panel = vae_window.session, vae_window.arithmetic
    show_tab(qtbot, vae_window, panel)
    for name, index in zip("ABC", (1, 2, 3)):
        session.select(index)
        panel.set_operand(name, index)
    settle(qtbot, vae_window)
    assert panel.analogy_view.count == 4
    expected = explorer.analogy(explorer.means[1], explorer.means[2], explorer.means[3])
    assert np.array_equal(panel.analogy_view.items[3], expected[0])
    panel.strength.setValue(20)
    settle(qtbot, vae_window)
    assert panel.attribute_view.count == 6
    shifted = explorer.attribute(explorer.means[3], panel.class_x.currentIndex(), panel.class_y.currentIndex(), 2.0)
    assert np.array_equal(panel.attribute_view.items[-1], shifted[0])
    assert np.array_equal(panel.attribute_view.items[0], explorer.reconstruct([3])[0])
