"""Turning latents into sentences: greedy, beam search, and sampling with temperature, top-k, nucleus (top-p) and
CTRL's repetition penalty (Keskar et al. 2019). Seeded sampling is reproducible."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from explorer.errors import ConfigError
from explorer.exploring import DECODE_STRATEGIES, default

STRATEGIES = DECODE_STRATEGIES


@dataclass
class DecodeConfig:
    """How a latent becomes a sentence; the defaults and bounds are the exploring catalog's."""

    strategy: str = default("decode")
    beam_width: int = default("beam_width")
    temperature: float = default("decode_temperature")
    top_k: int = default("top_k")  # 0: no top-k filter
    top_p: float = default("top_p")  # 1.0: no nucleus filter
    repetition_penalty: float = default("repetition_penalty")  # θ; 1.0: none
    max_len: int | None = None  # default: the model's max_len
    seed: int | None = default("decode_seed")  # None: fresh entropy
    allow_unk: bool = default("allow_unk")  # <unk> only when asked: it is the most frequent token, read as noise
    banned: tuple[int, ...] = ()  # tokens never generated: a tokenizer's unprintable pieces (control bytes)

    @classmethod
    def from_values(cls, values: dict) -> DecodeConfig:
        """The config for exploring options' values (explorer.exploring), by name."""
        return cls(strategy=values["decode"], beam_width=values["beam_width"],
                   temperature=values["decode_temperature"], top_k=values["top_k"], top_p=values["top_p"],
                   repetition_penalty=values["repetition_penalty"], seed=values["decode_seed"],
                   allow_unk=values["allow_unk"])

    def validate(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"unknown decoding {self.strategy!r}; expected one of {', '.join(STRATEGIES)}")
        if self.beam_width < 1 or self.temperature <= 0 or self.top_k < 0 or not 0 < self.top_p <= 1 \
                or self.repetition_penalty <= 0:
            raise ConfigError(f"invalid decoding settings: {asdict(self)}")


def forbid_specials(logits: torch.Tensor, config: dict, decode: DecodeConfig) -> torch.Tensor:
    """<pad>, <bos> and the decode's banned tokens are never generated; <unk> only when allowed."""
    banned = [config["pad_id"], config["bos_id"], *decode.banned] + ([] if decode.allow_unk else [config["unk_id"]])
    logits = logits.clone()
    logits[:, banned] = float("-inf")
    return logits


def penalise_repeats(logits: torch.Tensor, generated: torch.Tensor, theta: float) -> torch.Tensor:
    """CTRL: logits of tokens already generated are divided by θ when positive, multiplied by θ when negative."""
    if theta == 1.0 or generated.shape[1] == 0:
        return logits
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, generated, True)
    penalised = torch.where(logits > 0, logits / theta, logits * theta)
    return torch.where(seen, penalised, logits)


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Mask all but the k most likely tokens and the smallest set whose probability reaches p."""
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[1]), dim=1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=1)
        cumulative = torch.softmax(sorted_logits, dim=1).cumsum(1)
        drop = cumulative - torch.softmax(sorted_logits, dim=1) >= top_p  # keep the token that crosses p
        logits = logits.masked_fill(drop.scatter(1, order, drop), float("-inf"))
    return logits


@torch.no_grad()
def decode_ids(model, z: torch.Tensor, config: DecodeConfig | None = None) -> list[list[int]]:
    """Token ids (without <bos>/<eos>) for each latent row of z (N, D)."""
    config = config or DecodeConfig()
    config.validate()
    model.eval()
    z = z.to(model.device)
    if config.strategy == "beam":
        return [_beam(model, z[i:i + 1], config) for i in range(z.shape[0])]
    return _left_to_right(model, z, config)


def _left_to_right(model, z, config: DecodeConfig) -> list[list[int]]:
    c = model.config
    max_len = config.max_len or model.max_len
    generator = None
    if config.strategy == "sample":
        generator = torch.Generator(device=model.device)
        if config.seed is None:
            generator.seed()  # fresh entropy for this generator only; torch.seed() would reseed the global RNG
        else:
            generator.manual_seed(config.seed)
    n = z.shape[0]
    state = model.init_state(z)
    tokens = torch.full((n,), c["bos_id"], dtype=torch.long, device=model.device)
    generated = torch.zeros(n, 0, dtype=torch.long, device=model.device)
    finished = torch.zeros(n, dtype=torch.bool, device=model.device)
    for _ in range(max_len + 1):
        logits, state = model.step(tokens, state, z)
        logits = forbid_specials(logits, c, config)
        logits = penalise_repeats(logits, generated, config.repetition_penalty)
        if config.strategy == "greedy":
            tokens = logits.argmax(1)
        else:
            logits = filter_logits(logits / config.temperature, config.top_k, config.top_p)
            tokens = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=generator)[:, 0]
        tokens = tokens.masked_fill(finished, c["pad_id"])
        generated = torch.cat([generated, tokens.unsqueeze(1)], dim=1)
        finished |= tokens == c["eos_id"]
        if bool(finished.all()):
            break
    return [_until_eos(row, c["eos_id"], c["pad_id"]) for row in generated.tolist()]


def _until_eos(ids: list[int], eos: int, pad: int) -> list[int]:
    out = []
    for i in ids:
        if i == eos:
            break
        if i != pad:
            out.append(i)
    return out


def _beam(model, z, config: DecodeConfig) -> list[int]:
    """Beam search for one latent; hypotheses scored by their summed log-probability (no length normalisation,
    so width 1 is exactly greedy)."""
    c = model.config
    max_len = config.max_len or model.max_len
    width = config.beam_width
    state = model.init_state(z)
    beams = torch.full((1, 0), 0, dtype=torch.long, device=model.device)
    scores = torch.zeros(1, device=model.device)
    last = torch.full((1,), c["bos_id"], dtype=torch.long, device=model.device)
    done: list[tuple[float, list[int]]] = []
    for t in range(max_len + 1):
        k = beams.shape[0]
        logits, state = model.step(last, state, z.expand(k, -1))
        # Scored by the model's own probabilities; banned tokens are then ruled out.
        log_probs = torch.log_softmax(penalise_repeats(logits, beams, config.repetition_penalty), dim=1)
        log_probs = forbid_specials(log_probs, c, config)
        total = (scores.unsqueeze(1) + log_probs).flatten()
        top_scores, flat = torch.topk(total, min(width, total.numel()))
        origin, token = flat // logits.shape[1], flat % logits.shape[1]
        keep_origin, keep_token, keep_score = [], [], []
        for s, o, tok in zip(top_scores.tolist(), origin.tolist(), token.tolist()):
            if tok == c["eos_id"] or t == max_len:
                done.append((s, beams[o].tolist() + ([] if tok == c["eos_id"] else [tok])))
            else:
                keep_origin.append(o), keep_token.append(tok), keep_score.append(s)
        if not keep_origin or (len(done) >= width and max(s for s, _ in done) >= max(keep_score)):
            break
        index = torch.tensor(keep_origin, device=model.device)
        beams = torch.cat([beams[index], torch.tensor(keep_token, device=model.device).unsqueeze(1)], dim=1)
        scores = torch.tensor(keep_score, device=model.device)
        last = beams[:, -1]
        state = model.select_state(state, index)
    best = max(done, key=lambda item: item[0]) if done else (0.0, beams[0].tolist())
    return [i for i in best[1] if i != c["pad_id"]]
