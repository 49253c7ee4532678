from pathlib import Path

import pytest

from explorer.data import text
from explorer.data.registry import load_dataset
from explorer.errors import DataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = f"text:{FIXTURES / 'tiny_corpus.txt'}"


def test_tiny_corpus_loads_with_padding_and_lengths():
    dataset = load_dataset(TINY, max_len=12, min_count=1)
    assert dataset.domain == "text" and len(dataset.train) + len(dataset.test) == 60
    vocab = text.Vocab.from_list(dataset.extra["vocab"])
    row, length = dataset.train.x[0], int(dataset.train.lengths[0])
    assert (row[length:] == vocab.pad_id).all() and (row[:length] != vocab.pad_id).all()
    assert dataset.class_names == [] and (dataset.train.y == -1).all()


def test_vocab_round_trip_and_specials():
    vocab = text.Vocab.build([["the", "cat", "the"], ["a", "cat"]], min_count=2)
    assert vocab.to_list() == ["<pad>", "<unk>", "<bos>", "<eos>", "cat", "the"]
    ids = vocab.encode(["the", "dog", "cat"])
    assert ids == [5, 1, 4] and vocab.decode(ids + [vocab.eos_id, 4]) == ["the", "<unk>", "cat"]
    assert text.Vocab.from_list(vocab.to_list()).index == vocab.index
    assert len(text.Vocab.build([["a", "b", "c"]], min_count=1, max_size=6)) == 6


@pytest.mark.parametrize("tokens,message", [(["<pad>", "<unk>", "<bos>"], "must start with"),
                                            (["<pad>", "<unk>", "<bos>", "<eos>", "a", "a"], "'a' twice"),
                                            ("not a list", "must be a list")])
def test_damaged_vocabularies_are_refused(tokens, message):
    with pytest.raises(ValueError, match=message):
        text.Vocab.from_list(tokens)


def test_tokenizer_options_and_detokenize():
    assert text.Tokenizer().tokenize("The cat's hat, gone!") == ["the", "cat's", "hat", ",", "gone", "!"]
    assert text.Tokenizer(lowercase=False, split_punct=False).tokenize("The cat, <unk> .") == ["The", "cat,", "<unk>", "."]
    assert text.Tokenizer().tokenize("a <unk> word") == ["a", "<unk>", "word"]  # Penn Treebank files keep <unk>
    assert text.detokenize(["hello", ",", "world", "!"]) == "hello, world!"
    assert text.detokenize(text.Tokenizer().tokenize("an ad-hoc basis")) == "an ad-hoc basis"


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
