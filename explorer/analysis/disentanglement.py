"""The standard disentanglement metrics on posterior means, as disentanglement_lib defines them (Locatello et al.
2019), for data whose factors are discrete and independent (every combination present, as in dSprites):

- MIG (Chen et al. 2018): per factor, the gap between the two code dimensions sharing most mutual information with
  it, over the factor's entropy; MI from 20-bin histograms of each dimension (``explorer.analysis.information``).
- SAP (Kumar et al. 2018): per factor, the gap between the test accuracies of the two best one-dimension linear
  classifiers (LinearSVC, C = 0.01, balanced classes).
- DCI (Eastwood & Williams 2018): disentanglement, completeness and informativeness (test accuracy) from a
  dimension × factor importance matrix. The importances come from a random forest per factor (10 bagged trees,
  impurity importance; Eastwood & Williams' own estimator family), not disentanglement_lib's gradient-boosted
  trees: those take minutes on dSprites' 40-class orientation, the forest a second or two.
- The FactorVAE score (Kim & Mnih 2018): batches with one factor held fixed; the dimension whose variance, divided
  by its variance over the data, falls most votes for that factor; a majority-vote classifier's accuracy.
- The β-VAE score (Higgins et al. 2017): pairs of batches sharing one factor; a logistic regression names the
  factor from the mean absolute difference of their codes.

Two bugs of disentanglement_lib's FactorVAE score are fixed here. (1) Its vote went to ``argmin`` over the
*active* dimensions used as an index into *all* dimensions, so with any dimension pruned the votes landed on the
wrong ones; we map the index back. (2) It pruned nothing (``std >= 0``, always true, so a dead dimension's 0/0 ratio
voted) and reported ``len(mask)`` as the number of active dimensions; we prune dimensions whose standard deviation
over the data is under ``ACTIVE_STD`` (Kim & Mnih's pruning) and count the ones kept.

The FactorVAE and β-VAE scores intervene on factors, so they take a function from factor classes to codes; the
others take codes sampled with their factors. Budgets (how many points each metric draws) are named ``Budget``s and
reported with every result."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from explorer.analysis.information import BINS, factor_entropies, mutual_information_matrix

Represent = Callable[[np.ndarray], np.ndarray]  # factor classes (N, F) int -> codes (N, D) float

SAP_C = 0.01  # disentanglement_lib's LinearSVC regularisation
ACTIVE_STD = 0.05  # a dimension whose posterior mean varies less than this over the data is pruned (FactorVAE)
FOREST_TREES = 10
FOREST_MIN_LEAF = 5
LOGISTIC_MAX_ITER = 1000  # the β-VAE score's classifier, run to convergence
REPRESENT_ROWS = 16_384  # factor rows turned into codes at a time


@dataclass(frozen=True)
class Budget:
    """How many points each metric draws."""

    points: int = 10_000  # MIG's sample, and the training sample of SAP and DCI
    test_points: int = 5_000  # SAP's and DCI's test sample
    batch: int = 64  # items behind one FactorVAE vote or one β-VAE feature
    factor_vae_train: int = 10_000
    factor_vae_eval: int = 5_000
    variance_points: int = 10_000  # FactorVAE's estimate of each dimension's variance over the data
    beta_vae_train: int = 10_000
    beta_vae_eval: int = 5_000

    def describe(self, name: str) -> dict:
        return {"name": name, **asdict(self)}


REFERENCE_BUDGET = Budget()  # disentanglement_lib's defaults
# The app's: the observational metrics at the reference budget; the interventional ones a tenth of it (about
# 200,000 encodes instead of 2.9 million, a minute or less of a small model on a CPU).
APP_BUDGET = Budget(factor_vae_train=1_000, factor_vae_eval=500, beta_vae_train=1_000, beta_vae_eval=500)
BUDGETS = {"app": APP_BUDGET, "reference": REFERENCE_BUDGET}


def sample_factors(sizes: tuple[int, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` factor-class rows (n, F), each factor uniform and independent of the others."""
    return np.stack([rng.integers(0, size, n) for size in sizes], axis=1)


def represent_all(represent: Represent, factors: np.ndarray) -> np.ndarray:
    return np.concatenate([np.asarray(represent(factors[start:start + REPRESENT_ROWS]), dtype=np.float64)
                           for start in range(0, len(factors), REPRESENT_ROWS)])


def _top_two_gap(matrix: np.ndarray) -> np.ndarray:
    """Per column, the largest entry minus the second largest (the largest itself with one row)."""
    ordered = np.sort(matrix, axis=0)[::-1]
    return ordered[0] - (ordered[1] if len(ordered) > 1 else 0.0)


