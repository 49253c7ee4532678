"""A tiny dataset with ground-truth factors, every combination once (as dSprites), drawn at 8x8: a 3x3 block of
one of three brightnesses at one of 6 x 6 positions (108 items); its colour twin tints each item as colour dSprites
does."""
import numpy as np
import pytest
import torch

from explorer.analysis import disentanglement
from explorer.data import factors
from explorer.data.base import Dataset, FactorTable, Split, seeded_split

BRIGHTNESS = (0.4, 0.7, 1.0)
POSITIONS = 6
TOY_FACTORS = FactorTable(names=("brightness", "pos_x", "pos_y"),
                          values=(BRIGHTNESS, tuple(float(p) for p in range(POSITIONS)),
                                  tuple(float(p) for p in range(POSITIONS))),
                          categories=(("dim", "mid", "bright"), (), ()))


def toy_factor_dataset(dataset_id: str = "toy-factors", data_dir=None) -> Dataset:
    classes = np.stack(np.unravel_index(np.arange(np.prod(TOY_FACTORS.sizes)), TOY_FACTORS.sizes), axis=1)
    x = torch.zeros(len(classes), 1, 8, 8)
    for row, (b, px, py) in enumerate(classes):
        x[row, 0, py:py + 3, px:px + 3] = BRIGHTNESS[b]
    factors = torch.from_numpy(classes).long()
    whole = Split(x, factors[:, 0].clone(), factors=factors)
    train, test = seeded_split(len(classes), 0.2, 0)
    return Dataset(dataset_id, "image", whole.subset(train), whole.subset(test), list(TOY_FACTORS.categories[0]),
                   (1, 8, 8), factors=TOY_FACTORS)


def toy_colour_dataset(dataset_id: str = "toy-colour-factors", data_dir=None) -> Dataset:
    """The toy factor dataset in RGB, each item tinted by ``factors.with_colour`` (uint8 (N, 3, 8, 8))."""
    grey = toy_factor_dataset(dataset_id)
    tint = lambda split: Split(factors.with_colour(split.x, 0), split.y, factors=split.factors)  # noqa: E731
    return Dataset(dataset_id, "image", tint(grey.train), tint(grey.test), grey.class_names, (3, 8, 8),
                   factors=TOY_FACTORS)


def train_on_toy_factors(out, epochs=15, colour=False):
    """A VAE on ``dsprites-32`` (``dsprites-32-color`` with ``colour``) served by the toy factor dataset (or its
    colour twin), with a small disentanglement budget."""
    from explorer.training.run import RunSpec, TrainingRun
    from tests.analysis.test_disentanglement import SMALL

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factors, "load_dsprites", toy_colour_dataset if colour else toy_factor_dataset)
        patch.setitem(disentanglement.BUDGETS, "app", SMALL)
        spec = RunSpec.create(model="vae", dataset="dsprites-32-color" if colour else "dsprites-32", latent_dim=4,
                              hidden=[64], epochs=epochs, batch_size=16, device="cpu", out=str(out))
        TrainingRun(spec).execute()
    return str(out)
