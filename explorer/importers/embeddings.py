"""Embeddings alone, from elsewhere: vectors with labels (and maybe a map of them), no model. Read from
TensorBoard Projector's TSV pair (``projector_tsv``), an Embedding Atlas parquet table (``atlas_parquet``), an
``.npy`` of vectors or an ``.npz`` of arrays (here). Every reader hands its arrays to ``checked``, which bounds
and checks them the same way, so a file gets one clear message naming it whatever its format."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.errors import DataError
from explorer.files import open_regular
from explorer.importers.formats import PROJECTOR_METADATA, PROJECTOR_TENSORS, is_embeddings_path
from explorer.limits import (
    MAX_CLASSES,
    MAX_EMBEDDING_DIMS,
    MAX_EMBEDDING_ROWS,
    MAX_EMBEDDINGS_BYTES,
    MAX_FACTOR_VALUES,
    MAX_FACTORS,
    MAX_LABEL_CHARS,
    MAX_SENTENCE_CHARS,
)

FORMATS = ("a Projector TSV pair (tensors.tsv, metadata.tsv)", "an .npy of vectors", "an .npz of arrays",
           "a .parquet table")
VECTOR_ARRAYS = ("embeddings", "x", "means")  # an npz's vectors: the first of these it holds (means: our latents)
NPZ_ARRAYS = (*VECTOR_ARRAYS, "y", "labels", "class_names", "projection", "factors", "factor_names",
              "factor_values", "stds", "indices")  # the last three, which our latents export writes, are not used


@dataclass
class Embeddings:
    """N points of a file: their vectors, labels and, where the file has them, its map, texts and factors."""

    vectors: np.ndarray  # float32 (N, D)
    labels: np.ndarray  # int64 (N,): an index into class_names, -1 where unlabelled
    class_names: list[str]
    points: np.ndarray | None = None  # float32 (N, 2): the map the file carries
    texts: list[str] | None = None  # each point's text, shown when it is hovered
    factors: np.ndarray | None = None  # int64 (N, F): ground-truth factor classes
    factor_names: list[str] | None = None
    images: np.ndarray | None = None  # uint8 (N, H, W) or (N, H, W, 3): each point's thumbnail


def open_embeddings(path):
    """The EmbeddingsExplorer of ``path``'s points: what the window shows."""
    from explorer.analysis.explore_embeddings import EmbeddingsExplorer

    return EmbeddingsExplorer(*read_embeddings(path))


def read_embeddings(path) -> tuple[Embeddings, str]:
    """(the embeddings of ``path``, what the file is called on screen); DataError naming the file and the
    problem."""
    path = Path(path)
    if not is_embeddings_path(path):
        raise DataError(f"{path} is not a file of embeddings: expected {', '.join(FORMATS)}")
    if path.is_dir() or path.name in (PROJECTOR_TENSORS, PROJECTOR_METADATA):
        from explorer.importers.projector_tsv import read_projector

        folder = path if path.is_dir() else path.parent
        return read_projector(folder), f"Projector embeddings {folder.name}"
    if path.suffix.lower() == ".parquet":
        from explorer.importers.atlas_parquet import read_parquet

        return read_parquet(path), f"embeddings {path.name}"
    return (_read_npy(path) if path.suffix.lower() == ".npy" else _read_npz(path)), f"embeddings {path.name}"


def checked(where, vectors, labels=None, class_names=None, points=None, texts=None, factors=None,
            factor_names=None, images=None) -> Embeddings:
    """Embeddings from a file's arrays, each checked against the others and the bounds: rows and dimensions,
    finite values (the first bad row named), labels within the class names, one text, factor row or image per
    point."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.dtype.kind not in "fiu":
        raise DataError(f"{where}: the vectors are {vectors.dtype} {list(vectors.shape)}; expected numbers, one row "
                        "per point (N, D)")
    rows, dims = vectors.shape
    check_rows(where, rows)
    if not 1 <= dims <= MAX_EMBEDDING_DIMS:
        raise DataError(f"{where}: vectors of {dims:,} dimensions; expected 1 to {MAX_EMBEDDING_DIMS:,}")
    vectors = _finite(where, "vector", vectors)
    if points is not None:
        points = _finite(where, "map point", points)
        if points.shape != (rows, 2):
            raise DataError(f"{where}: the map's points are {list(points.shape)}; expected one (x, y) per point "
                            f"({rows}, 2)")
    labels = np.full(rows, -1, dtype=np.int64) if labels is None else np.asarray(labels)
    if labels.shape != (rows,) or labels.dtype.kind not in "iu":
        raise DataError(f"{where}: the labels are {labels.dtype} {list(labels.shape)}; expected {rows} integers")
    if rows and (labels.min() < -1 or labels.max() >= MAX_CLASSES):
        raise DataError(f"{where}: labels must lie in -1..{MAX_CLASSES - 1} (-1: unlabelled)")
    count = int(labels.max()) + 1
    names = [str(i) for i in range(count)] if class_names is None else [plain(name) for name in class_names]
    if len(names) < count or len(names) > MAX_CLASSES:
        raise DataError(f"{where}: {len(names)} class names for labels up to {count - 1}")
    for name, values in (("texts", texts), ("images", images), ("factors", factors)):
        if values is not None and len(values) != rows:
            raise DataError(f"{where}: {len(values):,} {name} for {rows:,} points")
    if factors is not None:
        factors = np.asarray(factors)
        if (factors.ndim != 2 or not 1 <= factors.shape[1] <= MAX_FACTORS or factors.dtype.kind not in "iu"
                or (factors.size and (factors.min() < 0 or factors.max() >= MAX_FACTOR_VALUES))):
            raise DataError(f"{where}: the factors are {factors.dtype} {list(factors.shape)}; expected classes "
                            f"0..{MAX_FACTOR_VALUES - 1}, one row of up to {MAX_FACTORS} per point")
        factor_names = [plain(name) for name in (factor_names or [f"factor {i}" for i in range(factors.shape[1])])]
        if len(factor_names) != factors.shape[1]:
            raise DataError(f"{where}: {len(factor_names)} factor names for {factors.shape[1]} factors")
    return Embeddings(vectors.astype(np.float32), labels.astype(np.int64), names, points,
                      None if texts is None else [plain(text, MAX_SENTENCE_CHARS) for text in texts],
                      None if factors is None else factors.astype(np.int64), factor_names, images)


def check_rows(where, rows: int) -> None:
    """Refuses a file of no points or more than the map holds, before its values are read where it can."""
    if not 1 <= rows <= MAX_EMBEDDING_ROWS:
        raise DataError(f"{where} holds {rows:,} points; expected 1 to {MAX_EMBEDDING_ROWS:,}")


def plain(value, limit: int = MAX_LABEL_CHARS) -> str:
    """A string from a file, cut to ``limit`` characters (it is shown as plain text)."""
    return str(value)[:limit]


def categories(where, values: list[str]) -> tuple[np.ndarray, list[str]]:
    """A column of names as labels: each point's index into the names in order of first appearance."""
    index: dict[str, int] = {}
    labels = np.fromiter((index.setdefault(value, len(index)) for value in values), dtype=np.int64,
                         count=len(values))
    if len(index) > MAX_CLASSES:
        raise DataError(f"{where}: its labels have {len(index):,} different values, above the limit of "
                        f"{MAX_CLASSES:,} classes")
    return labels, list(index)


