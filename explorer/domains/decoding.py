"""Turning latents into sentences: greedy, beam search, and sampling with temperature, top-k, nucleus (top-p) and
CTRL's repetition penalty (Keskar et al. 2019); every strategy can block repeated n-grams, and beam search ranks
finished sentences with GNMT's length penalty (Wu et al. 2016). Seeded sampling is reproducible."""
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
    no_repeat_ngram: int = default("no_repeat_ngram")  # 0: off
    length_penalty: float = default("length_penalty")  # GNMT's α; 0: summed log-probabilities
    lm_weight: float = default("lm_weight")  # beam: shallow fusion with a language model; 0: none
    path_weight: float = default("path_weight")  # beam along a path: closeness to the previous step; 0: none
    max_len: int | None = None  # default: the model's max_len
    seed: int | None = default("decode_seed")  # None: fresh entropy
    allow_unk: bool = default("allow_unk")  # <unk> only when asked: it is the most frequent token, read as noise
    banned: tuple[int, ...] = ()  # tokens never generated: a tokenizer's unprintable pieces (control bytes)

    @classmethod
    def from_values(cls, values: dict) -> DecodeConfig:
        """The config for exploring options' values (explorer.exploring), by name."""
        return cls(strategy=values["decode"], beam_width=values["beam_width"],
                   temperature=values["decode_temperature"], top_k=values["top_k"], top_p=values["top_p"],
                   repetition_penalty=values["repetition_penalty"], no_repeat_ngram=values["no_repeat_ngram"],
                   length_penalty=values["length_penalty"], lm_weight=values["lm_weight"],
                   path_weight=values["path_weight"], seed=values["decode_seed"], allow_unk=values["allow_unk"])

    def validate(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"unknown decoding {self.strategy!r}; expected one of {', '.join(STRATEGIES)}")
        if self.beam_width < 1 or self.temperature <= 0 or self.top_k < 0 or not 0 < self.top_p <= 1 \
                or self.repetition_penalty <= 0 or self.no_repeat_ngram < 0 or self.length_penalty < 0 \
                or self.lm_weight < 0 or self.path_weight < 0:
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


def block_repeated_ngrams(logits: torch.Tensor, generated: torch.Tensor, n: int) -> torch.Tensor:
    """Rule out every token that would complete an n-gram already in its row of ``generated`` (N, t): the tokens
    that followed each earlier occurrence of the row's last n - 1 tokens. ``n`` 0 blocks nothing."""
    t = generated.shape[1]
    if n <= 0 or t < n:
        return logits
    windows = generated.unfold(1, n, 1)  # (N, t - n + 1, n): every n-gram so far
    match = (windows[:, :, :-1] == generated[:, t - n + 1:].unsqueeze(1)).all(2)
    rows, starts = match.nonzero(as_tuple=True)
    logits = logits.clone()
    logits[rows, windows[rows, starts, -1]] = float("-inf")
    return logits


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's lp(Y) = ((5 + |Y|) / 6)^α, |Y| counting the sentence's end: a finished sentence's score is its
    log-probability divided by it."""
    return ((5 + length) / 6) ** alpha


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


def fuses(config: DecodeConfig) -> bool:
    """Whether a decode re-ranks beam candidates with a language model."""
    return config.strategy == "beam" and config.lm_weight > 0


def chains(config: DecodeConfig) -> bool:
    """Whether a path's steps are picked among their beam candidates to stay close to each other."""
    return config.strategy == "beam" and config.path_weight > 0


@torch.no_grad()
def decode_ids(model, z: torch.Tensor, config: DecodeConfig | None = None, lm=None) -> list[list[int]]:
    """Token ids (without <bos>/<eos>) for each latent row of z (N, D). ``lm`` (an
    explorer.domains.language_model.LanguageModelScorer) re-ranks beam candidates when ``lm_weight`` asks."""
    config = config or DecodeConfig()
    config.validate()
    model.eval()
    z = z.to(model.device)
    if config.strategy == "beam":
        return [candidates(model, z[i:i + 1], config, lm)[0].ids for i in range(z.shape[0])]
    return _left_to_right(model, z, config)


