"""The exploring catalog is the one source of the export flags' bounds and defaults, and of the core's configs."""
import pytest

from explorer import exploring
from explorer.cli import build_parser
from explorer.cli.export import exploring_values
from explorer.domains.decoding import DecodeConfig
from explorer.errors import ConfigError


def export_args(*flags):
    return build_parser().parse_args(["export", "m.safetensors", "--what", "traversal", "--out", "x.png", *flags])


def test_every_exploring_option_is_an_export_flag_with_the_catalog_default():
    args = export_args()
    values = exploring_values(args)
    assert values == {option.name: option.default for option in exploring.EXPLORING_OPTIONS}
    actions = {action.dest: action for action in build_parser()._subparsers._group_actions[0].choices[
        "export"]._actions}
    for option in exploring.EXPLORING_OPTIONS:
        assert option.flag in actions[option.name].option_strings
        if option.type == "choice":
            assert tuple(actions[option.name].choices) == option.choices


@pytest.mark.parametrize("option", [o for o in exploring.EXPLORING_OPTIONS if o.type in ("int", "float")],
                         ids=lambda o: o.name)
def test_export_flags_take_exactly_the_catalog_bounds(option):
    assert exploring_values(export_args(option.flag, str(option.low)))[option.name] == option.low
    assert exploring_values(export_args(option.flag, str(option.high)))[option.name] == option.high
    below = option.low - (1 if option.type == "int" else 1e-3)
    with pytest.raises(ConfigError, match=option.flag):
        exploring_values(export_args(option.flag, str(below)))


def test_steps_are_the_exported_views_own():
    assert exploring_values(export_args("--steps", "7"))["traversal_steps"] == 7
    with pytest.raises(ConfigError, match="--steps must be between 2"):
        exploring_values(export_args("--steps", "1"))


def test_decode_config_defaults_are_the_catalogs():
    assert DecodeConfig() == DecodeConfig.from_values(exploring.defaults("decoding"))
    assert DecodeConfig().strategy == exploring.default("decode")
