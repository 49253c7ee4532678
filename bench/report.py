"""Write one bench's results into docs/PERFORMANCE.md, replacing that bench's previous section only."""
from __future__ import annotations

import platform
import re
from pathlib import Path

import torch

PERFORMANCE = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
HEADER = "# Performance\n\nWritten by the scripts in `bench/` (`make bench`); each section is replaced when its bench runs.\n"


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}, Python {platform.python_version()}")


def write_section(name: str, body: str) -> Path:
    text = PERFORMANCE.read_text() if PERFORMANCE.exists() else HEADER
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    PERFORMANCE.parent.mkdir(exist_ok=True)
    PERFORMANCE.write_text(text)
    return PERFORMANCE