@torch.no_grad()
def candidates(model, z: torch.Tensor, config: DecodeConfig, lm=None) -> list[Hypothesis]:
    """Beam search's finished sentences for one latent (1, D), best first: by GNMT score, or with ``lm_weight``
    by (log p + weight x log p_LM) / lp (shallow fusion, Gulcehre et al. 2015)."""
    hypotheses = beam_hypotheses(model, z, config)
    if not fuses(config):
        return hypotheses
    if lm is None:
        raise ConfigError("a language-model weight re-ranks beam search with a language model: give one (--lm FILE, "
                          "or a language model of the same tokenizer beside the checkpoint), or set the weight to 0")
    lm_log_probs = lm.log_probs([h.ids for h in hypotheses]).tolist()
    fused = [Hypothesis(h.ids, h.log_prob, (h.log_prob + config.lm_weight * lm_lp)
                        / length_penalty(len(h.ids) + 1, config.length_penalty))
             for h, lm_lp in zip(hypotheses, lm_log_probs)]
    return sorted(fused, key=lambda h: h.score, reverse=True)


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
        logits = block_repeated_ngrams(logits, generated, config.no_repeat_ngram)
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


@dataclass
class Hypothesis:
    """A finished beam-search sentence: its token ids, summed log-probability and GNMT score."""

    ids: list[int]
    log_prob: float
    score: float


@torch.no_grad()
def beam_hypotheses(model, z, config: DecodeConfig) -> list[Hypothesis]:
    """Beam search for one latent (1, D): the finished sentences, best first. Hypotheses grow by their summed
    log-probability; finished ones are ranked by it divided by the length penalty (α 0: the sum itself, so width 1
    is exactly greedy). The search stops once ``width`` sentences are finished and none still growing can beat the
    best of them, whatever its length."""
    c = model.config
    max_len = config.max_len or model.max_len
    width, alpha = config.beam_width, config.length_penalty
    state = model.init_state(z)
    beams = torch.full((1, 0), 0, dtype=torch.long, device=model.device)
    scores = torch.zeros(1, device=model.device)
    last = torch.full((1,), c["bos_id"], dtype=torch.long, device=model.device)
    done: list[Hypothesis] = []
    for t in range(max_len + 1):
        k = beams.shape[0]
        logits, state = model.step(last, state, z.expand(k, -1))
        # Scored by the model's own probabilities; banned tokens are then ruled out.
        log_probs = torch.log_softmax(penalise_repeats(logits, beams, config.repetition_penalty), dim=1)
        log_probs = block_repeated_ngrams(forbid_specials(log_probs, c, config), beams, config.no_repeat_ngram)
        total = (scores.unsqueeze(1) + log_probs).flatten()
        top_scores, flat = torch.topk(total, min(width, total.numel()))
        origin, token = flat // logits.shape[1], flat % logits.shape[1]
        keep_origin, keep_token, keep_score = [], [], []
        for s, o, tok in zip(top_scores.tolist(), origin.tolist(), token.tolist()):
            if s == float("-inf"):
                continue
            if tok == c["eos_id"] or t == max_len:
                ids = beams[o].tolist() + ([] if tok == c["eos_id"] else [tok])
                done.append(Hypothesis(ids, s, s / length_penalty(len(ids) + 1, alpha)))
            else:
                keep_origin.append(o), keep_token.append(tok), keep_score.append(s)
        if not keep_origin or (len(done) >= width and max(h.score for h in done)
                               >= max(keep_score) / length_penalty(max_len + 2, alpha)):
            break
        index = torch.tensor(keep_origin, device=model.device)
        beams = torch.cat([beams[index], torch.tensor(keep_token, device=model.device).unsqueeze(1)], dim=1)
        scores = torch.tensor(keep_score, device=model.device)
        last = beams[:, -1]
        state = model.select_state(state, index)
    if not done:
        done = [Hypothesis(beams[0].tolist(), float(scores[0]), float(scores[0]))]
    done.sort(key=lambda h: h.score, reverse=True)
    return [Hypothesis([i for i in h.ids if i != c["pad_id"]], h.log_prob, h.score) for h in done]
