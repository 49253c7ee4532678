"""Write one bench's results into a file of docs/, replacing that bench's previous section only."""
from __future__ import annotations

import platform
import re
from pathlib import Path

import torch

DOCS = Path(__file__).resolve().parents[1] / "docs"
HEADERS = {
    "PERFORMANCE.md": "# Performance\n\nWritten by the scripts in `bench/` (`make bench`); each section is replaced "
                      "when its bench runs. Figures are ratios measured side by side in one run.\n",
    "QUALITY.md": "# Quality\n\nWritten by `bench/quality.py` and `bench/train_throughput.py`; each section is replaced "
                  "when its script runs. All losses are nats per example (summed over pixels or tokens).\n",
}


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
            f"torch {torch.__version__}, Python {platform.python_version()}")


def write_section(name: str, body: str, doc: str = "PERFORMANCE.md") -> Path:
    path = DOCS / doc
    text = path.read_text() if path.exists() else HEADERS[doc]
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    DOCS.mkdir(exist_ok=True)
    path.write_text(text)
    return path
