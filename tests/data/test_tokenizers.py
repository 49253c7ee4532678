"""Byte-level BPE subwords: every typed sentence encodes without <unk> and comes back as typed; a received
tokenizer description is checked before it is built."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.data.tokenizers import MIN_VOCAB_SIZE, UNK_ID, BpeTokenizer, check_bpe, tokenizer_for, words

SENTENCES = ["the cat sat on the mat", "The dog ran home, fast!", "a cat and a dog", "she said: \"hello there\"",
             "it rained all day in Zürich", "the branch crashed down on my car"] * 5


@pytest.fixture(scope="module")
def bpe():
    return BpeTokenizer.train(SENTENCES, vocab_size=MIN_VOCAB_SIZE + 60)


def test_learned_pieces_start_with_the_specials_and_bytes(bpe):
    assert bpe.tokens[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert MIN_VOCAB_SIZE < len(bpe.tokens) <= MIN_VOCAB_SIZE + 60
    assert len(bpe.encode("the cat sat on the mat")) < len("the cat sat on the mat")  # merges were learned


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip() == t and "  " not in t and t.isprintable()))
def test_any_text_comes_back_exactly_and_never_as_unk(bpe, text):
    ids = bpe.encode(text)
    assert UNK_ID not in ids
    assert bpe.decode(ids) == text


def test_decode_stops_at_the_end_and_skips_padding(bpe):
    ids = bpe.encode("a cat")
    assert bpe.decode([2] + ids + [3] + bpe.encode("dog") + [0]) == "a cat"
    assert bpe.unknown("zebras juggle") == []


def test_a_description_rebuilds_the_same_tokenizer(bpe):
    info = bpe.describe()
    again = tokenizer_for(info)
    assert again.encode("The dog ran to Zürich.") == bpe.encode("The dog ran to Zürich.")


@pytest.mark.parametrize("damage,message", [
    (lambda p, m: (p[1:], m), "must start with"),
    (lambda p, m: (p[:10] + p[20:], m), "byte symbols"),
    (lambda p, m: (p + [p[-1]], m), "twice"),
    (lambda p, m: (p + ["\n"], m), "not made of byte symbols"),
    (lambda p, m: (p, m + [["Ġ", "nowhere"]]), "merge"),
    (lambda p, m: (p + ["ĠĠĠĠ"], m), "made by no merge"),
])
def test_damaged_descriptions_are_refused(bpe, damage, message):
    pieces, merges = damage(list(bpe.tokens), [list(m) for m in bpe.merges])
    assert message in check_bpe(pieces, merges)
    with pytest.raises(ValueError, match=message):
        BpeTokenizer(pieces, merges)


def test_words_count_punctuation_as_words():
    assert words("The cat's hat, gone!") == ["The", "cat's", "hat", ",", "gone", "!"]
