"""The user's own images: ``images:DIR`` (PNG and JPEG files, labelled by their top sub-folder's name, resized to a
square greyscale image) and ``npz:FILE`` (an ``x`` array of images, optional ``y`` labels, ``class_names``,
``factors`` and ``factor_names``). Both are files a user names, read with bounds: a folder is listed without
following links into loops, an image's size is read from its header before it is decoded, an npz's arrays are
sized from their headers before they are unpacked, and nothing in them is unpickled."""
from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import torch

from explorer.data.base import Dataset, FactorTable, Split, seeded_split
from explorer.errors import DataError
from explorer.files import read_regular
from explorer.limits import (
    MAX_CLASSES,
    MAX_DECODED_PIXELS,
    MAX_FACTOR_VALUES,
    MAX_FACTORS,
    MAX_FOLDER_DEPTH,
    MAX_FOLDER_ENTRIES,
    MAX_IMAGE_FILE_BYTES,
    MAX_IMAGE_FILES,
    MAX_IMAGE_SIDE,
    MAX_LABEL_CHARS,
    MAX_NPZ_BYTES,
)

DEFAULT_IMAGE_SIZE = 28
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
NPZ_ARRAYS = ("x", "y", "class_names", "factors", "factor_names")
TEST_FRACTION, SPLIT_SEED = 0.1, 0


def _split(dataset_id: str, x: torch.Tensor, y: torch.Tensor, class_names: list[str],
           factors: torch.Tensor | None = None, table: FactorTable | None = None) -> Dataset:
    if len(x) < 2:
        raise DataError(f"{dataset_id} holds {len(x)} image; at least 2 are needed (a training and a test item)")
    train, test = seeded_split(len(x), TEST_FRACTION, SPLIT_SEED)
    pick = lambda index: Split(x[index], y[index], factors=None if factors is None else factors[index])  # noqa: E731
    return Dataset(id=dataset_id, domain="image", train=pick(train), test=pick(test), class_names=class_names,
                   shape=tuple(x.shape[1:]), factors=table)


# images:DIR
def load_image_folder(dataset_id: str, size: int = DEFAULT_IMAGE_SIZE) -> Dataset:
    folder = Path(dataset_id[len("images:"):]).expanduser()
    files = image_files(folder)
    classes = sorted({label for _, label in files if label is not None})
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{folder} has {len(classes):,} class sub-folders, above the limit of {MAX_CLASSES:,}")
    pixels = np.stack([read_image(path, size) for path, _ in files])
    labels = torch.tensor([-1 if label is None else classes.index(label) for _, label in files], dtype=torch.int64)
    return _split(dataset_id, torch.from_numpy(pixels).unsqueeze(1), labels, classes)


def image_files(folder: Path) -> list[tuple[Path, str | None]]:
    """Every PNG/JPEG file under ``folder`` with its label (its top sub-folder's name; None at the top), sorted.
    Linked folders are not entered (no loops), and the listing is bounded in entries, depth and files."""
    if not folder.is_dir():
        raise DataError(f"images:{folder}: no such folder")
    found, seen, pending = [], 0, [(folder, None, 0)]
    while pending:
        current, label, depth = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise DataError(f"cannot list {current}: {exc.strerror or exc}") from None
        for entry in entries:
            seen += 1
            if seen > MAX_FOLDER_ENTRIES:
                raise DataError(f"{folder} holds more than {MAX_FOLDER_ENTRIES:,} entries")
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 > MAX_FOLDER_DEPTH:
                    raise DataError(f"{entry.path} is nested more than {MAX_FOLDER_DEPTH} folders deep")
                pending.append((Path(entry.path), label if label is not None else entry.name[:MAX_LABEL_CHARS],
                                depth + 1))
            elif Path(entry.name).suffix.lower() in IMAGE_FORMATS and _regular(entry):
                found.append((Path(entry.path), label))
                if len(found) > MAX_IMAGE_FILES:
                    raise DataError(f"{folder} holds more than {MAX_IMAGE_FILES:,} images")
    if not found:
        raise DataError(f"{folder} holds no PNG or JPEG image")
    return sorted(found, key=lambda item: str(item[0]))


def _regular(entry: os.DirEntry) -> bool:
    """A regular file, or a link to one (a dangling or looping link is not)."""
    try:
        return stat.S_ISREG(os.stat(entry.path).st_mode)
    except OSError:
        return False


def read_image(path: Path, size: int) -> np.ndarray:
    """One image as uint8 greyscale (size, size); its pixel count is read from its header and bounded before the
    pixels are decoded."""
    from PIL import Image, UnidentifiedImageError

    data = read_regular(path, "image", MAX_IMAGE_FILE_BYTES)
    try:
        with Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[path.suffix.lower()]]) as image:
            width, height = image.size
            if width * height > MAX_DECODED_PIXELS:
                raise DataError(f"{path} is {width:,} x {height:,} pixels, above the limit of "
                                f"{MAX_DECODED_PIXELS:,} pixels")
            image.draft("L", (size, size))  # JPEG: decode at a reduced scale when that is enough
            grey = image.convert("L").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(grey, dtype=np.uint8)
    except DataError:
        raise
    except Image.DecompressionBombError:  # Pillow's own, lower guard met while reading the header
        raise DataError(f"{path} announces an image above the limit of {MAX_DECODED_PIXELS:,} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path} is not a readable {IMAGE_FORMATS[path.suffix.lower()]} image "
                        f"({str(exc)[:120]})") from None


