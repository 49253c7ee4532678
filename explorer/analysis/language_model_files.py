"""Language-model checkpoints as scorers: one opened from a file the user names (``--lm FILE``), refused unless it
is a language model, or the one shipped beside a sentence model's checkpoint."""
from __future__ import annotations

from pathlib import Path

from explorer.data.tokenizers import same_tokenizer, tokenizer_for
from explorer.domains.language_model import LanguageModelScorer
from explorer.errors import CheckpointError, ConfigError
from explorer.io.checkpoint import load_checkpoint, read_metadata


def load_language_model(path) -> LanguageModelScorer:
    """The language model in the checkpoint ``path``; refused unless it is one."""
    checkpoint = load_checkpoint(path)
    kind = checkpoint.model.config.get("kind")
    if checkpoint.dataset.get("domain") != "text" or checkpoint.model.latent_dim or kind != "lm":
        raise ConfigError(f"{Path(path).name} is a {kind} checkpoint; a language model (kind lm) was expected")
    return LanguageModelScorer(checkpoint.model.eval(), tokenizer_for(checkpoint.dataset), checkpoint.dataset,
                               Path(path).name)


def companion_language_model(path, dataset: dict) -> Path | None:
    """A language model in the folder of the checkpoint ``path`` (the shipped LM baseline beside the shipped
    models), one reading ``dataset``'s tokenizer first; None if there is none. Only the files' headers are read."""
    found = []
    for candidate in sorted(Path(path).parent.glob("*.safetensors")):
        try:
            meta = read_metadata(candidate)
        except CheckpointError:
            continue
        if meta["model_config"].get("kind") == "lm" and meta.get("dataset", {}).get("domain") == "text":
            found.append((not same_tokenizer(meta["dataset"], dataset), candidate))
    return min(found)[1] if found else None


def fusion_language_model(path, dataset: dict) -> LanguageModelScorer | None:
    """The language model beside the checkpoint ``path`` that reads ``dataset``'s tokenizer (what beam search's
    language-model weight re-ranks with in the window), or None."""
    found = companion_language_model(path, dataset)
    if found is None or not same_tokenizer(read_metadata(found).get("dataset", {}), dataset):
        return None
    return load_language_model(found)
