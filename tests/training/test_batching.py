"""Length-bucketed batches: the same epoch contents, batches of similar lengths, the plain permutation otherwise."""
import torch

from explorer.training.batching import epoch_order


def spread(order: torch.Tensor, lengths: torch.Tensor, batch_size: int) -> float:
    """The mean, over batches, of the longest sentence minus the shortest."""
    return float(torch.stack([lengths[b].max() - lengths[b].min() for b in order.split(batch_size)]).float().mean())


def test_buckets_keep_the_epoch_and_gather_similar_lengths():
    lengths = torch.randint(1, 40, (1003,), generator=torch.Generator().manual_seed(0))
    order = epoch_order(1003, 16, torch.Generator().manual_seed(1), lengths)
    assert torch.equal(order.sort().values, torch.arange(1003))  # every item once
    assert len(order.split(16)[-1]) == 1003 % 16  # the short batch stays last
    plain = epoch_order(1003, 16, torch.Generator().manual_seed(1))
    assert spread(order, lengths, 16) < 0.25 * spread(plain, lengths, 16)
    assert torch.equal(order, epoch_order(1003, 16, torch.Generator().manual_seed(1), lengths))
    assert not torch.equal(order, epoch_order(1003, 16, torch.Generator().manual_seed(2), lengths))


def test_without_lengths_the_order_is_the_seeded_permutation():
    assert torch.equal(epoch_order(50, 8, torch.Generator().manual_seed(3)),
                       torch.randperm(50, generator=torch.Generator().manual_seed(3)))
    assert torch.equal(epoch_order(5, 8, torch.Generator().manual_seed(3), torch.arange(5)),
                       torch.randperm(5, generator=torch.Generator().manual_seed(3)))
