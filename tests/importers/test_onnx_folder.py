"""ONNX pairs: a torch model exported with torch.onnx.export opens through the one door (open_model), decodes as the
torch model does, is explored and evaluated like our own, and saves as our checkpoint."""
import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from explorer.analysis.explore import ModelExplorer  # noqa: E402
from explorer.cli import main  # noqa: E402
from explorer.importers.opening import describe_model, open_model, save_imported  # noqa: E402
from explorer.io.checkpoint import load_checkpoint  # noqa: E402
from explorer.training.options import all_options  # noqa: E402
from tests.conftest import tiny_model  # noqa: E402
from tests.onnx_pairs import write_pair  # noqa: E402


@pytest.fixture(scope="module")
def vae():
    return tiny_model().eval()


@pytest.fixture(scope="module")
def pair(vae, tmp_path_factory):
    return write_pair(vae, tmp_path_factory.mktemp("onnx") / "pair", label="my exported VAE")


@pytest.fixture(scope="module")
def opened(pair):
    return open_model(pair)


def test_an_exported_pair_encodes_and_decodes_as_the_torch_model(vae, opened):
    x = torch.rand(7, 1, 8, 8)
    z = torch.randn(7, 4)
    with torch.no_grad():
        expected = vae.encode(x)
        assert torch.allclose(opened.model.decode(z), vae.decode(z), atol=1e-5)
        assert torch.allclose(opened.model.pixel_means(z), vae.pixel_means(z), atol=1e-5)
    got = opened.model.encode(x)
    assert torch.allclose(got.mean, expected.mean, atol=1e-5) and torch.allclose(got.logvar, expected.logvar,
                                                                                   atol=1e-5)


def test_it_opens_with_a_preview_set_its_figures_and_a_map(opened, vae, digits):
    assert opened.label == "my exported VAE" and opened.model.kind == "onnx-pair"
    assert len(opened.preview.means) == len(digits.test) and opened.preview.map_info["method"] == "pca"
    with torch.no_grad():
        means = vae.encode(digits.test.x[:5]).mean
    assert np.allclose(opened.preview.means[:5], means.numpy(), atol=1e-4)
    assert np.isfinite(opened.meta["metrics"]["elbo"]) and opened.meta["metrics"]["kl"] > 0
    explorer = ModelExplorer(opened)
    assert explorer.samples(4).shape == (4, 8, 8) and explorer.reconstruct([0, 1]).shape == (2, 8, 8)


def test_a_file_of_the_folder_opens_the_folder(pair):
    assert open_model(pair / "encoder.onnx").model.kind == "onnx-pair"
    assert describe_model(pair / "model.json")["model_config"]["latent_dim"] == 4


def test_a_probability_decoder_gives_the_same_pixels(vae, tmp_path):
    opened = open_model(write_pair(vae, tmp_path / "p", probabilities=True))
    z = torch.randn(5, 4)
    with torch.no_grad():
        assert torch.allclose(opened.model.pixel_means(z), vae.pixel_means(z), atol=1e-5)
        assert torch.allclose(torch.sigmoid(opened.model.decode(z)), vae.pixel_means(z), atol=1e-5)


def test_saved_as_our_checkpoint_it_reopens_with_no_folder(opened, pair, tmp_path):
    out = save_imported(opened, tmp_path / "imported.safetensors", method="pca")
    reloaded = load_checkpoint(out)
    z = torch.randn(3, 4)
    assert reloaded.model.kind == "onnx-pair" and reloaded.label == "my exported VAE"
    assert torch.equal(reloaded.model.decode(z), opened.model.decode(z))
    assert np.array_equal(reloaded.preview.means, opened.preview.means)
    assert reloaded.meta["metrics"]["elbo"] == pytest.approx(opened.meta["metrics"]["elbo"])


def test_the_cli_reads_a_folder(pair, tmp_path, capsys):
    assert main(["info", str(pair), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_config"]["kind"] == "onnx-pair"
    assert main(["export", str(pair), "--what", "samples", "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 0
    assert main(["evaluate", str(pair), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["elbo"] > 0


def test_import_saves_a_folder_as_a_checkpoint(pair, tmp_path, capsys):
    out = tmp_path / "imported.safetensors"
    assert main(["import", str(pair), "--out", str(out), "--map", "pca"]) == 0
    reloaded = load_checkpoint(out)
    assert reloaded.model.kind == "onnx-pair" and reloaded.meta["map"]["method"] == "pca"
    assert main(["import", str(out), "--out", str(tmp_path / "again.safetensors")]) == 2
    assert "is not a model folder" in capsys.readouterr().err


def test_an_imported_kind_is_not_offered_for_training():
    model = next(option for option in all_options() if option.name == "model")
    assert "onnx-pair" not in model.choices and "vae" in model.choices
