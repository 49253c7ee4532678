"""The disentanglement metrics on hand-built codes of known structure: a perfect code, a rotated one, one with every
dimension duplicated, one with dead dimensions."""
import numpy as np
import pytest
import torch

from explorer.analysis import disentanglement as dis
from explorer.analysis.information import discretise, mutual_information, normalised_mutual_information

SIZES = (3, 5, 8, 8)
SMALL = dis.Budget(points=3000, test_points=1500, batch=32, factor_vae_train=400, factor_vae_eval=300,
                   variance_points=3000, beta_vae_train=400, beta_vae_eval=300)


def code(transform, noise=0.01, seed=0):
    """A representation: each factor's class scaled to [-1, 1] (one dimension a factor), small noise, then
    ``transform``."""
    rng = np.random.default_rng(seed)
    scale = np.array(SIZES, dtype=np.float64) - 1

    def represent(classes):
        z = 2 * classes / scale - 1
        return transform(z + noise * rng.standard_normal(z.shape))
    return represent


def perfect(z):
    return z


def rotated(z):
    c = s = np.sqrt(0.5)
    rotation = np.array([[c, -s], [s, c]])
    return np.concatenate([z[:, :2] @ rotation, z[:, 2:] @ rotation], axis=1)


def duplicated(z):
    return np.concatenate([z, z + 0.01 * np.random.default_rng(1).standard_normal(z.shape)], axis=1)


def dead(z):
    return np.concatenate([z[:, :2], np.zeros((len(z), 1)), z[:, 2:], np.full((len(z), 1), 3.0)], axis=1)


@pytest.fixture(scope="module")
def scores():
    return {name: dis.disentanglement_scores(SIZES, code(transform), SMALL, "test")
            for name, transform in [("perfect", perfect), ("rotated", rotated), ("duplicated", duplicated),
                                    ("dead", dead)]}


HEADLINES = ("mig", "dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score",
             "beta_vae_score")


def test_a_perfect_code_scores_about_one(scores):
    perfect_scores = scores["perfect"]
    for key in HEADLINES:
        assert perfect_scores[key] > 0.9, key
    assert perfect_scores["sap"] > 0.2  # one-dimension linear classifiers cannot isolate a middle class
    assert perfect_scores["disentanglement"]["budget"]["name"] == "test"
    assert perfect_scores["disentanglement"]["factor_vae"]["active_dims"] == len(SIZES)


def test_a_rotated_code_scores_lower(scores):
    for key in ("mig", "sap", "dci_disentanglement", "dci_completeness", "factor_vae_score"):
        assert scores["rotated"][key] < scores["perfect"][key] - 0.2, key
    assert scores["rotated"]["dci_informativeness"] > 0.9  # the information is all there, only mixed


def test_a_duplicated_code_has_no_gap_and_low_completeness(scores):
    assert scores["duplicated"]["mig"] < 0.1
    assert scores["duplicated"]["sap"] < 0.1
    assert scores["duplicated"]["dci_completeness"] < scores["perfect"]["dci_completeness"] - 0.2
    assert scores["duplicated"]["dci_disentanglement"] > 0.9  # each dimension still holds one factor


def test_dead_dimensions_are_ignored(scores):
    for key in HEADLINES + ("sap",):
        assert scores["dead"][key] == pytest.approx(scores["perfect"][key], abs=0.05), key
    assert scores["dead"]["disentanglement"]["factor_vae"]["active_dims"] == len(SIZES)


def test_factor_vae_votes_land_on_the_dimension_itself_after_pruning():
    """With the dead dimension first, disentanglement_lib's index into the active dimensions would put every vote
    one dimension early."""
    def dead_first(z):
        return np.concatenate([np.zeros((len(z), 1)), z], axis=1)
    result = dis.factor_vae_score(SIZES, code(dead_first), SMALL)
    assert result["eval_accuracy"] > 0.95 and result["active_dims"] == len(SIZES)


def test_no_active_dimension_scores_zero():
    result = dis.factor_vae_score(SIZES, lambda classes: np.zeros((len(classes), 3)), SMALL)
    assert result == {"train_accuracy": 0.0, "eval_accuracy": 0.0, "active_dims": 0}


def test_mutual_information_agrees_with_scikit_learn():
    from sklearn.metrics import mutual_info_score

    rng = np.random.default_rng(0)
    factor = rng.integers(0, 7, 5000)
    codes = np.stack([factor + rng.normal(0, s, 5000) for s in (0.1, 1.0, 5.0)], axis=1)
    binned = discretise(codes)
    for i in range(3):
        assert mutual_information(binned[:, i], factor) == pytest.approx(mutual_info_score(binned[:, i], factor))


def test_normalised_mutual_information_is_a_share_of_the_factor_entropy():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 4, (4000, 2))
    codes = np.stack([factors[:, 0], rng.normal(size=4000), np.zeros(4000)], axis=1).astype(float)
    matrix = normalised_mutual_information(codes, factors)
    assert matrix.shape == (3, 2)
    assert matrix[0, 0] == pytest.approx(1.0) and matrix[1:].max() < 0.02 and matrix[0, 1] < 0.02


def test_dci_of_known_importance_matrices():
    assert dis.dci_from_importance(np.eye(4)) == pytest.approx({"disentanglement": 1.0, "completeness": 1.0})
    assert dis.dci_from_importance(np.ones((4, 4))) == pytest.approx({"disentanglement": 0.0, "completeness": 0.0})
    one_dim_all = np.zeros((4, 4))
    one_dim_all[0] = 1.0
    assert dis.dci_from_importance(one_dim_all) == pytest.approx({"disentanglement": 0.0, "completeness": 1.0})


def test_a_model_is_scored_on_items_picked_by_their_factors(monkeypatch):
    from explorer.analysis.factor_metrics import factor_metrics
    from explorer.data.factors import GroundTruth
    from tests.conftest import tiny_model
    from tests.factor_toy import toy_factor_dataset

    dataset = toy_factor_dataset()
    truth = GroundTruth.of(dataset)
    assert truth.sizes == (3, 6, 6)
    assert torch.equal(truth.images(dataset.test.factors.numpy()), dataset.test.x)
    assert torch.equal(truth.labels(dataset.train.factors.numpy()), dataset.train.y)
    monkeypatch.setitem(dis.BUDGETS, "app", SMALL)
    scores = factor_metrics(tiny_model(), dataset)
    for key in HEADLINES + ("sap",):
        assert 0.0 <= scores[key] <= 1.0, key
    assert scores["disentanglement"]["budget"] == SMALL.describe("app")


def test_data_missing_a_factor_combination_is_refused():
    from explorer.data.factors import GroundTruth
    from explorer.errors import DataError
    from tests.factor_toy import toy_factor_dataset

    dataset = toy_factor_dataset()
    dataset.train = dataset.train.subset(slice(1, None))
    with pytest.raises(DataError, match="every combination of its factors once"):
        GroundTruth.of(dataset)
