"""How a categorical code's categories line up with the classes, for drawing (no torch: the window imports it
before any model loads)."""
from __future__ import annotations


def matched_order(assignment: list[int]) -> list[int]:
    """The categories ordered by the class each was matched to (``discrete_accuracy``'s assignment), unmatched
    ones last: a confusion matrix in this column order holds the agreement on its diagonal."""
    return sorted(range(len(assignment)), key=lambda k: (assignment[k] < 0, assignment[k], k))