def _finite(where, what: str, values) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 2 or values.dtype.kind not in "fiu":
        raise DataError(f"{where}: the {what}s are {values.dtype} {list(values.shape)}; expected rows of numbers")
    with np.errstate(over="ignore"):  # a float64 beyond float32's range becomes inf, and is refused below
        values = values.astype(np.float32)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        raise DataError(f"{where}: {what} {int(np.argmax(bad)):,} (counting from 0) holds NaN or infinite values; "
                        f"{int(bad.sum()):,} rows do")
    return values


def _read_npy(path: Path) -> Embeddings:
    """An .npy of vectors (N, D), its header read before its values; a pickled array is refused."""
    from explorer.data.own_images import npy_header

    with open_regular(path, "embeddings file", MAX_EMBEDDINGS_BYTES) as handle:
        data = handle.read(MAX_EMBEDDINGS_BYTES + 1)
    try:
        member = io.BytesIO(data)
        shape, dtype = npy_header(member, path, "vectors")
        if dtype.hasobject:
            raise DataError(f"{path} holds Python objects, which are never unpickled")
        if len(shape) != 2:
            raise DataError(f"{path} holds an array of shape {list(shape)}; expected vectors (N, D)")
        check_rows(path, shape[0])
        member.seek(0)
        vectors = np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        raise DataError(f"{path} is not a readable .npy file ({str(exc)[:120]})") from None
    return checked(path, vectors)


def _read_npz(path: Path) -> Embeddings:
    """An .npz of ``embeddings`` (or ``x``, or ``means`` as our latents export writes them) with optional
    ``y``/``labels``, ``class_names``, ``projection`` (N, 2), ``factors`` and ``factor_names``."""
    from explorer.data.own_images import read_npz

    try:
        arrays = read_npz(path, NPZ_ARRAYS, MAX_EMBEDDINGS_BYTES)
    except zipfile.LargeZipFile as exc:
        raise DataError(f"{path} is not a readable npz file ({exc})") from None
    name = next((name for name in VECTOR_ARRAYS if name in arrays), None)
    if name is None:
        raise DataError(f"{path} has no array of vectors: expected one named {' or '.join(VECTOR_ARRAYS)}")
    if arrays[name].ndim != 2:
        raise DataError(f"{path}: {name!r} has shape {list(arrays[name].shape)}; expected vectors (N, D) (images "
                        "(N, H, W) are a dataset: --dataset npz:FILE)")
    labels = arrays.get("y", arrays.get("labels"))
    names = arrays.get("class_names")
    factor_names = arrays.get("factor_names")
    for what, values in (("class_names", names), ("factor_names", factor_names)):
        if values is not None and (values.dtype.kind != "U" or values.ndim != 1):
            raise DataError(f"{path}: {what!r} is {values.dtype} {list(values.shape)}; expected a list of strings")
    return checked(path, arrays[name], labels, None if names is None or not len(names) else names.tolist(),
                   arrays.get("projection"), factors=arrays.get("factors"),
                   factor_names=None if factor_names is None else factor_names.tolist())


def describe_embeddings(path) -> dict:
    """What ``info`` says of an embeddings file: its label and what its points carry."""
    embeddings, label = read_embeddings(path)
    rows, dims = embeddings.vectors.shape
    return {"label": label, "embeddings": {
        "points": rows, "dims": dims, "class_names": embeddings.class_names,
        "labelled": int((embeddings.labels >= 0).sum()), "map": embeddings.points is not None,
        "texts": embeddings.texts is not None,
        "thumbnails": None if embeddings.images is None else list(embeddings.images.shape[1:]),
        "factor_names": embeddings.factor_names or []}}
