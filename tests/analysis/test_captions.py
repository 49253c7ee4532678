"""The words written on pictures."""
from explorer.analysis import captions


def test_dimension_labels_name_kl_and_inactivity():
    assert captions.dimension(3, 1.234) == "z3 · KL 1.23"
    assert captions.dimension(12, 0.001) == "z12 · KL 0.00 (inactive)"


def test_traversal_columns_per_mode():
    assert captions.traversal_columns("sigma", 3, 2.0) == ["−2.0σ", "+0.0σ", "+2.0σ"]
    assert captions.traversal_columns("quantiles", 2, 3.0) == ["q0.05", "q0.95"]
    assert captions.traversal_columns("data", 4, 3.0) == ["min", "", "", "max"]


def test_interpolation_and_strengths():
    assert captions.interpolation_columns(5) == ["A", "t=0.25", "t=0.50", "t=0.75", "B"]
    assert captions.interpolation_columns(2) == ["A", "B"]
    assert captions.strengths([0.0, -1.5]) == ["+0.0", "−1.5"]


def test_items_and_classes():
    assert captions.item(4, 1, ["zero", "one"]) == "#4 · one"
    assert captions.item(4, -1, []) == "#4" and captions.item(4, 7, []) == "#4 · 7"
    assert captions.class_names(["a"], 3) == ["a", "1", "2"]
