"""The dimension × factor matrix of a model's code on items with ground-truth factors: how much of each factor's
entropy each continuous dimension carries (normalised mutual information, MIG's matrix) and how much each dimension
counts in predicting each factor (DCI's importance), with the factor each dimension captures best."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.disentanglement import dci_importance
from explorer.analysis.information import normalised_mutual_information

MEASURES = {"mi": "normalised mutual information", "importance": "DCI importance"}


@dataclass(frozen=True)
class FactorMatrix:
    factor_names: list[str]
    values: dict[str, np.ndarray]  # by measure: (D, F) in [0, 1]
    items: int  # how many items it was computed on

    @property
    def dims(self) -> int:
        return len(self.values["mi"])

    def best_factor(self, measure: str) -> np.ndarray:
        """Each dimension's factor with the largest value (D,)."""
        return self.values[measure].argmax(axis=1)

    def row_labels(self, measure: str) -> list[str]:
        """"z3  pos_x 0.82": each dimension with the factor it captures best and how much."""
        matrix, best = self.values[measure], self.best_factor(measure)
        return [f"z{d}  {self.factor_names[k]} {matrix[d, k]:.2f}" for d, k in enumerate(best)]


def factor_matrix(means: np.ndarray, factors: np.ndarray, factor_names: list[str], seed: int = 0) -> FactorMatrix:
    """Both matrices for continuous codes ``means`` (N, D) of items with factor classes ``factors`` (N, F); the
    importances from a forest fitted on all N items (no test split: only the importances are wanted)."""
    means, factors = np.asarray(means, dtype=np.float64), np.asarray(factors, dtype=np.int64)
    importance, _ = dci_importance(means, factors, seed=seed)
    return FactorMatrix(list(factor_names), {"mi": normalised_mutual_information(means, factors),
                                             "importance": importance}, len(means))
