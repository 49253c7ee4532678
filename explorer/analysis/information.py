"""Mutual information between latent codes and discrete factors, by our own histogram counts: each code dimension
discretised into equal-width bins over its own range (20, as disentanglement_lib does), then the plug-in estimate
I(a; b) = Σ p(a, b) log p(a, b) / (p(a) p(b)) in nats. A plug-in estimate from N items cannot exceed log N, nor
the entropy of either side."""
from __future__ import annotations

import numpy as np

BINS = 20


def discretise(codes: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Each column of ``codes`` (N, D) as bin indices 0..bins-1 of equal-width bins spanning that column's range;
    a constant column falls in one bin."""
    codes = np.asarray(codes, dtype=np.float64)
    low, high = codes.min(axis=0), codes.max(axis=0)
    width = np.where(high > low, (high - low) / bins, 1.0)
    return np.clip(((codes - low) / width).astype(np.int64), 0, bins - 1)


def entropy(labels: np.ndarray) -> float:
    """The plug-in entropy (nats) of one column of discrete values."""
    counts = np.unique(np.asarray(labels), return_counts=True)[1]
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """The plug-in mutual information (nats) between two columns of non-negative integers."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    width = int(b.max()) + 1
    joint = np.bincount(a * width + b).astype(np.float64)
    cells = np.nonzero(joint)[0]
    p_ab = joint[cells] / len(a)
    p_a = np.bincount(a)[cells // width] / len(a)
    p_b = np.bincount(b)[cells % width] / len(b)
    return max(0.0, float((p_ab * np.log(p_ab / (p_a * p_b))).sum()))


def mutual_information_matrix(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> np.ndarray:
    """I(z_i; v_k) for every code dimension i (rows) and factor k (columns): (D, F) nats, codes discretised."""
    binned = discretise(codes, bins)
    factors = np.asarray(factors, dtype=np.int64)
    return np.array([[mutual_information(binned[:, i], factors[:, k]) for k in range(factors.shape[1])]
                     for i in range(binned.shape[1])])


def factor_entropies(factors: np.ndarray) -> np.ndarray:
    """H(v_k) of each factor column (F,) in nats."""
    factors = np.asarray(factors)
    return np.array([entropy(factors[:, k]) for k in range(factors.shape[1])])


def normalised_mutual_information(codes: np.ndarray, factors: np.ndarray, bins: int = BINS) -> np.ndarray:
    """I(z_i; v_k) / H(v_k), (D, F) in [0, 1]: the share of each factor's entropy a dimension carries (MIG's
    normalisation; a factor with one value gives zeros)."""
    mi = mutual_information_matrix(codes, factors, bins)
    h = factor_entropies(factors)
    return np.divide(mi, h, out=np.zeros_like(mi), where=h > 0)
