"""The special tokens every vocabulary starts with, in this order (a module of their own so that reading a
checkpoint's metadata needs no torch)."""
PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)
