"""What a ModelExplorer's code says about the data: a categorical latent against the labels, a sparse code's unit
activity, a deterministic code's spread, sentences by length, and the code against ground-truth factors."""
from __future__ import annotations

import numpy as np
import torch

from explorer.data.tokenizers import words
from explorer.io.display import printable


class ItemFactors:
    """The items' ground-truth factors (data such as dSprites; the preview set carries each item's factor classes
    and the checkpoint's dataset their table), for any explorer of a preview set, with a model or without."""

    @property
    def factors(self) -> np.ndarray | None:
        """Each preview item's factor classes (N, F), or None when the preview has none."""
        factors = self.checkpoint.preview.factors
        return None if factors is None else np.asarray(factors, dtype=np.int64)

    @property
    def factor_table(self) -> list[dict]:
        """The dataset's factors as its checkpoint records them: name, values and, if categorical, categories."""
        return list(self.checkpoint.dataset.get("factors") or [])

    @property
    def factor_names(self) -> list[str]:
        return [printable(factor["name"]) for factor in self.factor_table]

    def factor_is_ordered(self, factor: int) -> bool:
        """Whether a factor's classes are ordered values (scale, position) rather than categories (shape)."""
        return not self.factor_table[factor].get("categories")

    def factor_value_names(self, factor: int) -> list[str]:
        """How each class of a factor is shown: its category name, or its value."""
        info = self.factor_table[factor]
        return [printable(name) for name in info["categories"]] if info.get("categories") else \
            [f"{value:.3g}" for value in info["values"]]

    def describe_factors(self, index: int) -> str | None:
        """A preview item's factors in one line ("shape heart · scale 0.8 · ..."), or None without factors."""
        if self.factors is None or not 0 <= index < len(self.factors):
            return None
        return " · ".join(f"{name} {self.factor_value_names(k)[c]}"
                          for k, (name, c) in enumerate(zip(self.factor_names, self.factors[index])))


class CodeSummaries(ItemFactors):
    # What a model's code says about the data
    def code_confusion(self) -> dict | None:
        """How a categorical latent matches the labels (``explorer.analysis.metrics.discrete_accuracy``): the
        checkpoint's figure on its test split when it has one, else computed on the preview set. With ``source``,
        where it was measured."""
        from explorer.analysis.metrics import discrete_accuracy

        stored = self.checkpoint.metrics.get("discrete_accuracy")
        if isinstance(stored, dict):
            return dict(stored, source="test split")
        if self.logits is None:
            return None
        posterior, _ = self._item_posterior(np.arange(len(self.means)))
        found = discrete_accuracy([logits.cpu() for logits in posterior.logits], torch.from_numpy(self.labels))
        return None if found is None else dict(found, source=f"{len(self.means)} preview items")

    def unit_activity(self) -> np.ndarray | None:
        """For a sparse code: the fraction of preview items in which each unit is active (above the model's
        ``code_threshold``); None for other models."""
        threshold = self.model.code_threshold
        if threshold is None:
            return None
        return (self.means[:, :self.continuous_dim] > threshold).mean(0)

    def code_spread(self) -> np.ndarray | None:
        """For a deterministic encoder (no KL to show): each code dimension's standard deviation over the preview
        items, so a dimension the encoder does not use stands out; None for a variational model."""
        if self.has_kl:
            return None
        return self.means[:, :self.continuous_dim].std(0)

    def length_buckets(self) -> tuple[np.ndarray, list[str]]:
        """For text: each preview sentence's length bucket in words (an index) and the buckets' names, to colour
        the map."""
        lengths = np.asarray([len(words(text)) for text in self.items(np.arange(len(self.means)))])
        edges = [0, 5, 8, 11, 15, np.inf]
        names = [f"{int(lo) + 1}-{int(hi)} words" if np.isfinite(hi) else f"{int(lo) + 1}+ words"
                 for lo, hi in zip(edges[:-1], edges[1:])]
        return np.digitize(lengths, edges[1:-1], right=True), names

    def factor_matrix(self):
        """The dimension × factor matrix of the continuous code on the preview items
        (``explorer.analysis.factor_matrix``), or None without factors or continuous dimensions."""
        from explorer.analysis.factor_matrix import factor_matrix

        if self.factors is None or not self.continuous_dim:
            return None
        return factor_matrix(self.means[:, :self.continuous_dim], self.factors, self.factor_names)
