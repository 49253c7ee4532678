"""A new model kind is one file plus its registration: the README's example kind, registered here, trains through
the CLI, is saved and loaded, evaluated, exported and explored with no other change."""
import numpy as np
import pytest

from explorer.analysis.explore import ModelExplorer
from explorer.cli import main
from explorer.io.checkpoint import load_checkpoint
from explorer.training.options import applicable
from tests.readme_kind import KIND, readme_kind


@pytest.fixture(scope="module")
def linear_checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("linear") / "linear.safetensors"
    with readme_kind():
        assert main(["train", "--model", KIND, "--dataset", "digits", "--latent-dim", "3", "--epochs", "2",
                     "--batch-size", "64", "--device", "cpu", "--out", str(out)]) == 0
        yield out


def test_the_new_kind_trains_saves_and_loads(linear_checkpoint, capsys):
    assert [option.name for option in applicable(KIND, "image") if option.kinds] == ["latent_dim"]
    checkpoint = load_checkpoint(linear_checkpoint)
    assert checkpoint.model.kind == KIND and checkpoint.model.latent_dim == 3 and len(checkpoint.history) == 2
    assert checkpoint.history[-1]["test_elbo"] < checkpoint.history[0]["test_elbo"]
    assert main(["evaluate", str(linear_checkpoint), "--nll-samples", "5", "--json"]) == 0
    assert '"nll_iw"' in capsys.readouterr().out


def test_the_explorer_and_the_exports_know_it(linear_checkpoint, tmp_path):
    explorer = ModelExplorer(load_checkpoint(linear_checkpoint))
    assert explorer.means.shape == (359, 3) and explorer.kl_per_dim.shape == (3,)
    assert explorer.reconstruct([0, 1]).shape == (2, 8, 8)
    assert explorer.traversal(explorer.means[0], [0, 1], steps=4)[0].shape == (8, 8, 8)
    assert explorer.manifold(explorer.origin(), steps=3)[0].shape == (9, 8, 8)
    assert explorer.samples(4).shape == (4, 8, 8)
    kl = explorer.posterior(0)[2]
    assert np.all(kl >= 0) and kl.shape == (3,)
    for what in ("samples", "traversal", "manifold", "interpolation"):
        out = tmp_path / f"{what}.png"
        assert main(["export", str(linear_checkpoint), "--what", what, "--out", str(out)]) == 0 and out.stat().st_size
