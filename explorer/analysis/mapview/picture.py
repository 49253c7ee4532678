"""The picture of a view in one RGBA image at the view's own pixels: the density image enlarged to them and the
drawn points stamped on it as discs in their colour, so the GUI shows a single image (moved with the view until
the next one arrives) and an export at any size is the same picture."""
from __future__ import annotations

import numpy as np

POINT_PX = 5  # a drawn point's diameter in pixels, as the small map's scatter draws it


def disc_offsets(diameter: int = POINT_PX) -> np.ndarray:
    """The (row, column) offsets (K, 2) of the pixels of a disc of ``diameter`` pixels around its centre."""
    radius = diameter / 2
    span = np.arange(-(diameter // 2), diameter // 2 + 1)
    dr, dc = np.meshgrid(span, span, indexing="ij")
    keep = dr ** 2 + dc ** 2 <= radius ** 2
    return np.stack([dr[keep], dc[keep]], axis=1)


def enlarged(image: np.ndarray, shape: tuple[int, int], factor: int) -> np.ndarray:
    """``image`` (r, c, 4) of cells ``factor`` pixels wide as an image of ``shape`` pixels (the last cell of each
    side also covers the pixels a whole cell did not fit, as Pixels.coarser bins them)."""
    rows = np.minimum(np.arange(shape[0]) // factor, image.shape[0] - 1)
    cols = np.minimum(np.arange(shape[1]) // factor, image.shape[1] - 1)
    pixels = np.ascontiguousarray(image).view(np.uint32)[..., 0]  # one RGBA pixel a number: a quarter the moves
    return pixels.take(rows, axis=0).take(cols, axis=1).view(np.uint8).reshape(shape + (4,))


def stamp_points(image: np.ndarray, row: np.ndarray, column: np.ndarray, rgb: np.ndarray,
                 diameter: int = POINT_PX) -> None:
    """Draw opaque discs of colour ``rgb`` (k, 3) uint8 centred at the pixels (``row``, ``column``) into ``image``
    (rows, columns, 4) uint8, in order (a later point covers an earlier one)."""
    if not image.flags.c_contiguous:
        raise ValueError("stamp_points draws into a C-contiguous image")
    rows, cols = image.shape[:2]
    colour = np.concatenate([rgb, np.full((len(rgb), 1), 255, dtype=np.uint8)], axis=1).view(np.uint32)[:, 0]
    flat = image.reshape(-1).view(np.uint32)  # a view: written through to ``image``
    for dr, dc in disc_offsets(diameter):
        r, c = row + dr, column + dc
        keep = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        flat[r[keep] * cols + c[keep]] = colour[keep]
