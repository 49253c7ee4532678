"""Sentence corpora: WordNet's example sentences and any one-sentence-per-line UTF-8 file, read with a tokenizer
learned from the training split (byte-level BPE subwords, or words; ``explorer.data.tokenizers``).

Convention: ``Split.x`` holds each sentence's token ids without <bos>/<eos>, padded with <pad> (id 0) to the
longest sentence's length; ``Split.lengths`` the number of real tokens; ``Split.texts`` the sentences as they are in
the corpus (what reconstructions are scored against). Models add <bos>/<eos> themselves.
"""
from __future__ import annotations

import io
import os
import re
from collections import Counter
from pathlib import Path

import torch

from explorer.data.base import Dataset, Split, seeded_split
from explorer.data.tokenizers import (
    DEFAULT_TOKENIZER,
    DEFAULT_VOCAB_SIZE,
    MIN_VOCAB_SIZE,
    TOKENIZER_KINDS,
    BpeTokenizer,
    TextTokenizer,
    WordTokenizer,
    words,
)
from explorer.data.tokens import SPECIALS
from explorer.errors import DataError
from explorer.files import open_regular
from explorer.limits import (
    MAX_CORPUS_BYTES,
    MAX_SEED,
    MAX_SENTENCE_CHARS,
    MAX_SEQ_LEN,
    MAX_TOKEN_CHARS,
    MAX_VOCAB,
    check_range,
)

WORDNET_FILES = {"noun": "data.noun", "verb": "data.verb", "adj": "data.adj", "adv": "data.adv"}
WORDNET_DIRS = [Path("/usr/share/wordnet"), Path.home() / "nltk_data/corpora/wordnet",
                Path("/usr/share/nltk_data/corpora/wordnet"), Path("/usr/local/share/nltk_data/corpora/wordnet"),
                Path("/usr/lib/nltk_data/corpora/wordnet")]
_EXAMPLE = re.compile(r'"([^"]+)"')


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


def word_vocabulary(sentences: list[list[str]], min_count: int = 2, max_size: int | None = None) -> list[str]:
    """The specials, then the words seen at least ``min_count`` times, most frequent first."""
    counts = Counter(token for sentence in sentences for token in sentence
                     if token not in SPECIALS and len(token) <= MAX_TOKEN_CHARS)
    ranked = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
    return list(SPECIALS) + ranked[: max(0, min(max_size or MAX_VOCAB, MAX_VOCAB) - len(SPECIALS))]


def _raw_sentences(dataset_id: str, data_dir) -> tuple[list[tuple[str, int]], list[str]]:
    if dataset_id == "wordnet-examples":
        return wordnet_examples(find_wordnet(data_dir)), list(WORDNET_FILES)
    if dataset_id.startswith("text:"):
        path = Path(dataset_id[len("text:"):]).expanduser()
        return [(text[:MAX_SENTENCE_CHARS], -1) for _, text in read_lines(path)], []
    raise DataError(f"unknown corpus {dataset_id!r}; expected wordnet-examples or text:PATH")


def load_corpus(dataset_id: str, data_dir: str | os.PathLike | None = None, max_len: int = 20, min_count: int = 2,
                max_vocab: int | None = None, lowercase: bool | None = None, split_punct: bool = True,
                test_fraction: float = 0.1, seed: int = 1234, tokenizer: str | TextTokenizer = DEFAULT_TOKENIZER,
                vocab_size: int = DEFAULT_VOCAB_SIZE) -> Dataset:
    """The corpus's sentences of at most ``max_len`` words, split, and read by ``tokenizer``: a kind to learn from
    the training split ("bpe" with ``vocab_size`` pieces, "word" with the words seen ``min_count`` times), or a
    tokenizer already learned (a checkpoint's, to evaluate it on its own corpus). ``lowercase`` (default: only for
    words) lower-cases the text first."""
    check_range("max_len", max_len, 1, MAX_SEQ_LEN, integer=True, error=DataError)
    check_range("min_count", min_count, 1, None, integer=True, error=DataError)
    if max_vocab is not None:
        check_range("max_vocab", max_vocab, len(SPECIALS), MAX_VOCAB, integer=True, error=DataError)
    check_range("vocab_size", vocab_size, MIN_VOCAB_SIZE, MAX_VOCAB, integer=True, error=DataError)
    check_range("test_fraction", test_fraction, 0.001, 0.999, error=DataError)
    check_range("seed", seed, 0, MAX_SEED, integer=True, error=DataError)
    kind = tokenizer if isinstance(tokenizer, str) else tokenizer.kind
    if kind not in TOKENIZER_KINDS:
        raise DataError(f"unknown tokenizer {kind!r}; expected one of {', '.join(TOKENIZER_KINDS)}")
    if lowercase is None:
        lowercase = getattr(tokenizer, "lowercase", kind == "word")
    raw, class_names = _raw_sentences(dataset_id, data_dir)
    seen, texts, labels, too_long = set(), [], [], 0
    for text, label in raw:
        text = " ".join(text.lower().split() if lowercase else text.split())
        counted = words(text)
        key = " ".join(counted)
        if not counted or key in seen:
            continue
        seen.add(key)
        if len(counted) > max_len:
            too_long += 1
            continue
        texts.append(text)
        labels.append(label)
    if len(texts) < 2:
        raise DataError(f"corpus {dataset_id!r} has {len(texts)} usable sentences of at most {max_len} words; "
                        "it needs at least 2")
    train_idx, test_idx = seeded_split(len(texts), test_fraction, seed)
    train_texts = [texts[i] for i in train_idx.tolist()]
    if not isinstance(tokenizer, str):
        reader = tokenizer
    elif kind == "bpe":
        reader = BpeTokenizer.train(train_texts, vocab_size)
    else:
        split = WordTokenizer(list(SPECIALS), lowercase=lowercase, split_punct=bool(split_punct)).split
        reader = WordTokenizer(word_vocabulary([split(t) for t in train_texts], min_count, max_vocab),
                               lowercase=lowercase, split_punct=bool(split_punct))
    rows = [reader.encode(text) for text in texts]
    width = max(len(row) for row in rows)
    if width > MAX_SEQ_LEN:
        raise DataError(f"corpus {dataset_id!r} has a sentence of {width} tokens, above the limit of {MAX_SEQ_LEN}")
    x = torch.zeros(len(rows), width, dtype=torch.long)
    for i, row in enumerate(rows):
        x[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    lengths = torch.tensor([len(row) for row in rows], dtype=torch.long)
    whole = Split(x, torch.tensor(labels, dtype=torch.long), lengths, texts=texts)
    extra = {**reader.describe(), "max_len": width, "max_words": max_len, "sentences": len(texts),
             "dropped_too_long": too_long, **({"min_count": min_count} if kind == "word" else {})}
    return Dataset(dataset_id, "text", whole.subset(train_idx), whole.subset(test_idx), class_names, (width,), extra)
