"""Strings from a received checkpoint reach a terminal escaped and a spreadsheet as text."""
import csv

from explorer.cli import main
from explorer.files import read_json
from explorer.io import export
from explorer.io.display import csv_text, printable
from tests.security.conftest import rewrite_meta

ESCAPE = "\x1b]0;pwned\x07\x1b[2J"


def test_info_prints_escape_sequences_escaped(vae_file, tmp_path, capsys):
    def change(meta):
        meta["label"] = f"VAE{ESCAPE}\u202egnp.exe"
        meta["dataset"]["id"] = f"digits{ESCAPE}"

    hostile = rewrite_meta(vae_file, tmp_path / "hostile.safetensors", change)
    assert main(["info", str(hostile)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "VAE\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp.exe" in out
    assert main(["info", str(hostile), "--json"]) == 0
    assert "\x1b" not in capsys.readouterr().out


def test_csv_exports_neutralise_formulas(tmp_path):
    names = ["=HYPERLINK(\"http://x\",\"click\")", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "plain", "-"]
    path = export.save_latents(tmp_path / "latents.csv", [[0.5, -1.25]] * len(names), list(range(len(names))),
                               class_names=names)
    rows = list(csv.reader(path.open(newline="")))
    assert [row[2] for row in rows[1:]] == ["'" + name for name in names[:6]] + ["plain", "'-"]
    assert rows[1][3:] == ["0.5", "-1.25"]  # numbers stay numbers
    history = [{"epoch": 1, "step": 3, "=cmd|' /C calc'!A0": 1.0}]
    rows = list(csv.reader(export.save_history_csv(tmp_path / "h.csv", history).open(newline="")))
    assert rows[0] == ["epoch", "step", "'=cmd|' /C calc'!A0"] and rows[1] == ["1", "3", "1.0"]
    rows = list(csv.reader(export.save_sentences(tmp_path / "s.csv", ["= 1 + 2", "fine"]).open(newline="")))
    assert rows[1] == ["0", "'= 1 + 2"] and rows[2] == ["1", "fine"]


def test_printable_and_csv_text():
    assert printable("a\nb\x00c\u2028d") == "a\\nb\\x00c\\u2028d"
    assert printable("é β-VAE 数字") == "é β-VAE 数字"
    assert printable("x" * 500, 10) == "x" * 10 + "…"
    assert csv_text(None) == "" and csv_text("＝1") == "'＝1"


def test_json_files_are_read_with_bounds(tmp_path):
    import pytest

    from explorer.errors import DataError

    (tmp_path / "run.json").write_text('{"a": 1, "a": 2}')
    with pytest.raises(DataError, match="run.json is not valid JSON .key 'a' appears twice"):
        read_json(tmp_path / "run.json", "run file")
    (tmp_path / "deep.json").write_text("[" * 50 + "]" * 50)
    with pytest.raises(DataError, match="nests deeper than 32 levels"):
        read_json(tmp_path / "deep.json", "preset")
    (tmp_path / "ok.json").write_text('{"epochs": 3}')
    assert read_json(tmp_path / "ok.json", "preset") == {"epochs": 3}
