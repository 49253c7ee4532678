"""The model zoo in the window: a JointVAE's categories in the inspector, traversal, samples and the Model panel's
confusion matrix; the 2-D manifold; an adversarial autoencoder's 2-D code as its own map beside its prior; a
sparse code's activation frequencies; KL_z and KL_c beside their capacity targets."""
import numpy as np
import pytest
from PySide6.QtGui import QImage

from explorer.training.run import RunSpec, TrainingRun
from tests.gui.conftest import settle, show_tab


def train(out, **options):
    spec = RunSpec.create(dataset="digits", hidden=[32], epochs=2, batch_size=64, device="cpu", out=str(out),
                          **options)
    TrainingRun(spec).execute()
    return str(out)


@pytest.fixture(scope="module")
def joint_path(tmp_path_factory):
    return train(tmp_path_factory.mktemp("zoo") / "joint.safetensors", model="joint-vae", latent_dim=3,
                 discrete=[6, 3], capacity=2.0, capacity_c=1.0, gamma=10.0, capacity_steps=20)


@pytest.fixture(scope="module")
def aae_path(tmp_path_factory):
    return train(tmp_path_factory.mktemp("zoo") / "aae.safetensors", model="aae", latent_dim=2, prior="mixture",
                 label_prior=True)


@pytest.fixture
def joint_window(window, joint_path, qtbot):
    assert window.open_checkpoint(joint_path)
    settle(qtbot, window)
    return window


def test_inspector_shows_each_categorical_variables_probabilities(joint_window, qtbot):
    explorer, inspector = joint_window.session.explorer, joint_window.inspector
    joint_window.session.select(7)
    settle(qtbot, joint_window)
    shown = inspector.categories.probabilities
    assert [len(p) for p in shown] == [6, 3] and inspector.categories.isVisible()
    for (expected, _), probabilities in zip(explorer.discrete_posterior(7), shown):
        assert np.allclose(probabilities, expected) and probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert len(inspector.bars.mean) == 3  # the bars hold the continuous dimensions


def test_a_categorical_variable_traverses_by_its_categories(joint_window, qtbot):
    explorer, panel = joint_window.session.explorer, joint_window.traversal
    show_tab(qtbot, joint_window, panel)
    labels = [panel.dims.item(row).text() for row in range(panel.dims.count())]
    assert labels[-2].startswith("c0   6 categories") and labels[-1].startswith("c1   3 categories")
    paths = []
    joint_window.session.path_changed.connect(lambda points, ends: paths.append(points))
    panel.dims.setCurrentRow(panel.dims.count() - 2)
    settle(qtbot, joint_window)
    assert paths and paths[-1] is None  # no sweep of a dimension left on the map
    assert panel.view.count == 6 and panel.view.grid.ncols == 6
    assert np.array_equal(panel.view.items, explorer.category_row(panel.start_latent(), 0))
    assert panel.view.row_labels[0].startswith("c0 · KL") and panel.view.col_labels == [f"c0 = {c}" for c in range(6)]
    joint_window.session.select_dim(1)  # a continuous dimension, crossed with c1's categories
    panel.cross.setCurrentIndex(2)
    settle(qtbot, joint_window)
    assert panel.view.count == 3 * panel.steps.value() and panel.view.grid.ncols == panel.steps.value()
    expected, _ = explorer.category_grid(panel.start_latent(), 1, 1, steps=panel.steps.value())
    assert np.array_equal(panel.view.items, expected)
    assert panel.view.row_labels == ["c1 = 0", "c1 = 1", "c1 = 2"] and panel.view.col_labels[0].endswith("σ")


def test_samples_can_fix_a_category(window, vae_path, joint_path, qtbot):
    assert window.open_checkpoint(vae_path)  # the same items: a switch that keeps the panels' settings
    show_tab(qtbot, window, window.samples)
    assert window.open_checkpoint(joint_path)
    settle(qtbot, window)
    joint_window = window
    explorer, panel = joint_window.session.explorer, joint_window.samples
    assert len(panel.category_choices) == 2
    panel.category_choices[0].setCurrentIndex(3)  # category 2 of c0
    settle(qtbot, joint_window)
    assert panel.categories() == {0: 2}
    assert np.array_equal(panel.view.items, explorer.samples(panel.count.value(), seed=panel.seed.value(),
                                                             categories={0: 2}))


def test_the_model_panel_shows_the_codes_confusion_matrix(joint_window):
    panel, explorer = joint_window.model_panel, joint_window.session.explorer
    assert panel.confusion.isVisible()
    found = explorer.code_confusion()
    assert panel.confusion.counts.sum() == sum(map(sum, found["confusion"]))
    assert panel.confusion.counts.shape == (10, 6)
    assert any("code accuracy" in panel.metrics.itemAt(row, panel.metrics.ItemRole.LabelRole).widget().text()
               for row in range(panel.metrics.rowCount()))


def test_the_codes_charts_scroll_or_shrink_rather_than_make_the_window_taller(window, vae_path, joint_path, qtbot):
    assert window.open_checkpoint(vae_path)
    settle(qtbot, window)
    inspector_height = window.inspector.minimumSizeHint().height()
    assert window.open_checkpoint(joint_path)
    settle(qtbot, window)
    bars = window.inspector.categories
    assert window.model_panel.minimumSizeHint().height() < window.model_panel.confusion.minimumHeight()
    assert 0 < bars.minimumSizeHint().height() < bars.sizeHint().height()  # two variables, each still shown
    assert window.inspector.minimumSizeHint().height() <= inspector_height + bars.minimumSizeHint().height() + 8
    assert window.minimumSizeHint().width() <= 1280 and window.model_panel.minimumSizeHint().width() >= 200


