"""Homotopies between sentences (Bowman et al. 2016): the sentences decoded along the straight line between two
sentences' codes, for one model or for several side by side (the sentence models shipped beside each other)."""
from __future__ import annotations

from pathlib import Path

from explorer.data.tokenizers import same_tokenizer
from explorer.errors import ConfigError
from explorer.limits import MAX_COMPANIONS


def homotopy(explorer, a: str, b: str, steps: int = 8, method: str = "lerp") -> list[str]:
    """The sentences decoded from ``steps`` points between the posterior means of two typed sentences, ends
    included: the first is A's reconstruction, the last B's."""
    codes = explorer.encode_items([a, b])
    sentences, _ = explorer.interpolation(codes[0], codes[1], steps, method)
    return sentences


COMPANION_KINDS = ("sentence-vae", "sentence-daae", "sentence-ae")  # the order their columns take



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
