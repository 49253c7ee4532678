"""Sentence corpora: WordNet's example sentences and any one-sentence-per-line UTF-8 file, with the tokenizer and
the vocabulary built from the training split.

Convention: ``Split.x`` holds each sentence's token ids without <bos>/<eos>, padded with <pad> (id 0) to
``max_len``; ``Split.lengths`` the number of real tokens. Models add <bos>/<eos> themselves.
"""
from __future__ import annotations

import io
import os
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from explorer.data.base import Dataset, Split, seeded_split
from explorer.data.tokens import BOS, EOS, PAD, SPECIALS, UNK  # noqa: F401 - also imported from here
from explorer.errors import DataError
from explorer.io.files import open_regular
from explorer.limits import MAX_CORPUS_BYTES, MAX_SEED, MAX_SEQ_LEN, MAX_TOKEN_CHARS, MAX_VOCAB, check_range

WORDNET_FILES = {"noun": "data.noun", "verb": "data.verb", "adj": "data.adj", "adv": "data.adv"}
WORDNET_DIRS = [Path("/usr/share/wordnet"), Path.home() / "nltk_data/corpora/wordnet",
                Path("/usr/share/nltk_data/corpora/wordnet"), Path("/usr/local/share/nltk_data/corpora/wordnet"),
                Path("/usr/lib/nltk_data/corpora/wordnet")]
_EXAMPLE = re.compile(r'"([^"]+)"')


@dataclass
class Tokenizer:
    lowercase: bool = True
    split_punct: bool = True

    _WORDS = re.compile(r"<unk>|[\w]+(?:['’][\w]+)*|[^\w\s]")

    def tokenize(self, sentence: str) -> list[str]:
        if self.lowercase:
            sentence = sentence.lower()
        return self._WORDS.findall(sentence) if self.split_punct else sentence.split()

    def options(self) -> dict:
        return asdict(self)


class Vocab:
    """Token <-> id. Ids 0..3 are <pad>, <unk>, <bos>, <eos>."""

    def __init__(self, tokens: list[str]):
        if list(tokens[: len(SPECIALS)]) != list(SPECIALS):
            raise ValueError(f"a vocabulary must start with {', '.join(SPECIALS)}")
        if len(set(tokens)) != len(tokens):
            duplicate = next(t for t, n in Counter(tokens).items() if n > 1)
            raise ValueError(f"the vocabulary lists {duplicate!r} twice")
        if not all(isinstance(token, str) and token for token in tokens):
            raise ValueError("every vocabulary entry must be a non-empty string")
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = range(4)

    @classmethod
    def build(cls, sentences: list[list[str]], min_count: int = 2, max_size: int | None = None) -> "Vocab":
        counts = Counter(token for sentence in sentences for token in sentence
                         if token not in SPECIALS and len(token) <= MAX_TOKEN_CHARS)
        ranked = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        ranked = ranked[: max(0, min(max_size or MAX_VOCAB, MAX_VOCAB) - len(SPECIALS))]
        return cls(list(SPECIALS) + ranked)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(token, self.unk_id) for token in tokens]

    def decode(self, ids) -> list[str]:
        """Tokens up to the first <eos>, skipping <pad> and <bos>."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i not in (self.pad_id, self.bos_id):
                out.append(self.tokens[i] if 0 <= i < len(self.tokens) else UNK)
        return out

    def to_list(self) -> list[str]:
        return list(self.tokens)

    @classmethod
    def from_list(cls, tokens) -> "Vocab":
        if not isinstance(tokens, list):
            raise ValueError("the vocabulary must be a list of strings")
        return cls(tokens)


def detokenize(tokens: list[str]) -> str:
    """Join tokens for display: no space before closing punctuation or after an opening one."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,;:!?%)\]}'’]|n't|'s)", r"\1", text)
    text = re.sub(r"(\w) - (\w)", r"\1-\2", text)  # hyphenated words were split by the tokenizer
    return re.sub(r"([(\[{$]) ", r"\1", text)