def mig(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> dict:
    """The mutual information gap: mean over factors of (top MI - second MI) / H(factor)."""
    entropies = factor_entropies(factors)
    gaps = np.divide(_top_two_gap(mutual_information_matrix(codes, factors, bins)), entropies,
                     out=np.zeros(len(entropies)), where=entropies > 0)
    return {"score": float(gaps.mean()), "per_factor": gaps.tolist()}


def _one_dimension_accuracy(train_codes, train_factor, test_codes, test_factor) -> float:
    """The test accuracy of a linear classifier of one factor from one code dimension (1.0 for a constant
    factor)."""
    from sklearn.svm import LinearSVC

    if len(np.unique(train_factor)) < 2:
        return 1.0
    classifier = LinearSVC(C=SAP_C, class_weight="balanced").fit(train_codes, train_factor)
    return float(np.mean(classifier.predict(test_codes) == test_factor))


def sap(train_codes: np.ndarray, train_factors: np.ndarray, test_codes: np.ndarray,
        test_factors: np.ndarray) -> dict:
    """The separated attribute predictability: mean over factors of the gap between the two best dimensions' test
    accuracies, each from a linear classifier on that dimension alone. The D × F fits run on threads (liblinear
    releases the GIL), one a core."""
    from joblib import Parallel, delayed

    dims, factors = train_codes.shape[1], train_factors.shape[1]
    fits = Parallel(n_jobs=-1, prefer="threads")(
        delayed(_one_dimension_accuracy)(train_codes[:, i:i + 1], train_factors[:, k], test_codes[:, i:i + 1],
                                         test_factors[:, k]) for i in range(dims) for k in range(factors))
    gaps = _top_two_gap(np.array(fits, dtype=np.float64).reshape(dims, factors))
    return {"score": float(gaps.mean()), "per_factor": gaps.tolist()}


def dci_importance(train_codes: np.ndarray, train_factors: np.ndarray, test_codes: np.ndarray | None = None,
                   test_factors: np.ndarray | None = None, seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """The (D, F) importance of each dimension for predicting each factor (a random forest's impurity importance,
    each column summing to 1) and, given a test sample, each factor's test accuracy."""
    from sklearn.ensemble import RandomForestClassifier

    importance = np.zeros((train_codes.shape[1], train_factors.shape[1]))
    accuracy = []
    for k in range(train_factors.shape[1]):
        # Every dimension is a candidate at every split, as in boosting: sampling candidates would force splits on
        # uninformative dimensions and give them importance.
        forest = RandomForestClassifier(n_estimators=FOREST_TREES, min_samples_leaf=FOREST_MIN_LEAF,
                                        max_features=None, n_jobs=-1, random_state=seed)
        forest.fit(train_codes, train_factors[:, k])
        importance[:, k] = forest.feature_importances_
        if test_codes is not None:
            accuracy.append(float(forest.score(test_codes, test_factors[:, k])))
    return importance, accuracy


def _one_minus_entropy(p: np.ndarray, base: int) -> np.ndarray:
    """1 - H(p)/log(base) of each row of non-negative weights (rows normalised; an all-zero row counts as uniform;
    with one outcome, 1)."""
    if base < 2:
        return np.ones(len(p))
    totals = p.sum(axis=1, keepdims=True)
    p = np.where(totals > 0, p / np.where(totals > 0, totals, 1.0), 1.0 / p.shape[1])
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    return 1.0 + (p * logs).sum(axis=1) / np.log(base)


def _weights(totals: np.ndarray) -> np.ndarray:
    return totals / totals.sum() if totals.sum() > 0 else np.full(len(totals), 1.0 / len(totals))


def dci_from_importance(importance: np.ndarray) -> dict:
    """Disentanglement (each dimension's 1 - entropy over factors, weighted by its share of all importance) and
    completeness (each factor's 1 - entropy over dimensions, weighted likewise), as disentanglement_lib weighs
    them."""
    dims, factors = importance.shape
    disentanglement = float((_one_minus_entropy(importance, factors) * _weights(importance.sum(axis=1))).sum())
    completeness = float((_one_minus_entropy(importance.T, dims) * _weights(importance.sum(axis=0))).sum())
    return {"disentanglement": disentanglement, "completeness": completeness}


def dci(train_codes: np.ndarray, train_factors: np.ndarray, test_codes: np.ndarray, test_factors: np.ndarray,
        seed: int = 0) -> dict:
    importance, accuracy = dci_importance(train_codes, train_factors, test_codes, test_factors, seed)
    return {**dci_from_importance(importance), "informativeness": float(np.mean(accuracy)),
            "informativeness_per_factor": accuracy, "importance": importance.tolist()}


def _held_batches(sizes: tuple[int, ...], n: int, batch: int, rng: np.random.Generator):
    """``n`` batches (n, batch, F) of factor rows, each batch holding one randomly chosen factor at one value."""
    held = rng.integers(0, len(sizes), n)
    rows = sample_factors(sizes, n * batch, rng).reshape(n, batch, len(sizes))
    rows[np.arange(n), :, held] = rows[np.arange(n), :1, held]
    return held, rows


def _chunks(total: int, batch: int):
    per_chunk = max(1, REPRESENT_ROWS // batch)
    for start in range(0, total, per_chunk):
        yield min(per_chunk, total - start)


def _factor_vae_votes(sizes, represent: Represent, n: int, batch: int, variances: np.ndarray, active: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    votes = np.zeros((len(sizes), len(variances)), dtype=np.int64)
    active_index = np.flatnonzero(active)
    for count in _chunks(n, batch):
        held, rows = _held_batches(sizes, count, batch, rng)
        codes = represent_all(represent, rows.reshape(-1, len(sizes))).reshape(count, batch, -1)
        ratio = codes[:, :, active].var(axis=1, ddof=1) / variances[active]
        np.add.at(votes, (held, active_index[ratio.argmin(axis=1)]), 1)  # the dimension's own index (fix 1)
    return votes


def factor_vae_score(sizes: tuple[int, ...], represent: Represent, budget: Budget = APP_BUDGET,
                     seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    variances = represent_all(represent, sample_factors(sizes, budget.variance_points, rng)).var(axis=0, ddof=1)
    active = np.sqrt(variances) >= ACTIVE_STD  # fix 2: dead dimensions pruned, and counted below
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "active_dims": 0}
    train = _factor_vae_votes(sizes, represent, budget.factor_vae_train, budget.batch, variances, active, rng)
    majority = train.argmax(axis=0)  # each dimension's factor
    evaluation = _factor_vae_votes(sizes, represent, budget.factor_vae_eval, budget.batch, variances, active, rng)
    dims = np.arange(len(variances))
    return {"train_accuracy": float(train[majority, dims].sum() / train.sum()),
            "eval_accuracy": float(evaluation[majority, dims].sum() / evaluation.sum()),
            "active_dims": int(active.sum())}


def _beta_vae_features(sizes, represent: Represent, n: int, batch: int, rng: np.random.Generator):
    labels, features = [], []
    for count in _chunks(n, 2 * batch):
        held = rng.integers(0, len(sizes), count)
        first = sample_factors(sizes, count * batch, rng).reshape(count, batch, len(sizes))
        second = sample_factors(sizes, count * batch, rng).reshape(count, batch, len(sizes))
        second[np.arange(count), :, held] = first[np.arange(count), :, held]
        codes = [represent_all(represent, rows.reshape(-1, len(sizes))).reshape(count, batch, -1)
                 for rows in (first, second)]
        features.append(np.abs(codes[0] - codes[1]).mean(axis=1))
        labels.append(held)
    return np.concatenate(features), np.concatenate(labels)


def beta_vae_score(sizes: tuple[int, ...], represent: Represent, budget: Budget = APP_BUDGET,
                   seed: int = 0) -> dict:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    train_x, train_y = _beta_vae_features(sizes, represent, budget.beta_vae_train, budget.batch, rng)
    eval_x, eval_y = _beta_vae_features(sizes, represent, budget.beta_vae_eval, budget.batch, rng)
    if len(np.unique(train_y)) < 2:
        return {"train_accuracy": 1.0, "eval_accuracy": 1.0}
    classifier = LogisticRegression(max_iter=LOGISTIC_MAX_ITER).fit(train_x, train_y)
    return {"train_accuracy": float(classifier.score(train_x, train_y)),
            "eval_accuracy": float(classifier.score(eval_x, eval_y))}


def disentanglement_scores(sizes: tuple[int, ...], represent: Represent, budget: Budget = APP_BUDGET,
                           budget_name: str = "app", seed: int = 0) -> dict:
    """Every metric of one representation, with the budget it used. Flat headline figures (``mig``, ``sap``,
    ``dci_disentanglement``, ``dci_completeness``, ``dci_informativeness``, ``factor_vae_score``,
    ``beta_vae_score``) and their details under ``disentanglement``."""
    rng = np.random.default_rng(seed)
    train_factors = sample_factors(sizes, budget.points, rng)
    test_factors = sample_factors(sizes, budget.test_points, rng)
    train_codes, test_codes = represent_all(represent, train_factors), represent_all(represent, test_factors)
    details = {"budget": budget.describe(budget_name), "mig": mig(train_codes, train_factors),
               "sap": sap(train_codes, train_factors, test_codes, test_factors),
               "dci": dci(train_codes, train_factors, test_codes, test_factors, seed),
               "factor_vae": factor_vae_score(sizes, represent, budget, seed + 1),
               "beta_vae": beta_vae_score(sizes, represent, budget, seed + 2)}
    return {"mig": details["mig"]["score"], "sap": details["sap"]["score"],
            "dci_disentanglement": details["dci"]["disentanglement"],
            "dci_completeness": details["dci"]["completeness"],
            "dci_informativeness": details["dci"]["informativeness"],
            "factor_vae_score": details["factor_vae"]["eval_accuracy"],
            "beta_vae_score": details["beta_vae"]["eval_accuracy"], "disentanglement": details}
