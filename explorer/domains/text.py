"""The text domain: turns latents into sentences with a decoding strategy, and typed sentences into model input,
through the tokenizer the model was trained with (plain text in, plain text out)."""
from __future__ import annotations

from dataclasses import replace

import torch

from explorer.data.tokenizers import PAD_ID, tokenizer_for
from explorer.domains.decoding import DecodeConfig, candidates, chains, decode_ids
from explorer.domains.path_choice import closest_path
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

    def decode_ids(self, model: LatentModel, z: torch.Tensor, decode: DecodeConfig | None = None,
                   lm=None) -> list[list[int]]:
        """Token ids decoded from latents, never a token this tokenizer could not show; ``lm`` (a
        LanguageModelScorer of this tokenizer) re-ranks beam search when the decode's ``lm_weight`` asks."""
        return decode_ids(model, z, for_tokenizer(decode, self.tokenizer), lm)

    def render(self, model: LatentModel, z: torch.Tensor, cond=None, decode: DecodeConfig | None = None,
               lm=None, **_options) -> list[str]:
        return [self.tokenizer.decode(ids) for ids in self.decode_ids(model, z, decode, lm)]

    @torch.no_grad()
    def render_path(self, model: LatentModel, z: torch.Tensor, decode: DecodeConfig | None = None,
                    lm=None) -> list[str]:
        """The sentences along a path of latents (N, D): as ``render`` does, or, for beam search with a
        ``path_weight``, each step's pick among its beam's sentences that keeps it close to the step before."""
        config = for_tokenizer(decode, self.tokenizer)
        if not chains(config):
            return self.render(model, z, decode=decode, lm=lm)
        config.validate()
        model.eval()
        z = z.to(model.device)
        options = [[(self.tokenizer.decode(h.ids), h.score) for h in candidates(model, z[i:i + 1], config, lm)]
                   for i in range(z.shape[0])]
        return [options[i][pick][0] for i, pick in enumerate(closest_path(options, config.path_weight))]

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
