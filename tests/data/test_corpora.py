from pathlib import Path

import pytest
import torch

from explorer.data import text
from explorer.data.registry import load_dataset
from explorer.data.tokenizers import PAD_ID, WordTokenizer, detokenize, tokenizer_for
from explorer.errors import DataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = f"text:{FIXTURES / 'tiny_corpus.txt'}"


def test_tiny_corpus_loads_with_padding_lengths_and_texts():
    dataset = load_dataset(TINY, max_len=12, min_count=1)
    assert dataset.domain == "text" and len(dataset.train) + len(dataset.test) == 60
    row, length = dataset.train.x[0], int(dataset.train.lengths[0])
    assert (row[length:] == PAD_ID).all() and (row[:length] != PAD_ID).all()
    assert dataset.class_names == [] and (dataset.train.y == -1).all()
    reader = tokenizer_for(dataset.describe())
    assert reader.kind == "bpe" and reader.decode(row[:length].tolist()) == dataset.train.texts[0]
    assert dataset.shape == (int(torch.cat([dataset.train.lengths, dataset.test.lengths]).max()),)


def test_sentences_are_kept_by_their_number_of_words(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("one two three\nOne two three four five, six.\nthe end\n")
    dataset = load_dataset(f"text:{path}", max_len=3, test_fraction=0.5)
    assert dataset.extra["dropped_too_long"] == 1 and dataset.extra["max_words"] == 3
    assert sorted(dataset.train.texts + dataset.test.texts) == ["one two three", "the end"]


def test_word_vocabulary_round_trip_and_specials():
    tokens = text.word_vocabulary([["the", "cat", "the"], ["a", "cat"]], min_count=2)
    assert tokens == ["<pad>", "<unk>", "<bos>", "<eos>", "cat", "the"]
    reader = WordTokenizer(tokens)
    ids = reader.encode("The dog cat")
    assert ids == [5, 1, 4] and reader.decode(ids + [3, 4]) == "the <unk> cat"
    assert reader.unknown("the dog") == ["dog"]
    assert len(text.word_vocabulary([["a", "b", "c"]], min_count=1, max_size=6)) == 6


def test_word_tokenizer_options_and_detokenize():
    assert WordTokenizer([]).split("The cat's hat, gone!") == ["the", "cat's", "hat", ",", "gone", "!"]
    assert WordTokenizer([], lowercase=False, split_punct=False).split("The cat, <unk> .") == [
        "The", "cat,", "<unk>", "."]
    assert WordTokenizer([]).split("a <unk> word") == ["a", "<unk>", "word"]  # Penn Treebank files keep <unk>
    assert detokenize(["hello", ",", "world", "!"]) == "hello, world!"
    assert detokenize(WordTokenizer([]).split("an ad-hoc basis")) == "an ad-hoc basis"


def test_word_level_corpus_keeps_the_papers_vocabulary():
    dataset = load_dataset(TINY, max_len=12, min_count=1, tokenizer="word")
    info = dataset.describe()
    assert info["tokenizer"]["kind"] == "word" and "merges" not in info
    assert info["vocab"][:4] == ["<pad>", "<unk>", "<bos>", "<eos>"] and info["min_count"] == 1


@pytest.mark.parametrize("content,message", [(b"", "is empty"), (b"  \n\n", "is empty"),
                                             (b"fine line\nbad \x00 line\n", "line 2: NUL byte"),
                                             (b"ok\ncaf\xe9 latin-1\n", "line 2: not valid UTF-8")])
def test_bad_corpus_files_name_file_and_line(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as error:
        load_dataset(f"text:{path}")
    assert str(path) in str(error.value)


def test_missing_corpus_and_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(f"text:{tmp_path / 'none.txt'}")
    with pytest.raises(DataError, match="is a folder"):
        load_dataset(f"text:{tmp_path}")


def test_wordnet_examples_are_parsed_from_the_data_files():
    examples = text.wordnet_examples(FIXTURES / "wordnet_sample")
    sentences = [s for s, _ in examples]
    assert "the birth of independence" in sentences and "they performed a cappella" in sentences
    assert "I can breathe better when the air is clean" in sentences
    assert len(examples) == 7  # the licence header and quoteless glosses give none
    assert dict(examples)["able to swim"] == 2  # adjectives


def test_missing_wordnet_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "WORDNET_DIRS", [])
    with pytest.raises(DataError, match="apt-get install wordnet-base"):
        load_dataset("wordnet-examples", data_dir=tmp_path)


@pytest.mark.skipif(not Path("/usr/share/wordnet/data.noun").exists(), reason="WordNet is not installed")
def test_full_wordnet_corpus_has_tens_of_thousands_of_sentences():
    dataset = load_dataset("wordnet-examples")
    assert len(dataset.train) + len(dataset.test) > 40000
    assert dataset.class_names == ["noun", "verb", "adj", "adv"]
