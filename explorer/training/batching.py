"""The order in which an epoch visits the training items: one seeded permutation, cut into consecutive batches.
Sentences are batched by length (Khomenko et al. 2016; fairseq's and torchtext's buckets): the permutation is cut
into chunks of BUCKET_BATCHES batches, each chunk sorted by sentence length and cut into batches, and the full
batches shuffled. An epoch holds the same items, each once; a batch holds sentences of similar lengths, so little of
it is padding."""
from __future__ import annotations

import torch

BUCKET_BATCHES = 50  # batches per chunk sorted by length: wide enough to bucket, narrow enough to stay random


def epoch_order(n: int, batch_size: int, generator: torch.Generator,
                lengths: torch.Tensor | None = None) -> torch.Tensor:
    """The indices of ``n`` items in the order of one epoch, its batches the consecutive slices of ``batch_size``
    (the last one, when shorter, stays last). ``lengths`` (n,) buckets the batches by length; without them the
    order is the plain permutation."""
    perm = torch.randperm(n, generator=generator)
    if lengths is None or n <= batch_size:
        return perm
    lengths = lengths.cpu()
    chunks = [chunk[torch.argsort(lengths[chunk], stable=True)] for chunk in perm.split(batch_size * BUCKET_BATCHES)]
    batches = torch.cat(chunks).split(batch_size)
    full, tail = (batches, ()) if len(batches[-1]) == batch_size else (batches[:-1], batches[-1:])
    shuffled = [full[i] for i in torch.randperm(len(full), generator=generator).tolist()]
    return torch.cat(shuffled + list(tail))
