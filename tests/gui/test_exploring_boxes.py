"""Every exploring option's box in the window has the catalog's range, default and choices."""
import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from explorer import exploring

IN_THE_WINDOW = [option for option in exploring.EXPLORING_OPTIONS if option.section != "export"]


@pytest.mark.parametrize("option", IN_THE_WINDOW, ids=lambda o: o.name)
def test_each_box_is_the_catalogs(window, option):
    boxes = window.findChildren(QWidget, option.name)
    assert boxes, f"no box named {option.name} in the window"
    for box in boxes:
        if isinstance(box, QComboBox):
            assert [box.itemData(i) for i in range(box.count())] == list(option.choices)
            assert box.currentData() == option.default
        elif isinstance(box, QCheckBox):
            assert box.isChecked() == option.default
        else:
            assert (box.minimum(), box.maximum()) == pytest.approx((option.low, option.high))
            if box.parent() is not None and option.name != "samples_count":  # Compare draws fewer per run
                assert box.value() == pytest.approx(option.default)
        assert box.toolTip() == option.help
