"""The interpolation scorecard: how the paths between held-out sentences read, decoded as the Interpolation tab
decodes them (the explorer's decoding settings, its steps and path). Over N random pairs of held-out sentences:

- fluency: the per-word NLL of the inner steps under a language model, beside the held-out sentences' own;
- smoothness: the word edit distance between neighbouring steps, on average and at each path's largest jump;
- endpoint fidelity: whether A and B come back at the ends (corpus BLEU-4 and exact copies);
- copies: the fraction of inner steps that are the same text as one of the path's ends;
- well-formedness: the fraction of steps that repeat no word 3-gram.

Words are ``explorer.data.tokenizers.words`` (punctuation marks are words), whichever tokenizer the model reads.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from explorer.analysis.reconstruction import score
from explorer.data.tokenizers import words
from explorer.domains.path_choice import word_edit_distance
from explorer.errors import ConfigError
from explorer.exploring import default
from explorer.limits import MAX_SCORECARD_PAIRS, SCORECARD_PAIRS, check_range

PAIRS_PER_CHUNK = 10  # pairs decoded between two progress reports


@dataclass
class Scorecard:
    pairs: int
    steps: int
    smoothness: float  # mean word edit distance between neighbouring steps
    largest_jump: float  # each path's largest such distance, averaged over the paths
    end_bleu: float  # corpus BLEU-4 of the ends against A and B, 0-100
    end_exact: float  # fraction of ends that are A or B exactly, 0-1
    copies: float  # fraction of inner steps that are the text of an end, 0-1
    well_formed: float  # fraction of steps without a repeated word 3-gram, 0-1
    fluency: float | None = None  # per-word NLL of the inner steps under the language model, nats
    heldout_fluency: float | None = None  # per-word NLL of the held-out sentences themselves, nats

    def as_metrics(self) -> dict:
        """The figures under the keys of ``explorer.metric_catalog.SCORECARD_METRICS``."""
        return {f"interp_{name}": value for name, value in asdict(self).items()}


def repeats_a_3gram(text: str) -> bool:
    """Whether a text holds some word 3-gram twice."""
    w = words(text)
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return len(grams) != len(set(grams))


def copies(paths: list[list[str]]) -> float:
    """The fraction of inner steps that are the same text as their path's first or last step."""
    inner = [(step, path[0], path[-1]) for path in paths for step in path[1:-1]]
    return sum(step in (a, b) for step, a, b in inner) / max(1, len(inner))


def score_paths(paths: list[list[str]], ends: list[tuple[str, str]], lm=None) -> Scorecard:
    """The scorecard of decoded ``paths`` (each from A's decode to B's) between the sentences ``ends`` (A, B);
    ``lm`` (an explorer.domains.language_model.LanguageModelScorer) adds the fluency figures."""
    if not paths or any(len(path) < 2 for path in paths) or len(paths) != len(ends):
        raise ConfigError("the interpolation scorecard needs one path of at least 2 steps per pair of sentences")
    jumps = [[word_edit_distance(s, t) for s, t in zip(path, path[1:])] for path in paths]
    ends_back = score([text for path in paths for text in (path[0], path[-1])], [s for pair in ends for s in pair])
    steps = [text for path in paths for text in path]
    card = Scorecard(len(paths), len(paths[0]), float(np.mean([j for path in jumps for j in path])),
                     float(np.mean([max(path) for path in jumps])), ends_back.bleu, ends_back.exact, copies(paths),
                     1.0 - sum(map(repeats_a_3gram, steps)) / len(steps))
    if lm is not None:
        inner = [text for path in paths for text in path[1:-1]]
        card.fluency = lm.nll_per_word(inner) if inner else None
        card.heldout_fluency = lm.nll_per_word([s for pair in ends for s in pair])
    return card


def held_out_pairs(count: int, pairs: int, seed: int = 0) -> list[tuple[int, int]]:
    """``pairs`` pairs of distinct sentence indices of ``count``, no index used twice (fewer when there are not
    2 x pairs sentences), drawn with ``seed``."""
    check_range("the scorecard's pairs", pairs, 1, MAX_SCORECARD_PAIRS, integer=True)
    if count < 2:
        raise ConfigError(f"the interpolation scorecard needs at least 2 held-out sentences, got {count}")
    order = np.random.default_rng(seed).permutation(count)[: 2 * pairs]
    return [(int(order[i]), int(order[i + 1])) for i in range(0, len(order) - 1, 2)]


def interpolation_scorecard(explorer, sentences: list[str], pairs: int = SCORECARD_PAIRS, lm=None,
                            steps: int = default("interpolation_steps"),
                            method: str = default("interpolation_method"), seed: int = 0,
                            on_progress: Callable[[int, int], None] | None = None) -> Scorecard:
    """The scorecard of a sentence model's explorer over ``pairs`` random pairs of the held-out ``sentences``:
    each pair's sentences encoded, the path between their codes decoded with the explorer's settings.
    ``on_progress(pairs done, pairs)`` is called after every few pairs (it may raise to stop)."""
    if explorer.domain_name != "text":
        raise ConfigError("the interpolation scorecard is for sentence models")
    chosen = held_out_pairs(len(sentences), pairs, seed)
    ends = [(sentences[a], sentences[b]) for a, b in chosen]
    paths: list[list[str]] = []
    for start in range(0, len(ends), PAIRS_PER_CHUNK):
        part = ends[start:start + PAIRS_PER_CHUNK]
        codes = explorer.encode_items([s for pair in part for s in pair])
        paths += [list(explorer.decode_path(explorer.interpolation_path(codes[2 * i], codes[2 * i + 1], steps,
                                                                        method)))
                  for i in range(len(part))]
        if on_progress is not None:
            on_progress(len(paths), len(ends))
    return score_paths(paths, ends, lm)
