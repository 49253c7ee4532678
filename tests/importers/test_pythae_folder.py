"""pythae model folders: a VAE (and an AE) trained for one epoch by pythae itself opens here as our own model, and
its encodes and decodes equal pythae's to 1e-5."""
import pytest
import torch

pythae = pytest.importorskip("pythae")

from explorer.cli import main  # noqa: E402
from explorer.data.registry import IMAGE_SHAPES, dataset_of_shape  # noqa: E402
from explorer.importers.opening import open_model  # noqa: E402
from explorer.io.checkpoint import load_checkpoint  # noqa: E402


def train_with_pythae(model_class, config_class, out, digits, **settings):
    """One epoch of pythae's own training pipeline on the digits; the folder it saves."""
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    torch.manual_seed(0)
    model = model_class(config_class(input_dim=(1, 8, 8), latent_dim=3, **settings))
    training = BaseTrainerConfig(output_dir=str(out), num_epochs=1, learning_rate=1e-3, no_cuda=True,
                                 per_device_train_batch_size=64, per_device_eval_batch_size=64)
    TrainingPipeline(training_config=training, model=model)(train_data=digits.train.x.numpy(),
                                                             eval_data=digits.test.x.numpy())
    (folder,) = out.glob("*/final_model")
    return model.eval(), folder


@pytest.fixture(scope="module")
def pythae_vae(digits, tmp_path_factory):
    from pythae.models import VAE, VAEConfig

    return train_with_pythae(VAE, VAEConfig, tmp_path_factory.mktemp("pythae"), digits, reconstruction_loss="bce")


def test_a_pythae_vae_decodes_and_encodes_as_pythae_does(pythae_vae, digits):
    theirs, folder = pythae_vae
    opened = open_model(folder)
    assert opened.model.kind == "vae" and opened.dataset["id"] == "digits" and opened.label.startswith("pythae VAE")
    x, z = digits.test.x[:50], torch.randn(20, 3)
    with torch.no_grad():
        assert torch.allclose(opened.model.pixel_means(z), theirs.decoder(z)["reconstruction"], atol=1e-5)
        encoded = theirs.encoder(x)
        ours = opened.model.encode(x)
        assert torch.allclose(ours.mean, encoded["embedding"], atol=1e-5)
        assert torch.allclose(ours.logvar, encoded["log_covariance"], atol=1e-5)
        reconstruction = opened.model.pixel_means(ours.mean)
        assert torch.allclose(reconstruction, theirs.decoder(encoded["embedding"])["reconstruction"], atol=1e-5)


def test_it_saves_as_an_ordinary_checkpoint(pythae_vae, tmp_path):
    _, folder = pythae_vae
    opened = open_model(folder / "model_config.json")
    assert main(["import", str(folder), "--out", str(tmp_path / "vae.safetensors"), "--map", "pca"]) == 0
    reloaded = load_checkpoint(tmp_path / "vae.safetensors")
    z = torch.randn(4, 3)
    with torch.no_grad():
        assert torch.equal(reloaded.model.decode(z), opened.model.decode(z))


def test_a_pythae_autoencoder_opens_as_our_ae(digits, tmp_path):
    from pythae.models import AE, AEConfig

    theirs, folder = train_with_pythae(AE, AEConfig, tmp_path, digits)
    opened = open_model(folder)
    z = torch.randn(5, 3)
    with torch.no_grad():
        assert opened.model.kind == "ae" and not opened.model.has_kl
        assert torch.allclose(opened.model.pixel_means(z), theirs.decoder(z)["reconstruction"], atol=1e-5)
        assert torch.allclose(opened.model.encode(digits.test.x[:9]).mean,
                              theirs.encoder(digits.test.x[:9])["embedding"], atol=1e-5)


def test_a_model_without_a_dataset_is_previewed_on_the_first_of_its_shape(digits):
    assert dataset_of_shape((1, 8, 8)) == "digits" and dataset_of_shape((1, 28, 28)) == "mnist-5k"
    assert IMAGE_SHAPES["digits"] == tuple(digits.shape) and dataset_of_shape((1, 9, 9)) is None
