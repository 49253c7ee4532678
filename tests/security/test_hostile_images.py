"""Hostile image folders and npz files: a PNG announcing 50,000 x 50,000 pixels, symlink loops, too many files,
pickled or oversized arrays. One clear message each, nothing hangs."""
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from explorer.data.own_images import image_files
from explorer.data.registry import load_dataset
from explorer.errors import DataError


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces its size and holds no pixels: what a decompression bomb's header says."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def test_a_huge_png_is_refused_before_it_is_decoded(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_header(50_000, 50_000))
    with pytest.raises(DataError, match=r"bomb.png announces an image above the limit of 40,000,000 pixels"):
        load_dataset(f"images:{tmp_path}")
    (tmp_path / "bomb.png").write_bytes(png_header(10_000, 5_000))  # under Pillow's guard, over ours
    with pytest.raises(DataError, match=r"bomb.png is 10,000 x 5,000 pixels, above the limit of 40,000,000"):
        load_dataset(f"images:{tmp_path}")


def test_a_file_that_is_not_the_image_it_claims_is_named(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "ok.png")
    (tmp_path / "fake.jpg").write_bytes(b"not a jpeg at all")
    with pytest.raises(DataError, match="fake.jpg is not a readable JPEG image"):
        load_dataset(f"images:{tmp_path}")


def test_symlink_loops_are_not_followed(tmp_path):
    folder = tmp_path / "data" / "cats"
    folder.mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(folder / "a.png")
    os.symlink(tmp_path / "data", folder / "loop")
    os.symlink(folder / "self.png", folder / "self.png.png")  # a dangling link named like an image
    os.symlink(folder / "x.png", folder / "y.png")
    os.symlink(folder / "y.png", folder / "x.png")
    assert [(path.name, label) for path, label in image_files(tmp_path / "data")] == [("a.png", "cats")]


def test_too_deep_or_empty_folders_are_named(tmp_path):
    deep = tmp_path / "deep"
    (deep / "/".join("d" * 20)).mkdir(parents=True)
    with pytest.raises(DataError, match="nested more than 16 folders deep"):
        load_dataset(f"images:{deep}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no PNG or JPEG image"):
        load_dataset(f"images:{tmp_path / 'empty'}")
    with pytest.raises(DataError, match="no such folder"):
        load_dataset(f"images:{tmp_path / 'missing'}")


def test_too_many_files_are_refused(tmp_path, monkeypatch):
    from explorer.data import own_images

    monkeypatch.setattr(own_images, "MAX_IMAGE_FILES", 3)
    for i in range(5):
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / f"{i}.png")
    with pytest.raises(DataError, match="holds more than 3 images"):
        load_dataset(f"images:{tmp_path}")


@pytest.mark.parametrize("arrays,pattern", [
    ({"x": np.array([{"a": 1}, {"b": 2}], dtype=object)}, "holds Python objects, which are never unpickled"),
    ({"y": np.zeros(3, np.int64)}, "has no 'x' array"),
    ({"x": np.zeros((3, 3, 8, 8))}, r"'x' has shape \[3, 3, 8, 8\]; expected greyscale"),
    ({"x": np.full((3, 8, 8), 2.0)}, r"outside \[0, 1\]"),
    ({"x": np.zeros((3, 8, 8)), "y": np.array([0, 1, 5000])}, r"'y' holds values outside \[-1, 999\]"),
    ({"x": np.zeros((3, 8, 8)), "run": np.zeros(1)}, "unexpected array 'run.npy'"),
])
def test_a_bad_npz_is_refused_naming_the_array(tmp_path, arrays, pattern):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=pattern):
        load_dataset(f"npz:{path}")


def test_an_npz_announcing_a_huge_array_is_refused_before_unpacking(tmp_path):
    import io
    import zipfile

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**6, 1000, 1000)})
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as archive:
        archive.writestr("x.npy", header.getvalue())
    with pytest.raises(DataError, match="unpack to more than"):
        load_dataset(f"npz:{tmp_path / 'huge.npz'}")
    (tmp_path / "zip.npz").write_bytes(b"PK not really")
    with pytest.raises(DataError, match="is not a readable npz file"):
        load_dataset(f"npz:{tmp_path / 'zip.npz'}")
