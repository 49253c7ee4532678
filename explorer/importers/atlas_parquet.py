"""A parquet table of points, read with pyarrow: our atlas export's columns (``x``, ``y``, ``label``, ``class``,
``factor_*``, the vectors as the list column ``latent``, an ``image`` PNG thumbnail or a ``text`` per point), or
Embedding Atlas's (``projection_x``, ``projection_y``) and any table with one list column of numbers. The row count
and the unpacked size of the columns read come from the file's footer, and are refused before any column is read."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from explorer.errors import DataError
from explorer.files import open_regular
from explorer.importers.embeddings import Embeddings, categories, check_rows, checked
from explorer.limits import MAX_EMBEDDINGS_BYTES, MAX_IMAGE_SIDE

POINT_COLUMNS = (("x", "y"), ("projection_x", "projection_y"))
VECTOR_COLUMNS = ("latent", "embedding", "embeddings", "vector")  # else the table's only list column of numbers
FACTOR_PREFIX = "factor_"


def read_parquet(path: Path) -> Embeddings:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open_regular(path, "parquet table", MAX_EMBEDDINGS_BYTES) as handle:
        try:
            table_file = pq.ParquetFile(handle)
            footer = table_file.metadata
            check_rows(path, footer.num_rows)
            if footer.num_row_groups > footer.num_rows:
                raise DataError(f"{path} has {footer.num_row_groups:,} row groups for {footer.num_rows:,} rows")
            plan = _plan(path, table_file.schema_arrow)
            read = set(plan.values())
            wanted = [i for i in range(footer.num_columns) if footer.schema.column(i).path.split(".")[0] in read]
            unpacked = sum(footer.row_group(g).column(i).total_uncompressed_size
                           for g in range(footer.num_row_groups) for i in wanted)
            if unpacked > MAX_EMBEDDINGS_BYTES:
                raise DataError(f"{path}: its columns unpack to {unpacked:,} bytes, above the limit of "
                                f"{MAX_EMBEDDINGS_BYTES:,}")
            table = table_file.read(columns=sorted(read))
        except DataError:
            raise
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"{path} is not a readable parquet table ({str(exc).splitlines()[0][:160]})") from None
    return _embeddings(path, table, plan)


def _plan(path: Path, schema) -> dict[str, str]:
    """Which column holds what ("vectors", "x", "y", "label", "class", "text", "image", "factor_NAME")."""
    import pyarrow as pa

    types = {field.name: field.type for field in schema}
    plan = {}
    pair = next((pair for pair in POINT_COLUMNS if all(name in types for name in pair)), None)
    if pair:
        plan.update(x=pair[0], y=pair[1])
    lists = [name for name, kind in types.items() if (pa.types.is_list(kind) or pa.types.is_fixed_size_list(kind)
             or pa.types.is_large_list(kind)) and _numeric(kind.value_type)]
    vectors = next((name for name in VECTOR_COLUMNS if name in lists), lists[0] if len(lists) == 1 else None)
    if vectors is None and not pair:
        raise DataError(f"{path} has no vectors and no map: expected a list column of numbers (one of "
                        f"{', '.join(VECTOR_COLUMNS)}) or x and y columns")
    if vectors is not None:
        plan["vectors"] = vectors
    for name in ("label", "class", "text", "image"):
        if name in types:
            plan[name] = name
    plan.update({name: name for name in types if name.startswith(FACTOR_PREFIX) and pa.types.is_integer(types[name])})
    return plan


def _numeric(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_floating(kind) or pa.types.is_integer(kind)


def _embeddings(path: Path, table, plan: dict[str, str]) -> Embeddings:
    import pyarrow as pa

    def column(role: str):
        values = table.column(plan[role]).combine_chunks()
        if values.null_count:
            raise DataError(f"{path}: column {plan[role]!r} has {values.null_count:,} empty cells")
        return values

    points = None
    if "x" in plan:
        points = np.stack([column(role).to_numpy(zero_copy_only=False) for role in ("x", "y")], axis=1)
    vectors = points if "vectors" not in plan else _vectors(path, column("vectors"), plan["vectors"])
    labels = names = None
    if "label" in plan and pa.types.is_integer(column("label").type):
        labels = column("label").to_numpy(zero_copy_only=False)
        if "class" in plan:
            names = [str(k) for k in range(int(labels.max(initial=-1)) + 1)]
            for label, name in zip(labels.tolist(), column("class").to_pylist()):
                if 0 <= label < len(names) and name:
                    names[label] = str(name)
    elif "label" in plan or "class" in plan:
        labels, names = categories(path, [str(v) for v in column("label" if "label" in plan else "class").to_pylist()])
    factor_roles = [role for role in plan if role.startswith(FACTOR_PREFIX)]
    factors = (np.stack([column(role).to_numpy(zero_copy_only=False) for role in factor_roles], axis=1)
               if factor_roles else None)
    texts = [str(v) for v in column("text").to_pylist()] if "text" in plan else None
    images = _thumbnails(path, column("image").to_pylist()) if "image" in plan else None
    return checked(path, vectors, labels, names, points, texts, factors,
                   [role[len(FACTOR_PREFIX):] for role in factor_roles] or None, images)


def _vectors(path: Path, values, name: str) -> np.ndarray:
    """A list column as (N, D): every list of the same length."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_fixed_size_list(values.type):
        width = values.type.list_size
    else:
        lengths = pc.list_value_length(values).to_numpy(zero_copy_only=False)
        width = int(lengths[0]) if len(lengths) else 0
        if (lengths != width).any():
            raise DataError(f"{path}: the lists in column {name!r} are not all of one length (row "
                            f"{int(np.argmax(lengths != width)):,} has {int(lengths[lengths != width][0]):,}, "
                            f"row 0 {width:,})")
    flat = pc.list_flatten(values)
    if flat.null_count:
        raise DataError(f"{path}: column {name!r} has empty cells in its vectors")
    return flat.to_numpy(zero_copy_only=False).reshape(len(values), width)


