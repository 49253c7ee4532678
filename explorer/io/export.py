"""Writers for everything the app exports: image grids (PNG), latents (CSV/NPZ), training history (CSV, PNG plot)
and sentences (TXT/CSV). Every file is written to a temp file beside it and renamed, so none is half-written."""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from explorer.atomic import atomic_path
from explorer.errors import ConfigError
from explorer.io.display import csv_text
from explorer.limits import MAX_GRID_PIXELS, MAX_GRID_SCALE


def _atomic_write(path, write: Callable[[io.IOBase], None], binary: bool = True) -> Path:
    with atomic_path(path) as tmp:
        with open(tmp, "wb" if binary else "w", **({} if binary else {"newline": "", "encoding": "utf-8"})) as out:
            write(out)
    return Path(path)


def _suffix(path, allowed: tuple[str, ...]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise ConfigError(f"cannot export to {path}: expected a {' or '.join(allowed)} file")
    return suffix


def grid_image(images: np.ndarray, ncols: int, pad: int = 2, scale: int = 1) -> np.ndarray:
    """Tile uint8 images (N, H, W) or (N, H, W, 3) into one array with ``pad`` white pixels around every cell,
    each image enlarged ``scale`` times (whole pixels, no smoothing)."""
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0 or (images.ndim == 4 and images.shape[3] != 3):
        raise ConfigError(f"an image grid needs (N, H, W) or (N, H, W, 3) images, got shape {images.shape}")
    if not 1 <= scale <= MAX_GRID_SCALE:
        raise ConfigError(f"grid scale must be 1 to {MAX_GRID_SCALE}, got {scale}")
    n, h, w = images.shape[0], images.shape[1] * scale, images.shape[2] * scale
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    pixels = (nrows * (h + pad) + pad) * (ncols * (w + pad) + pad)
    if pixels > MAX_GRID_PIXELS:
        raise ConfigError(f"the grid would be {pixels:,} pixels, above the limit of {MAX_GRID_PIXELS:,}: "
                          "export fewer items or a smaller scale")
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    canvas = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad) + images.shape[3:], 255, dtype=np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = image
    return canvas


def grid_picture(images: np.ndarray, ncols: int, pad: int = 2, scale: int = 1,
                 row_labels: list[str] | None = None, col_labels: list[str] | None = None):
    """The grid as a PIL image, with ``row_labels`` written left of each row and ``col_labels`` above each column
    (black on the white margin). Column labels wider than a cell get a smaller font, then only every k-th is
    written."""
    from PIL import Image, ImageDraw

    canvas = grid_image(images, ncols, pad, scale)
    picture = Image.fromarray(canvas, mode="L" if canvas.ndim == 2 else "RGB")
    row_labels, col_labels = list(row_labels or []), list(col_labels or [])
    if not row_labels and not col_labels:
        return picture
    n, h, w = len(images), images.shape[1] * scale, images.shape[2] * scale
    ncols = max(1, min(ncols, n))
    col_labels = col_labels[:ncols]
    row_font = _label_font(_label_size(h))
    col_font, every = _column_font(col_labels, w + pad, _label_size(h))
    left = max((row_font.getlength(text) for text in row_labels), default=0)
    left = int(left) + 2 * LABEL_GAP if row_labels else 0
    top = col_font.size + 2 * LABEL_GAP if col_labels else 0
    labelled = Image.new(picture.mode, (picture.width + left, picture.height + top), "white")
    labelled.paste(picture, (left, top))
    draw = ImageDraw.Draw(labelled)
    for row, text in enumerate(row_labels):
        middle = top + pad + row * (h + pad) + h / 2
        draw.text((left - LABEL_GAP, middle), text, fill="black", font=row_font, anchor="rm")
    for col, text in enumerate(col_labels):
        if col % every == 0:
            middle = left + pad + col * (w + pad) + w / 2
            draw.text((middle, top - LABEL_GAP), text, fill="black", font=col_font, anchor="ms")
    return labelled


def _label_size(cell_height: int) -> int:
    return max(MIN_LABEL_PX, min(16, round(cell_height * 0.4)))


def _column_font(labels: list[str], cell_width: int, size: int):
    """The largest font (down to MIN_LABEL_PX) whose widest label fits a cell, and how many columns apart the
    labels must then be written so they do not overlap."""
    def widest(font) -> float:
        return max((font.getlength(text) for text in labels), default=0)

    font = _label_font(size)
    while size > MIN_LABEL_PX and widest(font) > cell_width - 2:
        size -= 1
        font = _label_font(size)
    return font, max(1, math.ceil((widest(font) + 4) / cell_width))