def read_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) for each non-blank line of a UTF-8 text file; a clear error for anything else (a
    folder, a FIFO, a device, a file above MAX_CORPUS_BYTES, binary data)."""
    lines = []
    with open_regular(path, "corpus file", MAX_CORPUS_BYTES) as handle:
        for number, raw in enumerate(handle, start=1):
            if b"\x00" in raw:
                raise DataError(f"{path} line {number}: NUL byte; this looks like a binary file, not text")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"{path} line {number}: not valid UTF-8 (byte {exc.start + 1}); "
                                "save the file as UTF-8") from exc
            if text.strip():
                lines.append((number, text.strip()))
    if not lines:
        raise DataError(f"{path} is empty: expected one sentence per line")
    return lines


def wordnet_examples(folder: Path) -> list[tuple[str, int]]:
    """(sentence, part-of-speech label) for each quoted example in WordNet's data files."""
    examples = []
    for label, name in enumerate(WORDNET_FILES.values()):
        with open_regular(folder / name, "WordNet file", MAX_CORPUS_BYTES) as raw:
            for line in io.TextIOWrapper(raw, encoding="utf-8", errors="replace"):
                if line.startswith("  ") or " | " not in line:  # the licence header, or a synset without gloss
                    continue
                gloss = line.split(" | ", 1)[1]
                examples += [(text.strip(), label) for text in _EXAMPLE.findall(gloss) if text.strip()]
    return examples


def find_wordnet(data_dir) -> Path:
    candidates = ([Path(data_dir), Path(data_dir) / "wordnet"] if data_dir else []) + WORDNET_DIRS
    for folder in candidates:
        if all((folder / name).is_file() for name in WORDNET_FILES.values()):
            return folder
    where = f" in {data_dir}" if data_dir else ""
    raise DataError(f"WordNet's data files (data.noun, data.verb, data.adj, data.adv) were not found{where}. "
                    "On Debian/Ubuntu: apt-get install wordnet-base; or pass --data-dir FOLDER holding them "
                    "(an NLTK 'wordnet' corpus folder works)")


def load_corpus(dataset_id: str, data_dir: str | os.PathLike | None = None, max_len: int = 20, min_count: int = 2,
                max_vocab: int | None = None, lowercase: bool = True, split_punct: bool = True,
                test_fraction: float = 0.1, seed: int = 1234) -> Dataset:
    check_range("max_len", max_len, 1, MAX_SEQ_LEN, integer=True, error=DataError)
    check_range("min_count", min_count, 1, None, integer=True, error=DataError)
    if max_vocab is not None:
        check_range("max_vocab", max_vocab, len(SPECIALS), MAX_VOCAB, integer=True, error=DataError)
    check_range("test_fraction", test_fraction, 0.001, 0.999, error=DataError)
    check_range("seed", seed, 0, MAX_SEED, integer=True, error=DataError)
    tokenizer = Tokenizer(lowercase=bool(lowercase), split_punct=bool(split_punct))
    if dataset_id == "wordnet-examples":
        raw = wordnet_examples(find_wordnet(data_dir))
        class_names = list(WORDNET_FILES)
    elif dataset_id.startswith("text:"):
        path = Path(dataset_id[len("text:"):]).expanduser()
        raw = [(text, -1) for _, text in read_lines(path)]
        class_names = []
    else:
        raise DataError(f"unknown corpus {dataset_id!r}; expected wordnet-examples or text:PATH")
    seen, sentences, labels, too_long = set(), [], [], 0
    for text, label in raw:
        tokens = tokenizer.tokenize(text)
        key = " ".join(tokens)
        if not tokens or key in seen:
            continue
        seen.add(key)
        if len(tokens) > max_len:
            too_long += 1
            continue
        sentences.append(tokens)
        labels.append(label)
    if len(sentences) < 2:
        raise DataError(f"corpus {dataset_id!r} has {len(sentences)} usable sentences of at most {max_len} tokens; "
                        "it needs at least 2")
    train_idx, test_idx = seeded_split(len(sentences), test_fraction, seed)
    vocab = Vocab.build([sentences[i] for i in train_idx.tolist()], min_count=min_count, max_size=max_vocab)
    x = torch.zeros(len(sentences), max_len, dtype=torch.long)
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    for row, tokens in enumerate(sentences):
        x[row, : len(tokens)] = torch.tensor(vocab.encode(tokens), dtype=torch.long)
    whole = Split(x, torch.tensor(labels, dtype=torch.long), lengths)
    extra = {"vocab": vocab.to_list(), "tokenizer": tokenizer.options(), "max_len": max_len,
             "sentences": len(sentences), "dropped_too_long": too_long, "min_count": min_count}
    return Dataset(dataset_id, "text", whole.subset(train_idx), whole.subset(test_idx), class_names, (max_len,), extra)
