"""The words written on pictures: row and column labels of the grids the app shows and exports (the traversal's
dimensions and steps, the interpolation's ends, the analogy's operands...), one source for screen and file."""
from __future__ import annotations

import numpy as np

INACTIVE_KL = 0.01  # nats: below this a dimension is shown as inactive


def signed(value: float, digits: int = 1) -> str:
    """+1.5 / −1.5 with a real minus sign."""
    return f"{value:+.{digits}f}".replace("-", "−")


def dimension(dim: int, kl: float | None) -> str:
    """A latent dimension and its KL (None: an autoencoder's, which has none): the row label of a traversal."""
    if kl is None:
        return f"z{dim}"
    return f"z{dim} · KL {kl:.2f}" + (" (inactive)" if kl < INACTIVE_KL else "")


def categorical(variable: int, kl: float) -> str:
    """A categorical latent variable and its KL against the uniform prior."""
    return f"c{variable} · KL {kl:.2f}"


def category(variable: int, value: int) -> str:
    """One category of a categorical variable: a traversal's column, or a row of a crossed grid."""
    return f"c{variable} = {value}"


def traversal_columns(mode: str, steps: int, k: float) -> list[str]:
    """What each column of a traversal sets the dimension to: ±kσ from the start, the prior's quantile, or the
    position in the data's range (which differs from row to row)."""
    if mode == "sigma":
        return [f"{signed(v)}σ" for v in np.linspace(-k, k, steps)]
    if mode == "quantiles":
        from explorer.analysis.latent import QUANTILES  # torch: not needed to draw a window at launch

        return [f"q{p:.2f}" for p in np.linspace(QUANTILES[0], QUANTILES[1], steps)]
    return ["min"] + [""] * (steps - 2) + ["max"]


def interpolation_columns(steps: int) -> list[str]:
    """A, the fractions of the way, B."""
    middle = [f"t={t:.2f}" for t in np.linspace(0.0, 1.0, steps)[1:-1]]
    return ["A"] + middle + ["B"]


ANALOGY_COLUMNS = ["A", "B", "C", "A − B + C"]


def strengths(values) -> list[str]:
    return [signed(float(v)) for v in values]


def class_names(names: list[str], count: int) -> list[str]:
    """The first ``count`` class names, numbered where a dataset names none."""
    return [names[c] if c < len(names) else str(c) for c in range(count)]


def item(index: int, label: int, names: list[str]) -> str:
    """A preview item: #index · its class (the caption hovering shows)."""
    if 0 <= label < len(names):
        return f"#{index} · {names[label]}"
    return f"#{index}" if label < 0 else f"#{index} · {label}"
