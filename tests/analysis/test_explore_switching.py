"""Models of one dataset share their preview items, so a selection can follow the user from one to the other."""
import numpy as np

from explorer.analysis.explore import ModelExplorer
from explorer.io.checkpoint import Checkpoint, Preview
from tests.conftest import tiny_model


def explorer_of(inputs, latent_dim=4, lengths=None):
    n = len(inputs)
    preview = Preview(inputs=inputs, labels=np.zeros(n, np.int64), means=np.zeros((n, latent_dim), np.float32),
                      logvars=np.zeros((n, latent_dim), np.float32), projection=np.zeros((n, 2), np.float32),
                      lengths=lengths)
    meta = {"dataset": {"id": "digits", "domain": "image", "shape": [1, 8, 8]}}
    return ModelExplorer(Checkpoint(model=tiny_model(latent_dim=latent_dim), meta=meta, preview=preview))


def test_same_items_whatever_the_latent_size():
    items = np.random.default_rng(0).integers(0, 256, (20, 8, 8), dtype=np.uint8)
    assert explorer_of(items, 4).same_items(explorer_of(items.copy(), 7))


def test_other_items_or_order_or_none_are_not_the_same():
    items = np.random.default_rng(0).integers(0, 256, (20, 8, 8), dtype=np.uint8)
    one = explorer_of(items)
    assert not one.same_items(explorer_of(items[::-1].copy()))
    assert not one.same_items(explorer_of(items[:10].copy()))
    assert not one.same_items(None)