def test_training_curves_put_each_kl_beside_its_capacity(joint_window):
    plot = joint_window.training.curves.kl_plot
    assert {"kl_z", "kl_c", "C(t)", "C_c(t)"} <= set(plot.curves)
    weights = joint_window.training.curves.weight_plot.curves
    assert "β(t)" in weights and "C(t)" not in weights


def test_the_manifold_decodes_a_grid_of_prior_quantiles(vae_window, prompts, tmp_path, qtbot):
    explorer, panel = vae_window.session.explorer, vae_window.manifold
    show_tab(qtbot, vae_window, panel)
    panel.steps.setValue(5)
    settle(qtbot, vae_window)
    assert panel.view.count == 25 and panel.view.grid.ncols == 5
    dims = explorer.manifold_dims()
    assert [panel.dim_x.currentData(), panel.dim_y.currentData()] == dims
    expected, _ = explorer.manifold(vae_window.session.start_latent(), dims, 5)
    assert np.array_equal(panel.view.items, expected)
    panel.start.setCurrentIndex(1)  # the rest at the origin
    settle(qtbot, vae_window)
    assert np.array_equal(panel.view.items, explorer.manifold(explorer.origin(), dims, 5)[0])
    prompts.next_path = str(tmp_path / "manifold.png")
    vae_window.exports.manifold()  # File > Export > Manifold grid
    image = QImage(prompts.next_path)
    cell = explorer.items([0]).shape[1] * vae_window.exports.grid_scale(explorer.items([0]).shape[1])
    assert not prompts.errors and 5 * cell <= image.width() < 6 * cell and 5 * cell <= image.height() < 6 * cell


def test_an_aae_code_is_its_own_map_beside_its_prior(window, vae_path, aae_path, qtbot):
    assert window.open_checkpoint(vae_path)
    window.manifold.dim_x.setCurrentIndex(window.manifold.dim_x.count() - 1)  # a dimension the AAE lacks
    show_tab(qtbot, window, window.manifold)
    settle(qtbot, window)
    errors = []
    window.manifold.task.on_failed = errors.append
    assert window.open_checkpoint(aae_path)  # switched with the manifold on show
    settle(qtbot, window)
    assert not errors and window.manifold.view.count == window.manifold.steps.value() ** 2
    explorer, map_panel = window.session.explorer, window.map_panel
    assert map_panel.method.currentText() == "Latent (2-D)" and map_panel.show_prior.isChecked()
    assert np.allclose(map_panel.scatter.points, explorer.means)
    assert len(map_panel.scatter._prior_item.data) == 1000
    shown = [window.model_panel.metrics.itemAt(row, window.model_panel.metrics.ItemRole.LabelRole).widget().text()
             for row in range(window.model_panel.metrics.rowCount())]
    assert "reconstruction (nats)" in shown and "codes in their label's component" in shown
    assert not {"test −ELBO (nats)", "KL (nats)"} & set(shown)  # no prior, no ELBO
    map_panel.show_prior.setChecked(False)
    assert len(map_panel.scatter._prior_item.data) == 0
    assert [window.traversal.dims.item(row).text() for row in range(2)] in (["z0", "z1"], ["z1", "z0"])  # no KL
    show_tab(qtbot, window, window.traversal)
    assert window.traversal.view.row_labels[0] in ("z0", "z1")
    window.session.select(3)
    panel = window.manifold
    show_tab(qtbot, window, panel)
    assert panel.dim_x.itemText(0) == "z0"
    assert [panel.condition.itemText(i) for i in range(panel.condition.count())] == explorer.component_names()
    assert panel.condition.itemText(4) == "component 4 (class 4)"
    panel.condition.setCurrentIndex(4)
    settle(qtbot, window)
    z0, dims, steps, _, component = panel.settings()
    assert component == 4
    assert np.array_equal(panel.view.items, explorer.manifold(z0, dims, steps, component=4)[0])


def test_a_sparse_code_shows_how_often_each_unit_fires(window, tmp_path, qtbot):
    assert window.open_checkpoint(train(tmp_path / "sparse.safetensors", model="sparse-ae", latent_dim=6))
    settle(qtbot, window)
    bars, explorer = window.inspector.bars, window.session.explorer
    assert np.allclose(bars.kl, explorer.unit_activity())
    assert bars.kl_plot.getAxis("left").labelText.startswith("active in")
    assert not window.inspector.categories.isVisible() and not window.model_panel.confusion.isVisible()


def test_an_autoencoders_code_shows_its_spread_not_a_kl_of_zero(window, aae_path, qtbot):
    assert window.open_checkpoint(aae_path)
    window.session.select(3)
    settle(qtbot, window)
    bars, explorer = window.inspector.bars, window.session.explorer
    assert np.allclose(bars.kl, explorer.means.std(0)) and (bars.kl > 0.01).all()
    assert bars.kl_plot.getAxis("left").labelText.startswith("spread")
    assert not bars.inactive.any()  # a used code dimension is not greyed as inactive
