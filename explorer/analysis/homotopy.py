"""Homotopies between sentences (Bowman et al. 2016): the sentences decoded along the straight line between two
sentences' codes, for one model or for a VAE and an autoencoder side by side, and how fluent the sentences halfway
are, scored by a language model."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from explorer.data.base import Split
from explorer.domains.decoding import DecodeConfig, decode_ids
from explorer.errors import ConfigError
from explorer.limits import MAX_COMPANIONS
from explorer.models.base import Batch, LatentModel


def homotopy(explorer, a: str, b: str, steps: int = 8, method: str = "lerp") -> list[str]:
    """The sentences decoded from ``steps`` points between the posterior means of two typed sentences, ends
    included: the first is A's reconstruction, the last B's."""
    codes = explorer.encode_items([a, b])
    sentences, _ = explorer.interpolation(codes[0], codes[1], steps, method)
    return sentences


COMPANION_KINDS = ("sentence-vae", "sentence-daae", "sentence-ae")  # the order their columns take



def same_tokenizer(a: dict, b: dict) -> bool:
    """Whether two checkpoints' dataset records read text the same way (same pieces and, for BPE, same merges)."""
    return (list(a.get("vocab") or ()) == list(b.get("vocab") or ())
            and list(a.get("merges") or ()) == list(b.get("merges") or ()))


def homotopies(explorers: dict, a: str, b: str, steps: int = 8, method: str = "lerp") -> dict[str, list[str]]:
    """The same two sentences' homotopy in each model, e.g. {"VAE": [...], "AE": [...]}. The models must read
    text the same way, so that all start from the same input."""
    records = [e.checkpoint.dataset for e in explorers.values()]
    if not all(same_tokenizer(records[0], other) for other in records[1:]):
        raise ConfigError(f"{' and '.join(explorers)} were trained on different vocabularies; a homotopy side by "
                          "side needs models of the same corpus")
    return {name: homotopy(e, a, b, steps, method) for name, e in explorers.items()}


def end_marks(sentences: list[str]) -> list[str]:
    """Each row's mark in a homotopy: "A" where it is A's reconstruction (the first row), "B" where it is B's (the
    last), else its step number."""
    return ["A" if s == sentences[0] else "B" if s == sentences[-1] else str(i + 1) for i, s in enumerate(sentences)]


def companion_models(path, dataset: dict) -> list[Path]:
    """The other sentence models with a latent code that read text as the checkpoint ``path`` does, in its folder
    (the shipped VAE, denoising AE and AE beside each other), VAE first, then the denoising AE, then the AE; at most
    MAX_COMPANIONS. Only the files' headers are read."""
    from explorer.errors import CheckpointError
    from explorer.io.checkpoint import read_metadata

    found = []
    for candidate in sorted(Path(path).parent.glob("*.safetensors")):
        if candidate.resolve() == Path(path).resolve():
            continue
        try:
            meta = read_metadata(candidate)
        except CheckpointError:
            continue
        kind = meta["model_config"].get("kind")
        if kind in COMPANION_KINDS and same_tokenizer(meta.get("dataset", {}), dataset):
            found.append((COMPANION_KINDS.index(kind), candidate))
    return [candidate for _, candidate in sorted(found)[:MAX_COMPANIONS]]


def open_companion(path, dataset: dict):
    """The explorer of a sentence model checkpoint, refused unless it has a latent code and reads text as
    ``dataset`` says."""
    from explorer.analysis.explore import ModelExplorer
    from explorer.io.checkpoint import load_checkpoint

    explorer = ModelExplorer(load_checkpoint(path))
    if (explorer.domain_name != "text" or not explorer.latent_dim
            or not same_tokenizer(explorer.checkpoint.dataset, dataset)):
        raise ConfigError(f"{Path(path).name} is not a sentence model of this corpus: a homotopy side by side needs "
                          "the same vocabulary")
    return explorer


@dataclass
class MidpointFluency:
    nll_per_token: float  # mean over the midpoints' tokens and ends, in nats, under the language model
    pairs: int
    same_as_an_end: float  # fraction of midpoints equal to A's or B's reconstruction


@torch.no_grad()
def midpoint_fluency(model: LatentModel, lm: LatentModel, split: Split, pairs: int = 200, seed: int = 0,
                     decode: DecodeConfig | None = None) -> MidpointFluency:
    """Decode the midpoint between the posterior means of ``pairs`` random pairs of sentences of ``split`` and score
    the decoded sentences with the language model ``lm`` (per token, <eos> included)."""
    if lm.latent_dim or lm.config.get("vocab_size") != model.config.get("vocab_size"):
        raise ConfigError("midpoint fluency needs a language model (no latent) over the same vocabulary")
    model.eval(), lm.eval()
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(split), generator=generator)[: 2 * pairs]
    part = split.subset(order)
    means = model.encode(part.x[:, : int(part.lengths.max())].to(model.device), None,
                         part.lengths.to(model.device)).mean
    a, b = means[0::2], means[1::2]
    decode = decode or DecodeConfig("greedy")
    middle = decode_ids(model, (a + b) / 2, decode)
    ends = decode_ids(model, torch.cat([a, b]), decode)
    same = np.mean([m == ends[i] or m == ends[len(a) + i] for i, m in enumerate(middle)])
    lengths = torch.tensor([len(ids) for ids in middle])  # an empty sentence is scored by its <eos> alone
    x = torch.zeros(len(middle), max(1, int(lengths.max())), dtype=torch.long)
    for i, ids in enumerate(middle):
        x[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
    nll = -lm.log_likelihood(Batch(x, None, lengths).to(lm.device), torch.zeros(len(x), 0, device=lm.device))
    return MidpointFluency(float(nll.sum()) / float((lengths + 1).sum()), len(middle), float(same))