def pair_rows(inputs: np.ndarray, outputs: np.ndarray, ncols: int) -> tuple[np.ndarray, int]:
    """Inputs and their reconstructions as a grid of row pairs (a row of inputs, then their reconstructions),
    a short last pair padded with black cells; returns (images, number of rows)."""
    rows = []
    for start in range(0, len(inputs), ncols):
        for part in (inputs[start:start + ncols], outputs[start:start + ncols]):
            blank = np.zeros((ncols - len(part),) + part.shape[1:], dtype=part.dtype)
            rows.append(np.concatenate([part, blank]))
    return np.concatenate(rows), len(rows)


def auto_scale(cell_height: int, target: int = 64) -> int:
    """The whole-pixel scale that makes a cell about ``target`` pixels tall (8x8 digits: 8; 28x28 MNIST: 2)."""
    return max(1, min(MAX_GRID_SCALE, round(target / max(1, cell_height))))


LABEL_GAP = 4  # pixels between a label and the grid
MIN_LABEL_PX = 8


@lru_cache(maxsize=16)
def _label_font(size: int):
    """DejaVu Sans as matplotlib ships it (σ, −, β and accents included, no system font needed)."""
    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"), size)


def save_image_grid(path, images: np.ndarray, ncols: int, pad: int = 2, scale: int = 1,
                    row_labels: list[str] | None = None, col_labels: list[str] | None = None) -> Path:
    _suffix(path, (".png",))
    picture = grid_picture(images, ncols, pad, scale, row_labels, col_labels)
    return _atomic_write(path, lambda out: picture.save(out, format="PNG"))


def save_latents(path, means, labels, projection=None, class_names=None, stds=None, indices=None, factors=None,
                 factor_table=None) -> Path:
    """Posterior means (N, D), labels, map coordinates and, for a variational encoder, each mean's σ (N, D') in
    columns sigma_z0... after the means (D' < D when the latent ends with discrete parts). ``indices`` names the
    rows' preview items when they are a subset (default 0..N-1). With ground-truth ``factors`` (N, F classes) and
    their ``factor_table`` (a checkpoint's ``dataset.factors``: name, values, categories): a CSV column per factor
    (factor_NAME: the category's name or the value) after the class name; in an NPZ, ``factors`` (the classes),
    ``factor_values`` and ``factor_names``."""
    suffix = _suffix(path, (".csv", ".npz"))
    means, labels = np.asarray(means, dtype=np.float32), np.asarray(labels, dtype=np.int64)
    stds = None if stds is None else np.asarray(stds, dtype=np.float32)
    names = list(class_names or [])
    if suffix == ".npz":
        arrays = {"means": means, "labels": labels, "class_names": np.asarray(names, dtype=str)}
        if indices is not None:
            arrays["indices"] = np.asarray(indices, dtype=np.int64)
        if projection is not None:
            arrays["projection"] = np.asarray(projection, dtype=np.float32)
        if stds is not None:
            arrays["stds"] = stds
        if factors is not None:
            arrays["factors"] = np.asarray(factors, dtype=np.int64)
            arrays["factor_values"] = np.stack([np.asarray(info["values"], dtype=np.float64)[column]
                                                for info, column in zip(factor_table, arrays["factors"].T)], axis=1)
            arrays["factor_names"] = np.asarray([info["name"] for info in factor_table], dtype=str)
        return _atomic_write(path, lambda out: np.savez(out, **arrays))
    indices = np.arange(len(means)) if indices is None else np.asarray(indices, dtype=np.int64)
    factor_cells = [] if factors is None else [_factor_cells(info, column) for info, column in
                                               zip(factor_table, np.asarray(factors, dtype=np.int64).T)]
    factor_header = [] if factors is None else [csv_text(f"factor_{info['name']}") for info in factor_table]

    def write(out):
        writer = csv.writer(out)
        writer.writerow(["index", "label", "class_name"] + factor_header
                        + (["x", "y"] if projection is not None else [])
                        + [f"z{d}" for d in range(means.shape[1])]
                        + ([f"sigma_z{d}" for d in range(stds.shape[1])] if stds is not None else []))
        for i, (mean, label) in enumerate(zip(means, labels)):
            name = csv_text(names[label]) if 0 <= label < len(names) else ""
            xy = [f"{v:.6g}" for v in projection[i]] if projection is not None else []
            sigma = [f"{v:.6g}" for v in stds[i]] if stds is not None else []
            writer.writerow([int(indices[i]), int(label), name] + [cells[i] for cells in factor_cells] + xy
                            + [f"{v:.6g}" for v in mean] + sigma)

    return _atomic_write(path, write, binary=False)


