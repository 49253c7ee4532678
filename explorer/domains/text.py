"""The text domain: turns latents into sentences with a decoding strategy, and typed sentences into model input."""
from __future__ import annotations

import torch

from explorer.analysis.decoding import DecodeConfig, decode_ids
from explorer.data.text import Tokenizer, Vocab, detokenize
from explorer.errors import DataError
from explorer.models.base import LatentModel


class TextDomain:
    name = "text"

    def __init__(self, dataset_info: dict):
        self.vocab = Vocab.from_list(dataset_info["vocab"])
        self.tokenizer = Tokenizer(**dataset_info.get("tokenizer", {}))
        self.max_len = int(dataset_info["max_len"])

    def render(self, model: LatentModel, z: torch.Tensor, cond=None, decode: DecodeConfig | None = None,
               **_options) -> list[str]:
        return [detokenize(self.vocab.decode(ids)) for ids in decode_ids(model, z, decode)]

    def item_text(self, ids, length: int) -> str:
        return detokenize(self.vocab.decode(list(ids)[: int(length)]))

    def encode_sentences(self, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokenise and index typed sentences (unknown words become <unk>; longer ones are cut at max_len)."""
        rows = []
        for sentence in sentences:
            tokens = self.tokenizer.tokenize(sentence)
            if not tokens:
                raise DataError(f"cannot encode {sentence!r}: it has no words")
            rows.append(self.vocab.encode(tokens[: self.max_len]))
        x = torch.full((len(rows), max(len(r) for r in rows)), self.vocab.pad_id, dtype=torch.long)
        for i, row in enumerate(rows):
            x[i, : len(row)] = torch.tensor(row)
        return x, torch.tensor([len(r) for r in rows], dtype=torch.long)

    def unknown_words(self, sentence: str) -> list[str]:
        """Words of a typed sentence the vocabulary does not know (they are read as <unk>)."""
        return [t for t in self.tokenizer.tokenize(sentence) if t not in self.vocab.index]
