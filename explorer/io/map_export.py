"""The map, taken to other tools: one parquet table for Apple's Embedding Atlas and Renumics Spotlight (``atlas``),
and TensorBoard Projector's folder (``projector``: tensors.tsv, metadata.tsv, sprite.png, projector_config.pbtxt).
Each file is written atomically; strings from a checkpoint go into cells as plain text (tabs and line breaks,
which would split a TSV row, become spaces)."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np

from explorer.atomic import WriteError, atomic_path
from explorer.errors import ConfigError

SPRITE_MAX_SIDE = 8192  # Projector reads sprites up to 8192 x 8192 pixels
_BREAKS = re.compile(r"[\t\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


MAP_TOOLS = ("atlas", "projector")


def save_map(tool: str, path, explorer) -> Path:
    """A ModelExplorer's preview set for ``tool`` (one of MAP_TOOLS): its items, means, labels and map."""
    items = explorer.items(np.arange(len(explorer.means)))
    if tool == "atlas":
        factors = None if explorer.factors is None else dict(zip(explorer.factor_names, explorer.factors.T))
        return save_atlas(path, explorer.means, explorer.labels, explorer.projection, explorer.class_names, items,
                          factors)
    return save_projector(path, explorer.means, explorer.labels, explorer.class_names, items)


def _png(image: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(out, format="PNG")
    return out.getvalue()


def _class_names(labels: np.ndarray, class_names: list[str]) -> list[str]:
    return [class_names[label] if 0 <= label < len(class_names) else "" for label in labels.tolist()]


def save_atlas(path, means: np.ndarray, labels: np.ndarray, projection: np.ndarray, class_names: list[str],
               items, factors: dict[str, np.ndarray] | None = None) -> Path:
    """One row per item: index, x and y (the map), label and its class name, each factor, the latent means as one
    list column, and the item itself: a PNG thumbnail (``image``) or the sentence (``text``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if Path(path).suffix.lower() != ".parquet":
        raise ConfigError(f"cannot export to {path}: expected a .parquet file")
    columns = {"index": pa.array(np.arange(len(means), dtype=np.int64)),
               "x": pa.array(projection[:, 0].astype(np.float32)), "y": pa.array(projection[:, 1].astype(np.float32)),
               "label": pa.array(labels.astype(np.int64)), "class": pa.array(_class_names(labels, class_names))}
    for name, values in (factors or {}).items():
        columns[f"factor_{name}"] = pa.array(np.asarray(values, dtype=np.int64))
    width = means.shape[1]
    columns["latent"] = pa.FixedSizeListArray.from_arrays(pa.array(means.astype(np.float32).ravel()), width)
    if isinstance(items, np.ndarray):
        columns["image"] = pa.array([_png(image) for image in items], type=pa.binary())
    else:
        columns["text"] = pa.array([str(text) for text in items])
    with atomic_path(path, "export") as tmp:
        pq.write_table(pa.table(columns), tmp)
    return Path(path)


def save_projector(folder, means: np.ndarray, labels: np.ndarray, class_names: list[str], items) -> Path:
    """TensorBoard Projector's files in ``folder`` (made if missing): the means, one tab-separated row each; a
    metadata table (index, label, class and the sentence for text items); for images, a sprite of every item in
    index order and the config that ties them together."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise WriteError(f"cannot export to {folder}: Projector's files go in a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot make {folder}: {exc.strerror or exc}") from None
    _write_text(folder / "tensors.tsv", "".join("\t".join(f"{v:.9g}" for v in row) + "\n" for row in means))
    header = ["index", "label", "class"] + ([] if isinstance(items, np.ndarray) else ["text"])
    rows = ["\t".join(header)]
    for i, (label, name) in enumerate(zip(labels.tolist(), _class_names(labels, class_names))):
        cells = [str(i), str(label), name] + ([] if isinstance(items, np.ndarray) else [str(items[i])])
        rows.append("\t".join(_BREAKS.sub(" ", cell) for cell in cells))
    _write_text(folder / "metadata.tsv", "\n".join(rows) + "\n")
    sprite = ""
    if isinstance(items, np.ndarray):
        height, width = _write_sprite(folder / "sprite.png", items)
        sprite = (f'  sprite {{\n    image_path: "sprite.png"\n    single_image_dim: {width}\n'
                  f"    single_image_dim: {height}\n  }}\n")
    _write_text(folder / "projector_config.pbtxt",
                'embeddings {\n  tensor_name: "latent means"\n  tensor_path: "tensors.tsv"\n'
                f'  metadata_path: "metadata.tsv"\n{sprite}}}\n')
    return folder


def _write_sprite(path: Path, items: np.ndarray) -> tuple[int, int]:
    """Items tiled row by row in a square grid (Projector's layout), no padding; (cell height, cell width)."""
    n, height, width = items.shape[:3]
    side = math.ceil(math.sqrt(n))
    if side * max(height, width) > SPRITE_MAX_SIDE:
        raise ConfigError(f"a sprite of {n:,} items of {height}x{width} would be wider than Projector's "
                          f"{SPRITE_MAX_SIDE} pixels")
    canvas = np.zeros((side * height, side * width) + items.shape[3:], dtype=np.uint8)
    for i, image in enumerate(items):
        r, c = divmod(i, side)
        canvas[r * height:(r + 1) * height, c * width:(c + 1) * width] = image
    with atomic_path(path, "export") as tmp:
        tmp.write_bytes(_png(canvas))
    return height, width


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path, "export") as tmp:
        tmp.write_text(text, encoding="utf-8")
