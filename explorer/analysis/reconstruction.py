"""Does a sentence come back? Each held-out sentence is encoded, its posterior mean decoded, and the decoded text,
as the window shows it, compared with the sentence as the corpus has it: corpus BLEU-4 by sacrebleu with its
standard tokenization (13a, case-sensitive), the accuracy of the words at their positions, and the share of exact
copies. A word the model cannot spell gets no credit: the reference is the raw text, never the model's tokens."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch

from explorer.data.base import Split
from explorer.domains.decoding import DecodeConfig, decode_ids
from explorer.domains.text import for_tokenizer
from explorer.models.base import LatentModel


@dataclass
class ReconstructionScores:
    bleu: float  # corpus BLEU-4, 0-100
    token_accuracy: float  # 0-1
    exact: float  # 0-1
    sentences: int

    def as_metrics(self, prefix: str = "recon") -> dict:
        return {f"{prefix}_bleu": self.bleu, f"{prefix}_token_accuracy": self.token_accuracy,
                f"{prefix}_exact": self.exact, f"{prefix}_sentences": self.sentences}


def _words(text: str) -> list[str]:
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return Tokenizer13a()(text.strip()).split()


def corpus_bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU-4 of plain-text sentences (sacrebleu's defaults: 13a tokenization, exponential smoothing)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references]).score)


def sentence_bleu(hypothesis: str, reference: str) -> float:
    """BLEU-4 of one plain-text sentence (sacrebleu's sentence_bleu: effective n-gram order, so a short exact copy
    scores 100)."""
    import sacrebleu

    return float(sacrebleu.sentence_bleu(hypothesis, [reference]).score)


def token_accuracy(hypotheses: list[str], references: list[str]) -> float:
    """The fraction of reference positions, each sentence's words and its end, that the hypothesis matches at the
    same position (a decode that stops early or runs on misses the end)."""
    hits = total = 0
    for hypothesis, reference in zip(hypotheses, references):
        hyp, ref = _words(hypothesis) + [None], _words(reference) + [None]  # None marks the end of the sentence
        hits += sum(h == r for h, r in zip(hyp, ref))
        total += len(ref)
    return hits / max(1, total)


def score(hypotheses: list[str], references: list[str]) -> ReconstructionScores:
    exact = sum(_words(h) == _words(r) for h, r in zip(hypotheses, references)) / max(1, len(references))
    return ReconstructionScores(corpus_bleu(hypotheses, references), token_accuracy(hypotheses, references), exact,
                                len(references))


@torch.no_grad()
def reconstruct_texts(model: LatentModel, split: Split, tokenizer, decode: DecodeConfig | None = None,
                      batch_size: int = 500) -> list[str]:
    """The decoded text of every sentence's posterior mean, with ``decode`` (the window's defaults if None)."""
    model.eval()
    decode = decode or DecodeConfig()
    out: list[str] = []
    for start in range(0, len(split), batch_size):
        part = split.subset(slice(start, start + batch_size))
        x = part.x[:, : int(part.lengths.max())].to(model.device)
        mean = model.encode(x, None, part.lengths.to(model.device)).mean
        out += [tokenizer.decode(ids) for ids in decode_ids(model, mean, for_tokenizer(decode, tokenizer))]
    return out


def reference_texts(split: Split, tokenizer) -> list[str]:
    """The sentences as the corpus has them; a split without them (a checkpoint's preview set) is read back from
    its tokens."""
    if split.texts is not None:
        return list(split.texts)
    return [tokenizer.decode(row[: int(n)].tolist()) for row, n in zip(split.x, split.lengths)]


@dataclass
class TypedReconstruction:
    text: str  # the reconstruction as the window shows it (the current decoding settings)
    bleu: float  # against the typed sentence, 0-100
    token_accuracy: float
    exact: bool


def typed_reconstruction(explorer, sentence: str, mean=None) -> TypedReconstruction:
    """Encode a typed sentence (unless its posterior ``mean`` is given), decode the mean with the explorer's
    decoding settings and score the text against what was typed."""
    domain = explorer.domain
    mean = explorer.encode_items([sentence])[0] if mean is None else mean
    ids = domain.decode_ids(explorer.model, torch.as_tensor(mean).reshape(1, -1), explorer.decode_config)[0]
    text = domain.text_of(ids)
    return TypedReconstruction(text, sentence_bleu(text, sentence), token_accuracy([text], [sentence]),
                               _words(text) == _words(sentence))


def reconstruction_scores(model: LatentModel, split: Split, tokenizer, max_items: int | None = None,
                          decode: DecodeConfig | None = None) -> dict:
    """``recon_*`` with ``decode`` (the window's defaults if None) and ``greedy_*`` with greedy decoding, on the
    first ``max_items`` sentences of ``split`` (all by default)."""
    if max_items is not None:
        split = split.subset(slice(0, max_items))
    references = reference_texts(split, tokenizer)
    decode = decode or DecodeConfig()
    shown = score(reconstruct_texts(model, split, tokenizer, decode), references)
    greedy_config = replace(DecodeConfig(), strategy="greedy", allow_unk=decode.allow_unk)
    greedy = shown if asdict(greedy_config) == asdict(decode) else score(
        reconstruct_texts(model, split, tokenizer, greedy_config), references)
    return {**shown.as_metrics("recon"), **greedy.as_metrics("greedy")}
