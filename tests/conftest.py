"""Shared fixtures: tiny real data (scikit-learn's 8x8 digits) and tiny models, one torch thread."""
import pytest
import torch

from explorer.data.registry import load_dataset
from explorer.models.registry import build_model, image_model_config
from explorer.training.trainer import TrainConfig, Trainer

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def digits():
    return load_dataset("digits")


def tiny_model(kind="vae", latent_dim=4, num_classes=0, **options):
    config = image_model_config(kind, [1, 8, 8], latent_dim=latent_dim, hidden=[32], num_classes=num_classes,
                                **options)
    torch.manual_seed(0)
    return build_model(config)


@pytest.fixture(scope="session")
def trained_vae(digits):
    """A tiny VAE trained for two epochs on digits: enough for everything downstream to be non-trivial."""
    model = tiny_model()
    Trainer(model, digits, TrainConfig(epochs=2, batch_size=64, device="cpu")).run()
    return model.eval()
