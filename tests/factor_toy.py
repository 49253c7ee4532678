"""A tiny dataset with ground-truth factors, every combination once (as dSprites), drawn at 8x8: a 3x3 block of
one of three brightnesses at one of 6 x 6 positions (108 items)."""
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


def train_on_toy_factors(out, epochs=15):
    """A VAE on ``dsprites-32`` served by the toy factor dataset, with a small disentanglement budget."""
    from explorer.training.run import RunSpec, TrainingRun
    from tests.analysis.test_disentanglement import SMALL

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factors, "load_dsprites", toy_factor_dataset)
        patch.setitem(disentanglement.BUDGETS, "app", SMALL)
        spec = RunSpec.create(model="vae", dataset="dsprites-32", latent_dim=4, hidden=[64], epochs=epochs,
                              batch_size=16, device="cpu", out=str(out))
        TrainingRun(spec).execute()
    return str(out)