def _factor_cells(info: dict, classes: np.ndarray) -> list[str]:
    """Each item's value of one factor as a CSV cell: its category's name, or its value."""
    shown = [csv_text(name) for name in info["categories"]] if info.get("categories") else \
        [f"{value:.6g}" for value in info["values"]]
    return [shown[c] for c in classes]


def history_rows(history: list[dict]) -> tuple[list[str], list[list]]:
    """Flatten the per-epoch history: kl_per_dim becomes kl_dim0, kl_dim1, ..."""
    scalar_keys = [key for key in history[0] if key != "kl_per_dim"]
    dims = max(len(row.get("kl_per_dim") or []) for row in history)
    header = scalar_keys + [f"kl_dim{d}" for d in range(dims)]
    rows = [[row.get(key) for key in scalar_keys] + list(row.get("kl_per_dim") or []) for row in history]
    return header, rows


def save_history_csv(path, history: list[dict]) -> Path:
    _suffix(path, (".csv",))
    if not history:
        raise ConfigError("there is no training history to export")
    header, rows = history_rows(history)

    def write(out):
        writer = csv.writer(out)
        writer.writerow([csv_text(name) for name in header])  # the history's keys come from the checkpoint
        writer.writerows([[csv_text(v) if isinstance(v, str) else v for v in row] for row in rows])

    return _atomic_write(path, write, binary=False)


def save_curves_png(path, history: list[dict]) -> Path:
    """Reconstruction, KL, test -ELBO, active units (and β or capacity when they vary) over epochs."""
    _suffix(path, (".png", ".svg"))
    if not history:
        raise ConfigError("there is no training history to plot")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    epochs = [row["epoch"] for row in history]
    panels = [("reconstruction (nats)", ["train_recon", "test_recon"]), ("KL (nats)", ["train_kl", "test_kl"]),
              ("-ELBO (nats)", ["train_loss", "test_elbo"]), ("active units", ["active_units"])]
    if any(row.get("capacity") for row in history):
        panels.append(("capacity C (nats)", ["capacity"]))
    elif len({row.get("beta") for row in history}) > 1:
        panels.append(("β(t)", ["beta"]))
    figure = Figure(figsize=(3.2 * len(panels), 3.0), tight_layout=True)
    for i, (title, keys) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), i + 1)
        for key in keys:
            axes.plot(epochs, [row.get(key) for row in history], marker="o", markersize=3,
                      label=key.replace("_", " "))
        axes.set_title(title)
        axes.set_xlabel("epoch")
        if len(keys) > 1:
            axes.legend(fontsize=7)
    fmt = Path(path).suffix.lower()[1:]
    return _atomic_write(path, lambda out: figure.savefig(out, format=fmt, dpi=110))


def save_table_csv(path, header: list[str], rows: list[list]) -> Path:
    """A table as CSV: floats with 6 significant digits, None as an empty cell."""
    _suffix(path, (".csv",))

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, str):
            return csv_text(value)  # run names come from file names
        return f"{value:.6g}" if isinstance(value, float) else value

    def write(out):
        writer = csv.writer(out)
        writer.writerow([csv_text(name) for name in header])
        writer.writerows([cell(value) for value in row] for row in rows)

    return _atomic_write(path, write, binary=False)


def save_sentences(path, sentences: list[str], extra_columns: dict[str, list] | None = None) -> Path:
    suffix = _suffix(path, (".txt", ".csv"))
    if suffix == ".txt":
        return _atomic_write(path, lambda out: out.write("".join(s.replace("\n", " ") + "\n" for s in sentences)),
                             binary=False)
    extra = extra_columns or {}

    def write(out):
        writer = csv.writer(out)
        writer.writerow(["index", "sentence"] + [csv_text(name) for name in extra])
        for i, sentence in enumerate(sentences):
            writer.writerow([i, csv_text(sentence)] + [csv_text(column[i]) if isinstance(column[i], str)
                                                       else column[i] for column in extra.values()])

    return _atomic_write(path, write, binary=False)
