import pytest

from explorer.errors import ConfigError
from explorer.training.schedules import make_schedule


def test_constant_and_linear_warmup():
    assert make_schedule({"kind": "constant"})(12345) == 1.0
    linear = make_schedule({"kind": "linear", "warmup_steps": 100})
    assert [linear(s) for s in (0, 50, 100, 500)] == [0.0, 0.5, 1.0, 1.0]
    assert make_schedule({"kind": "linear", "warmup_steps": 0})(0) == 1.0


def test_logistic_follows_bowman():
    logistic = make_schedule({"kind": "logistic", "k": 0.01, "x0": 200})
    assert logistic(200) == pytest.approx(0.5)
    assert logistic(0) == pytest.approx(1 / (1 + 2.718281828 ** 2))
    assert logistic(1000) > 0.999
    steep = make_schedule({"kind": "logistic", "k": 1.0, "x0": 0})  # far tails neither overflow nor go negative
    assert steep(-100000) == pytest.approx(0.0, abs=1e-300) and steep(100000) == 1.0


def test_cyclical_follows_fu():
    cyclical = make_schedule({"kind": "cyclical", "cycles": 2, "ratio": 0.5, "total_steps": 200})
    assert [cyclical(s) for s in (0, 25, 50, 99, 100, 125, 150, 199)] == [0.0, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 1.0]
    assert cyclical(200) == 1.0 and cyclical(350) == 1.0  # past the last cycle the weight stays at 1


@pytest.mark.parametrize("spec,message", [
    ({"kind": "cosine"}, "unknown KL schedule 'cosine'"),
    ({"kind": "cyclical", "cycles": 4, "ratio": 0.5}, "total_steps >= 1"),
    ({"kind": "cyclical", "cycles": 4, "ratio": 1.5, "total_steps": 10}, "0 < ratio <= 1"),
    ({"kind": "linear", "warmup_steps": -1}, "warmup_steps >= 0"),
    ({"kind": "logistic", "k": 0}, "slope k > 0"),
])
def test_bad_specs_are_named(spec, message):
    with pytest.raises(ConfigError, match=message):
        make_schedule(spec)
