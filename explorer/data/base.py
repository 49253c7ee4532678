"""The in-memory dataset every loader returns: a train and a test split as tensors, plus what the app needs to
show and rebuild it (id, domain, item shape, class names, and for text the vocabulary)."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Split:
    """``x``: float32 pixels (N, C, H, W) in [0, 1], or int64 token ids (N, T) padded; ``y``: int64 labels (N,)
    (-1 where unlabelled); ``lengths``: int64 token counts (N,) for text, else None."""

    x: torch.Tensor
    y: torch.Tensor
    lengths: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, index: torch.Tensor | slice) -> "Split":
        return Split(self.x[index], self.y[index], None if self.lengths is None else self.lengths[index])


@dataclass
class Dataset:
    id: str
    domain: str  # "image" or "text"
    train: Split
    test: Split
    class_names: list[str]
    shape: tuple[int, ...]  # item shape: (C, H, W) for images, (max_len,) for text
    extra: dict = field(default_factory=dict)  # JSON-serialisable: e.g. {"vocab": [...]} for text

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> dict:
        """What a checkpoint records about the data it was trained on."""
        return {
            "id": self.id,
            "domain": self.domain,
            "shape": list(self.shape),
            "class_names": list(self.class_names),
            "train_size": len(self.train),
            "test_size": len(self.test),
            **self.extra,
        }


def seeded_split(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed permutation split into (train_index, test_index), the same for the same n and seed."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = max(1, int(round(n * test_fraction)))
    return order[n_test:], order[:n_test]
