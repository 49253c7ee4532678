"""How a sentence becomes token ids and back: byte-level BPE subwords (Hugging Face ``tokenizers``), learned from a
corpus's training split, or the word-level tokenizer of the sentence-VAE papers.

A byte-level BPE vocabulary starts from the 256 byte symbols, so every string a user types encodes without <unk>
and decodes back to exactly the text that was typed, casing, punctuation and spaces included. A checkpoint stores
the pieces (its vocabulary, specials first) and the merges as plain lists; a tokenizer is rebuilt from them only
after they pass ``check_bpe``, so a received file can describe a tokenizer but never configure anything else.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from explorer.data.tokens import BOS, EOS, PAD, SPECIALS, UNK

TOKENIZER_KINDS = ("bpe", "word")
DEFAULT_TOKENIZER = "bpe"
DEFAULT_VOCAB_SIZE = 4000
MIN_VOCAB_SIZE = len(SPECIALS) + 256  # the byte alphabet
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(len(SPECIALS))
_WORDS = re.compile(r"<unk>|[\w]+(?:['’][\w]+)*|[^\w\s]")


def words(text: str) -> list[str]:
    """The words of a text as the papers count them (punctuation marks are words): the unit of per-word
    perplexity, whichever tokenizer a model reads with."""
    return _WORDS.findall(text)


class TextTokenizer(Protocol):
    kind: str
    tokens: list[str]  # the vocabulary: id -> token, specials first

    def encode(self, text: str) -> list[int]: ...
    def decode(self, ids) -> str: ...
    def unknown(self, text: str) -> list[str]: ...
    def describe(self) -> dict: ...


def printable_text(text: str) -> str:
    """``text`` without control characters (a sampled byte sequence can spell one; a line must stay a line)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def _real_ids(ids) -> list[int]:
    """Ids up to the first <eos>, without <pad> and <bos>."""
    out = []
    for i in ids:
        i = int(i)
        if i == EOS_ID:
            break
        if i not in (PAD_ID, BOS_ID):
            out.append(i)
    return out


@dataclass
class WordTokenizer:
    """Words and punctuation marks (optionally lower-cased); words outside the vocabulary read as <unk>."""

    tokens: list[str]
    lowercase: bool = True
    split_punct: bool = True
    kind: str = "word"
    never_generated: tuple[int, ...] = ()

    def __post_init__(self):
        self.index = {token: i for i, token in enumerate(self.tokens)}

    def split(self, text: str) -> list[str]:
        if self.lowercase:
            text = text.lower()
        return words(text) if self.split_punct else text.split()

    def encode(self, text: str) -> list[int]:
        return [self.index.get(token, UNK_ID) for token in self.split(text)]

    def decode(self, ids) -> str:
        return detokenize([self.tokens[i] if 0 <= i < len(self.tokens) else UNK for i in _real_ids(ids)])

    def unknown(self, text: str) -> list[str]:
        return [token for token in self.split(text) if token not in self.index]

    def describe(self) -> dict:
        return {"vocab": list(self.tokens),
                "tokenizer": {"kind": "word", "lowercase": self.lowercase, "split_punct": self.split_punct}}


