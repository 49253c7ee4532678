"""TensorBoard Projector's pair, read as Projector reads it: ``tensors.tsv`` (one tab-separated vector a line, no
header) and, optionally, ``metadata.tsv`` beside it (one row a point; a header row when it has more than one
column, none when it has one). The labels are the ``class`` column (with the ``label`` column's numbers, as our
export writes both), else ``label``, else the only column; a ``text`` column is shown on hover."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from explorer.errors import DataError
from explorer.files import read_regular
from explorer.importers.embeddings import Embeddings, categories, check_rows, checked, plain
from explorer.importers.formats import PROJECTOR_METADATA, PROJECTOR_TENSORS
from explorer.limits import MAX_CLASSES, MAX_EMBEDDING_ROWS, MAX_EMBEDDINGS_BYTES

LABEL_COLUMNS = ("class", "label")  # the first of these a metadata table has names the points' labels


def read_projector(folder: Path) -> Embeddings:
    tensors = folder / PROJECTOR_TENSORS
    lines = _lines(tensors, "Projector tensors file")
    check_rows(tensors, len(lines))
    try:
        vectors = np.loadtxt(io.StringIO("\n".join(lines)), delimiter="\t", dtype=np.float64, ndmin=2,
                             comments=None)
    except ValueError as exc:
        raise DataError(f"{tensors} is not a table of numbers, one vector a line ({str(exc)[:160]})") from None
    metadata = folder / PROJECTOR_METADATA
    if not metadata.exists():
        return checked(tensors, vectors)
    rows = _lines(metadata, "Projector metadata file")
    header = rows[0].split("\t") if rows and "\t" in rows[0] else None
    rows = rows[1:] if header else rows
    if len(rows) != len(vectors):
        raise DataError(f"{metadata} has {len(rows):,} rows (after its header) for {len(vectors):,} vectors in "
                        f"{PROJECTOR_TENSORS}")
    cells = [row.split("\t") for row in rows]
    header = header or ["label"]
    ragged = next((i for i, row in enumerate(cells) if len(row) != len(header)), None)
    if ragged is not None:
        raise DataError(f"{metadata}: row {ragged + 1} has {len(cells[ragged])} cells; the header has "
                        f"{len(header)}")
    columns = {name: [row[k] for row in cells] for k, name in enumerate(header)}
    labels, names = _labels(metadata, columns)
    return checked(tensors, vectors, labels, names, texts=columns.get("text"))


def _lines(path: Path, what: str) -> list[str]:
    data = read_regular(path, what, MAX_EMBEDDINGS_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start:,})") from None
    if text.count("\n") > MAX_EMBEDDING_ROWS + 1:  # before splitting a huge file into lines
        raise DataError(f"{path} has more than {MAX_EMBEDDING_ROWS:,} lines")
    lines = text.split("\n")
    while lines and not lines[-1].strip("\r"):
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _labels(where: Path, columns: dict[str, list[str]]) -> tuple[np.ndarray | None, list[str] | None]:
    """Our export's numbered labels with their class names; else the label column's names as categories."""
    numbers = columns.get("label")
    if "class" in columns and numbers is not None and all(_is_label(cell) for cell in numbers):
        labels = np.asarray([int(cell) for cell in numbers], dtype=np.int64)
        names = [str(k) for k in range(int(labels.max(initial=-1)) + 1)]
        for label, name in zip(labels.tolist(), columns["class"]):
            if label >= 0 and name:
                names[label] = plain(name)
        return labels, names
    name = next((name for name in LABEL_COLUMNS if name in columns), None)
    if name is None and len(columns) == 1:
        name = next(iter(columns))
    return (None, None) if name is None else categories(where, columns[name])


def _is_label(cell: str) -> bool:
    return re.fullmatch(r"-1|\d{1,4}", cell) is not None and int(cell) < MAX_CLASSES
