"""A small Transformer encoder and decoder for sentence models, with the latent injected as Optimus does
(Li et al. 2020): as *memory*, z projected to one extra key/value position that every decoder layer's
self-attention sees, and/or as an *embedding*, z projected and added to every input embedding.

Both are pre-LayerNorm stacks with learned positions. The decoder's state while generating is the embedded prefix;
each step re-runs the prefix (sentences are short, so a key/value cache would buy little).
"""
from __future__ import annotations

import torch
from torch import nn

from explorer.models.text import pool_states


class Block(nn.Module):
    """Pre-LN self-attention and feed-forward; the attention may also see one memory position per sequence."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Dropout(dropout),
                                nn.Linear(4 * width, width))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, mask=None, padding=None, memory=None):
        h = self.norm1(x)
        keys = h if memory is None else torch.cat([memory, h], dim=1)
        x = x + self.drop(self.attn(h, keys, keys, attn_mask=mask, key_padding_mask=padding, need_weights=False)[0])
        return x + self.drop(self.ff(self.norm2(x)))


class _Stack(nn.Module):
    def __init__(self, c: dict):
        super().__init__()
        self.width, self.embed_dim = c["hidden_dim"], c["embed_dim"]
        self.project = nn.Identity() if c["embed_dim"] == self.width else nn.Linear(c["embed_dim"], self.width)
        self.position = nn.Embedding(c["max_len"] + 1, self.width)
        self.blocks = nn.ModuleList(Block(self.width, c["heads"], float(c["dropout"])) for _ in range(c["num_layers"]))
        self.norm = nn.LayerNorm(self.width)

    def _embed(self, emb: torch.Tensor) -> torch.Tensor:
        return self.project(emb) + self.position(torch.arange(emb.shape[1], device=emb.device))


class TransformerEncoder(_Stack):
    """Bidirectional self-attention over the sentence, summarised by pooling (or the last real position)."""

    def __init__(self, c: dict):
        super().__init__(c)
        self.pool = c["pool"]

    def forward(self, emb: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.clamp(min=1).to(emb.device)
        padding = torch.arange(emb.shape[1], device=emb.device) >= lengths.unsqueeze(1)
        x = self._embed(emb)
        for block in self.blocks:
            x = block(x, padding=padding)
        x = self.norm(x)
        if self.pool == "last":
            return x[torch.arange(len(x), device=x.device), lengths - 1]
        return pool_states(x, lengths, self.pool)


class TransformerDecoder(_Stack):
    """Causal self-attention predicting the next word, with z as memory and/or added to the input embeddings."""

    def __init__(self, c: dict, latent_dim: int):
        super().__init__(c)
        inject = c.get("inject", "both") if latent_dim else ""
        self.layers = c["num_layers"]
        self.memory = nn.Linear(latent_dim, self.layers * self.width) if inject in ("memory", "both") else None
        self.latent_embedding = nn.Linear(latent_dim, self.width) if inject in ("embedding", "both") else None

    def forward(self, emb: torch.Tensor, z: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """States (N, T, H); position t sees the inputs up to t (padding after a sentence's end is never seen)."""
        n, t = emb.shape[:2]
        x = self._embed(emb)
        if self.latent_embedding is not None:
            x = x + self.latent_embedding(z).unsqueeze(1)
        mask = torch.ones(t, t, dtype=torch.bool, device=emb.device).triu(1)  # True: may not attend
        memory = None
        if self.memory is not None:
            memory = self.memory(z).view(n, self.layers, 1, self.width)
            mask = torch.cat([mask.new_zeros(t, 1), mask], dim=1)
        for i, block in enumerate(self.blocks):
            x = block(x, mask=mask, memory=None if memory is None else memory[:, i])
        return self.norm(x)

    def start(self, z: torch.Tensor) -> torch.Tensor:
        return z.new_zeros(z.shape[0], 0, self.embed_dim)

    def step(self, emb: torch.Tensor, prefix: torch.Tensor, z: torch.Tensor):
        prefix = torch.cat([prefix, emb], dim=1)
        return self.forward(prefix, z)[:, -1], prefix
