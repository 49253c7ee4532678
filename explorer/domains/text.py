"""The text domain: turns latents into sentences with a decoding strategy, and typed sentences into model input,
through the tokenizer the model was trained with (plain text in, plain text out)."""
from __future__ import annotations

from dataclasses import replace

import torch

from explorer.data.tokenizers import PAD_ID, tokenizer_for
from explorer.domains.decoding import DecodeConfig, decode_ids
from explorer.errors import DataError
from explorer.models.base import LatentModel


def for_tokenizer(decode: DecodeConfig | None, tokenizer) -> DecodeConfig:
    """``decode`` (the defaults if None) with the tokenizer's unprintable pieces banned."""
    return replace(decode or DecodeConfig(), banned=tuple(tokenizer.never_generated))


class TextDomain:
    name = "text"

    def __init__(self, dataset_info: dict):
        self.tokenizer = tokenizer_for(dataset_info)
        self.max_len = int(dataset_info["max_len"])

    def decode_ids(self, model: LatentModel, z: torch.Tensor, decode: DecodeConfig | None = None) -> list[list[int]]:
        """Token ids decoded from latents, never a token this tokenizer could not show."""
        return decode_ids(model, z, for_tokenizer(decode, self.tokenizer))

    def render(self, model: LatentModel, z: torch.Tensor, cond=None, decode: DecodeConfig | None = None,
               **_options) -> list[str]:
        return [self.tokenizer.decode(ids) for ids in self.decode_ids(model, z, decode)]

    def text_of(self, ids) -> str:
        return self.tokenizer.decode(ids)

    def item_text(self, ids, length: int) -> str:
        return self.tokenizer.decode(list(ids)[: int(length)])

    def encode_sentences(self, sentences: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids of typed sentences, cut at max_len tokens (a word tokenizer reads unknown words as <unk>)."""
        rows = []
        for sentence in sentences:
            ids = self.tokenizer.encode(sentence) if sentence.strip() else []
            if not ids:
                raise DataError(f"cannot encode {sentence!r}: it has no words")
            rows.append(ids[: self.max_len])
        x = torch.full((len(rows), max(len(r) for r in rows)), PAD_ID, dtype=torch.long)
        for i, row in enumerate(rows):
            x[i, : len(row)] = torch.tensor(row)
        return x, torch.tensor([len(r) for r in rows], dtype=torch.long)

    def unknown_words(self, sentence: str) -> list[str]:
        """Words of a typed sentence the tokenizer cannot spell (they are read as <unk>; none for subwords)."""
        return self.tokenizer.unknown(sentence)
