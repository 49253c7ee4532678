"""Does a sentence come back? Each held-out sentence is encoded, its posterior mean decoded greedily, and the decode
compared with the sentence as the model read it (<unk> included, so <unk> may be generated): corpus BLEU-4 by
sacrebleu, token accuracy and the fraction of exact reconstructions."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.analysis.decoding import DecodeConfig, decode_ids
from explorer.data.base import Split
from explorer.models.base import LatentModel


@dataclass
class ReconstructionScores:
    bleu: float  # corpus BLEU-4, 0-100
    token_accuracy: float  # 0-1
    exact: float  # 0-1
    sentences: int

    def as_metrics(self) -> dict:
        return {"recon_bleu": self.bleu, "recon_token_accuracy": self.token_accuracy, "recon_exact": self.exact,
                "recon_sentences": self.sentences}


def corpus_bleu(hypotheses: list[list], references: list[list]) -> float:
    """Corpus BLEU-4 (sacrebleu's defaults: exponential smoothing, brevity penalty) of already tokenised
    sentences; tokens may be words or ids."""
    import sacrebleu

    def join(sentences):
        return [" ".join(map(str, tokens)) for tokens in sentences]

    return float(sacrebleu.corpus_bleu(join(hypotheses), [join(references)], tokenize="none").score)


def sentence_bleu(hypothesis: list, reference: list) -> float:
    """BLEU-4 of one sentence (sacrebleu's sentence_bleu: effective n-gram order, so a short exact copy scores 100)."""
    import sacrebleu

    return float(sacrebleu.sentence_bleu(" ".join(map(str, hypothesis)), [" ".join(map(str, reference))],
                                         tokenize="none").score)


def token_accuracy(hypotheses: list[list], references: list[list]) -> float:
    """The fraction of reference positions, each sentence's tokens and its end, that the hypothesis matches at the
    same position (a decode that stops early or runs on misses the end)."""
    hits = total = 0
    for hyp, ref in zip(hypotheses, references):
        hyp, ref = list(hyp) + [None], list(ref) + [None]  # None marks the end of the sentence
        hits += sum(h == r for h, r in zip(hyp, ref))
        total += len(ref)
    return hits / max(1, total)


def score(hypotheses: list[list], references: list[list]) -> ReconstructionScores:
    exact = sum(list(h) == list(r) for h, r in zip(hypotheses, references)) / max(1, len(references))
    return ReconstructionScores(corpus_bleu(hypotheses, references), token_accuracy(hypotheses, references), exact,
                                len(references))


@torch.no_grad()
def reconstruct_ids(model: LatentModel, split: Split, decode: DecodeConfig | None = None,
                    batch_size: int = 500) -> list[list[int]]:
    """Decodes (greedy with <unk> allowed, unless told otherwise) of the posterior means of every sentence."""
    model.eval()
    decode = decode or DecodeConfig("greedy", allow_unk=True)
    out: list[list[int]] = []
    for start in range(0, len(split), batch_size):
        part = split.subset(slice(start, start + batch_size))
        x = part.x[:, : int(part.lengths.max())].to(model.device)
        mean = model.encode(x, None, part.lengths.to(model.device)).mean
        out += decode_ids(model, mean, decode)
    return out


@dataclass
class TypedReconstruction:
    text: str  # the reconstruction as the window shows it (the current decoding settings)
    bleu: float  # against the sentence as the model read it (unknown words as <unk>), 0-100
    token_accuracy: float
    exact: bool


def typed_reconstruction(explorer, sentence: str, mean=None) -> TypedReconstruction:
    """Encode a typed sentence (unless its posterior ``mean`` is given), decode the mean with the explorer's
    decoding settings and score the decode against the tokens the model read."""
    from explorer.data.text import detokenize

    domain = explorer.domain
    x, _ = domain.encode_sentences([sentence])
    reference = x[0][x[0] != domain.vocab.pad_id].tolist()
    mean = explorer.encode_items([sentence])[0] if mean is None else mean
    ids = decode_ids(explorer.model, torch.as_tensor(mean).reshape(1, -1),
                     explorer.decode_config or DecodeConfig())[0]
    return TypedReconstruction(detokenize(domain.vocab.decode(ids)), sentence_bleu(ids, reference),
                               token_accuracy([ids], [reference]), ids == reference)


def reconstruction_scores(model: LatentModel, split: Split, max_items: int | None = None,
                          decode: DecodeConfig | None = None) -> ReconstructionScores:
    """Scores on the first ``max_items`` sentences of ``split`` (all by default)."""
    if max_items is not None:
        split = split.subset(slice(0, max_items))
    references = [row[: int(n)].tolist() for row, n in zip(split.x, split.lengths)]
    return score(reconstruct_ids(model, split, decode), references)
