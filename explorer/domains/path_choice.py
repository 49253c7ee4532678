"""Choosing sentences along a path so that neighbouring steps stay close: each step's beam candidates are weighed by
their score minus a weight times their word edit distance to the sentence chosen at the step before."""
from __future__ import annotations

from explorer.data.tokenizers import words


def word_edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two texts counted in words: insertions, deletions and substitutions."""
    x, y = words(a), words(b)
    previous = list(range(len(y) + 1))
    for i, word in enumerate(x, 1):
        current = [i]
        for j, other in enumerate(y, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1]


def closest_path(options: list[list[tuple[str, float]]], weight: float) -> list[int]:
    """The candidate picked at each step from ``options`` (per step: (text, score) pairs): the first step's best
    score, then at each step the highest score - weight x word edit distance to the previous step's pick."""
    picks: list[int] = []
    for step in options:
        if not picks:
            gains = [score for _, score in step]
        else:
            previous = options[len(picks) - 1][picks[-1]][0]
            gains = [score - weight * word_edit_distance(previous, text) for text, score in step]
        picks.append(max(range(len(step)), key=gains.__getitem__))
    return picks
