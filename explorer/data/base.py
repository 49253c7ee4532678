"""The in-memory dataset every loader returns: a train and a test split as tensors, plus what the app needs to
show and rebuild it (id, domain, item shape, class names, ground-truth factors, and for text the vocabulary)."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch


def as_pixels(x: torch.Tensor) -> torch.Tensor:
    """Float32 pixels in [0, 1] from a split's storage: large image sets are kept compact, as uint8 (0-255) or
    float16, and turned into float pixels a batch at a time."""
    if x.dtype == torch.uint8:
        return x.float().div_(255.0)
    if x.dtype == torch.float16:
        return x.float()
    return x


@dataclass(frozen=True)
class FactorTable:
    """Ground-truth factors of variation: each factor's name, its values in index order and, for a categorical
    factor, its category names. An item's factors are indices into ``values``."""

    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    categories: tuple[tuple[str, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(values) for values in self.values)

    def describe(self) -> list[dict]:
        return [{"name": name, "values": list(values), **({"categories": list(names)} if names else {})}
                for name, values, names in zip(self.names, self.values, self.categories)]


@dataclass
class Split:
    """``x``: pixels (N, C, H, W) in [0, 1] — float32, or compact uint8/float16 storage read through ``as_pixels``
    — or int64 token ids (N, T) padded; ``y``: int64 labels (N,) (-1 where unlabelled); ``lengths``: int64 token
    counts (N,) for text, else None; ``factors``: int64 factor indices (N, F) where the data has ground truth;
    ``texts``: each sentence as the corpus has it."""

    x: torch.Tensor
    y: torch.Tensor
    lengths: torch.Tensor | None = None
    factors: torch.Tensor | None = None
    texts: list[str] | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def subset(self, index: torch.Tensor | slice) -> Split:
        pick = lambda t: None if t is None else t[index]  # noqa: E731
        texts = None
        if self.texts is not None:
            texts = self.texts[index] if isinstance(index, slice) else [self.texts[i] for i in index.tolist()]
        return Split(self.x[index], self.y[index], pick(self.lengths), pick(self.factors), texts)


@dataclass
class Dataset:
    id: str
    domain: str  # "image" or "text"
    train: Split
    test: Split
    class_names: list[str]
    shape: tuple[int, ...]  # item shape: (C, H, W) for images, (max_len,) for text
    extra: dict = field(default_factory=dict)  # JSON-serialisable: e.g. {"vocab": [...]} for text
    factors: FactorTable | None = None

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
            **({"factors": self.factors.describe()} if self.factors is not None else {}),
            **self.extra,
        }


def seeded_split(n: int, test_fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed permutation split into (train_index, test_index), the same for the same n and seed."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = max(1, int(round(n * test_fraction)))
    return order[n_test:], order[:n_test]
