"""Writers for everything the app exports: image grids (PNG), latents (CSV/NPZ), training history (CSV, PNG plot)
and sentences (TXT/CSV). Every file is written to a temp file beside it and renamed, so none is half-written."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable

import numpy as np

from explorer.errors import ConfigError
from explorer.io.atomic import atomic_path
from explorer.io.display import csv_text
from explorer.limits import MAX_GRID_PIXELS


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
    """Tile uint8 images (N, H, W) into one (rows*(H+pad)+pad, ...) array on a white background."""
    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0:
        raise ConfigError(f"an image grid needs (N, H, W) images, got shape {images.shape}")
    n, h, w = images.shape[0], images.shape[1] * scale, images.shape[2] * scale
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    pixels = (nrows * (h + pad) + pad) * (ncols * (w + pad) + pad)
    if pixels > MAX_GRID_PIXELS:
        raise ConfigError(f"the grid would be {pixels:,} pixels, above the limit of {MAX_GRID_PIXELS:,}: "
                          "export fewer items or a smaller scale")
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    canvas = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = image
    return canvas


def save_image_grid(path, images: np.ndarray, ncols: int, pad: int = 2, scale: int = 1) -> Path:
    from PIL import Image

    _suffix(path, (".png",))
    canvas = grid_image(images, ncols, pad, scale)
    return _atomic_write(path, lambda out: Image.fromarray(canvas, mode="L").save(out, format="PNG"))


def save_latents(path, means, labels, projection=None, class_names=None) -> Path:
    suffix = _suffix(path, (".csv", ".npz"))
    means, labels = np.asarray(means, dtype=np.float32), np.asarray(labels, dtype=np.int64)
    names = list(class_names or [])
    if suffix == ".npz":
        arrays = {"means": means, "labels": labels, "class_names": np.asarray(names, dtype=str)}
        if projection is not None:
            arrays["projection"] = np.asarray(projection, dtype=np.float32)
        return _atomic_write(path, lambda out: np.savez(out, **arrays))

    def write(out):
        writer = csv.writer(out)
        writer.writerow(["index", "label", "class_name"] + (["x", "y"] if projection is not None else [])
                        + [f"z{d}" for d in range(means.shape[1])])
        for i, (mean, label) in enumerate(zip(means, labels)):
            name = csv_text(names[label]) if 0 <= label < len(names) else ""
            xy = [f"{v:.6g}" for v in projection[i]] if projection is not None else []
            writer.writerow([i, int(label), name] + xy + [f"{v:.6g}" for v in mean])

    return _atomic_write(path, write, binary=False)


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
