"""Strings from files shown to a person: escaped and cut to a bounded length, and CSV cells that a spreadsheet
will not run as formulas."""
from __future__ import annotations

import unicodedata

from explorer.limits import MAX_LABEL_CHARS

ELLIPSIS = "…"
# OWASP's advice for CSV injection: a cell starting with one of these is read as a formula by spreadsheet tools.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def printable(text, limit: int = MAX_LABEL_CHARS) -> str:
    """``text`` with control and format characters (terminal escape sequences, bidirectional overrides, NUL,
    newlines) written as escapes, cut to ``limit`` characters with an ellipsis."""
    text = str(text)
    cut = len(text) > limit
    text = text[:limit]
    shown = "".join(_escape(char) if _hidden(char) else char for char in text)
    if len(shown) > limit:
        shown, cut = shown[:limit], True
    return shown + ELLIPSIS if cut else shown


def _hidden(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def _escape(char: str) -> str:
    code = ord(char)
    if char in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def csv_text(value) -> str:
    """A text cell for a CSV file: one that would start a formula (= + - @, tab, carriage return) gets a leading
    apostrophe, so spreadsheet tools show it as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