def _thumbnails(path: Path, cells: list) -> np.ndarray:
    """The ``image`` column's PNG thumbnails as uint8 (N, H, W) or (N, H, W, 3), each the first one's size and
    mode; each image's size read from its header before it is decoded."""
    from PIL import Image, UnidentifiedImageError

    images, shape, pixels_read = [], None, 0
    for row, cell in enumerate(cells):
        try:
            with Image.open(io.BytesIO(cell), formats=["PNG"]) as image:
                if max(image.size) > MAX_IMAGE_SIDE:
                    raise DataError(f"{path}: the image of row {row:,} is {image.size[0]:,} x {image.size[1]:,} "
                                    f"pixels; a thumbnail's side is at most {MAX_IMAGE_SIDE}")
                pixels = np.asarray(image.convert("L" if shape is None and image.mode in ("L", "1") or
                                                  shape is not None and len(shape) == 2 else "RGB"))
        except DataError:
            raise
        except Image.DecompressionBombError:  # Pillow's own guard, met while reading the header
            raise DataError(f"{path}: the image of row {row:,} announces more pixels than Pillow decodes; a "
                            f"thumbnail's side is at most {MAX_IMAGE_SIDE}") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError) as exc:
            raise DataError(f"{path}: the image of row {row:,} is not a readable PNG ({str(exc)[:120]})") from None
        shape = shape or pixels.shape
        pixels_read += pixels.size
        if pixels_read > MAX_EMBEDDINGS_BYTES:
            raise DataError(f"{path}: its thumbnails unpack to more than {MAX_EMBEDDINGS_BYTES:,} bytes")
        if pixels.shape != shape:
            raise DataError(f"{path}: the image of row {row:,} is {list(pixels.shape)}; row 0's is {list(shape)}")
        images.append(pixels)
    return np.stack(images).astype(np.uint8)