# npz:FILE
def load_npz(dataset_id: str) -> Dataset:
    path = Path(dataset_id[len("npz:"):]).expanduser()
    arrays = read_npz(path)
    x = arrays.get("x")
    if x is None:
        raise DataError(f"{path} has no 'x' array of images")
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or x.shape[1] != 1 or not all(1 <= side <= MAX_IMAGE_SIDE for side in x.shape[2:]):
        raise DataError(f"{path}: 'x' has shape {list(x.shape)}; expected greyscale images (N, H, W) or "
                        f"(N, 1, H, W) with sides up to {MAX_IMAGE_SIDE}")
    n = len(x)
    pixels = _pixels(path, x)
    y = _integers(path, arrays, "y", (n,), -1, MAX_CLASSES - 1)
    labels = torch.from_numpy(y) if y is not None else torch.full((n,), -1, dtype=torch.int64)
    class_names = _names(path, arrays, "class_names", int(labels.max()) + 1 if n else 0)
    factors = _integers(path, arrays, "factors", None, 0, MAX_FACTOR_VALUES - 1)
    table = None
    if factors is not None:
        if factors.ndim != 2 or len(factors) != n or not 1 <= factors.shape[1] <= MAX_FACTORS:
            raise DataError(f"{path}: 'factors' has shape {list(factors.shape)}; expected ({n}, F) with F up to "
                            f"{MAX_FACTORS}")
        names = _names(path, arrays, "factor_names", factors.shape[1], default="factor")
        table = FactorTable(tuple(names), tuple(tuple(float(v) for v in range(int(column.max()) + 1))
                                                for column in factors.T), tuple(() for _ in names))
        factors = torch.from_numpy(factors)
    return _split(dataset_id, pixels, labels, class_names, factors, table)


def read_npz(path: Path, known: tuple[str, ...] = NPZ_ARRAYS, max_bytes: int = MAX_NPZ_BYTES) -> dict[str, np.ndarray]:
    """The ``known`` arrays of an npz file (any other is refused), each sized from its header before it is read;
    pickled arrays refused."""
    data = read_regular(path, "npz file", max_bytes)
    arrays, total = {}, 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                if name not in known:
                    raise DataError(f"{path}: unexpected array {info.filename[:80]!r}; expected some of "
                                    f"{', '.join(known)}")
                with archive.open(info) as member:
                    shape, dtype = npy_header(member, path, name)
                    if dtype.hasobject:
                        raise DataError(f"{path}: array {name!r} holds Python objects, which are never unpickled")
                    total += int(np.prod(shape, dtype=object)) * dtype.itemsize
                    if total > max_bytes:
                        raise DataError(f"{path}: its arrays unpack to more than {max_bytes:,} bytes")
                with archive.open(info) as member:
                    arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
    except DataError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path} is not a readable npz file ({str(exc)[:120]})") from None
    return arrays


def npy_header(member, path: Path, name: str):
    version = np.lib.format.read_magic(member)
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise DataError(f"{path}: array {name!r} is in .npy format {version}, expected 1.0 or 2.0")
    shape, _, dtype = readers[version](member)
    return shape, dtype


def _pixels(path: Path, x: np.ndarray) -> torch.Tensor:
    """uint8 images as they are; floats must be finite and within [0, 1]."""
    if x.dtype == np.uint8:
        return torch.from_numpy(np.ascontiguousarray(x))
    if x.dtype.kind != "f":
        raise DataError(f"{path}: 'x' is {x.dtype}; expected uint8 pixels or floats in [0, 1]")
    if not np.isfinite(x).all() or x.min(initial=0) < 0 or x.max(initial=0) > 1:
        raise DataError(f"{path}: 'x' holds values outside [0, 1] (or NaN)")
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def _integers(path: Path, arrays: dict, name: str, shape, low: int, high: int) -> np.ndarray | None:
    values = arrays.get(name)
    if values is None:
        return None
    if values.dtype.kind not in "iu" or (shape is not None and values.shape != shape):
        raise DataError(f"{path}: {name!r} is {values.dtype} {list(values.shape)}; expected integers"
                        + (f" of shape {list(shape)}" if shape is not None else ""))
    if values.size and (values.min() < low or values.max() > high):
        raise DataError(f"{path}: {name!r} holds values outside [{low}, {high}]")
    return values.astype(np.int64)


def _names(path: Path, arrays: dict, name: str, count: int, default: str | None = None) -> list[str]:
    values = arrays.get(name)
    if values is None:
        return [f"{default} {i}" if default else str(i) for i in range(count)]
    if values.dtype.kind != "U" or values.ndim != 1 or len(values) != count:
        raise DataError(f"{path}: {name!r} must be {count} strings, got {values.dtype} {list(values.shape)}")
    return [str(value)[:MAX_LABEL_CHARS] for value in values]