def detokenize(tokens: list[str]) -> str:
    """Join word tokens for display: no space before closing punctuation or after an opening one."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?%)\]}'’]|n't|'s)", r"\1", text)
    text = re.sub(r"(\w) - (\w)", r"\1-\2", text)  # hyphenated words were split by the tokenizer
    return re.sub(r"([(\[{$]) ", r"\1", text)


def byte_alphabet() -> list[str]:
    from tokenizers import pre_tokenizers

    return sorted(pre_tokenizers.ByteLevel.alphabet())


def check_bpe(pieces: list[str], merges: list[list[str]]) -> str | None:
    """What is wrong with a byte-level BPE description, or None: the specials first, every byte symbol present,
    pieces unique and made of byte symbols, each merge joining two pieces into a third, no piece unreachable."""
    if list(pieces[:len(SPECIALS)]) != list(SPECIALS):
        return f"the vocabulary must start with {', '.join(SPECIALS)}"
    alphabet = set(byte_alphabet())
    known = set(pieces)
    if len(known) != len(pieces):
        return "the vocabulary lists a piece twice"
    missing = alphabet - known
    if missing:
        return f"the vocabulary lacks {len(missing)} of the 256 byte symbols a byte-level BPE needs"
    for piece in pieces[len(SPECIALS):]:
        if not set(piece) <= alphabet:
            return f"piece {piece[:40]!r} is not made of byte symbols"
    made = set(alphabet)
    for number, merge in enumerate(merges):
        if len(merge) != 2 or merge[0] not in known or merge[1] not in known or merge[0] + merge[1] not in known:
            return f"merge {number} does not join two pieces of the vocabulary into a third"
        made.add(merge[0] + merge[1])
    unreachable = known - made - set(SPECIALS)
    if unreachable:
        return f"{len(unreachable)} pieces (e.g. {sorted(unreachable)[0][:40]!r}) are made by no merge"
    return None


class BpeTokenizer:
    """Byte-level BPE: text -> bytes -> merged pieces; decoding joins the pieces' bytes back into the text."""

    kind = "bpe"

    def __init__(self, pieces: list[str], merges: list[list[str]]):
        from tokenizers import Tokenizer, decoders, models, pre_tokenizers

        problem = check_bpe(pieces, merges)
        if problem is not None:
            raise ValueError(problem)
        self.tokens, self.merges = list(pieces), [list(merge) for merge in merges]
        model = models.BPE(vocab={piece: i for i, piece in enumerate(self.tokens)},
                           merges=[tuple(merge) for merge in self.merges], unk_token=None)
        self._tokenizer = Tokenizer(model)
        self._tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        self._tokenizer.decoder = decoders.ByteLevel()
        # Pieces that spell a control byte (typed text never has one: whitespace is normalised) are never
        # generated.
        self.never_generated = tuple(
            i for i in range(len(SPECIALS), len(self.tokens))
            if any(unicodedata.category(ch) == "Cc" for ch in self._tokenizer.decode([i])))

    @classmethod
    def train(cls, sentences: list[str], vocab_size: int = DEFAULT_VOCAB_SIZE) -> BpeTokenizer:
        from tokenizers import Tokenizer, models, pre_tokenizers, trainers

        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        trainer = trainers.BpeTrainer(vocab_size=max(vocab_size, MIN_VOCAB_SIZE), special_tokens=list(SPECIALS),
                                      initial_alphabet=byte_alphabet(), show_progress=False)
        tokenizer.train_from_iterator(sentences, trainer)
        state = tokenizer.to_str()
        import json

        model = json.loads(state)["model"]
        pieces = [piece for piece, _ in sorted(model["vocab"].items(), key=lambda item: item[1])]
        merges = [merge.split(" ") if isinstance(merge, str) else list(merge) for merge in model["merges"]]
        return cls(pieces, merges)

    def encode(self, text: str) -> list[int]:
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids) -> str:
        return printable_text(self._tokenizer.decode(_real_ids(ids), skip_special_tokens=True)).strip()

    def unknown(self, text: str) -> list[str]:
        return []

    def describe(self) -> dict:
        return {"vocab": list(self.tokens), "merges": [list(merge) for merge in self.merges],
                "tokenizer": {"kind": "bpe"}}


def same_tokenizer(a: dict, b: dict) -> bool:
    """Whether two checkpoints' dataset records read text the same way (same pieces and, for BPE, same merges)."""
    return (list(a.get("vocab") or ()) == list(b.get("vocab") or ())
            and list(a.get("merges") or ()) == list(b.get("merges") or ()))


def tokenizer_for(dataset_info: dict) -> TextTokenizer:
    """The tokenizer a dataset description (``Dataset.describe()`` or a checkpoint's validated metadata) names."""
    options = dict(dataset_info.get("tokenizer") or {})
    if options.pop("kind", "word") == "bpe":
        return BpeTokenizer(dataset_info["vocab"], dataset_info.get("merges") or [])
    return WordTokenizer(list(dataset_info["vocab"]), **options)


def dataset_tokenizer(dataset) -> TextTokenizer | None:
    """The tokenizer a loaded text dataset was read with; None for other data."""
    return tokenizer_for(dataset.describe()) if dataset.domain == "text" else None


__all__ = ["BOS", "EOS", "PAD", "UNK", "SPECIALS", "TOKENIZER_KINDS", "BpeTokenizer", "WordTokenizer",
           "tokenizer_for", "dataset_tokenizer", "same_tokenizer", "words", "detokenize"]
