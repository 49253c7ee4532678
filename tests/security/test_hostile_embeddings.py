"""Hostile embeddings files: pickles in .npy and .npz (never unpickled), sizes announced in headers and footers
(a billion rows, a terapoint .npy, a 50,000-pixel thumbnail) refused before anything is read, NaN rows, ragged
tables and foreign bytes: one message each, naming the file."""
import io
import pickle
import struct
import zlib

import numpy as np
import pytest

from explorer.errors import DataError
from explorer.importers.embeddings import read_embeddings
from explorer.limits import MAX_EMBEDDING_DIMS, MAX_EMBEDDING_ROWS

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


class Exploit:
    """Unpickling this would write a file: the proof that a pickle was run."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def _refused(path, pattern):
    with pytest.raises(DataError, match=pattern):
        read_embeddings(path)


def test_pickles_in_npy_and_npz_are_never_run(tmp_path):
    proof = tmp_path / "was-run"
    objects = np.array([Exploit(proof), Exploit(proof)], dtype=object)
    np.save(tmp_path / "o.npy", objects, allow_pickle=True)
    np.savez(tmp_path / "o.npz", embeddings=objects)
    _refused(tmp_path / "o.npy", "holds Python objects, which are never unpickled")
    _refused(tmp_path / "o.npz", "holds Python objects, which are never unpickled")
    (tmp_path / "p.npy").write_bytes(pickle.dumps(Exploit(proof)))  # a bare pickle named .npy
    _refused(tmp_path / "p.npy", "is not a readable .npy file")
    assert not proof.exists()


def test_an_npy_announcing_a_trillion_rows_is_refused_from_its_header(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**12, 16)})
    (tmp_path / "huge.npy").write_bytes(header.getvalue() + b"\0" * 64)
    _refused(tmp_path / "huge.npy", f"holds 1,000,000,000,000 points; expected 1 to {MAX_EMBEDDING_ROWS:,}")


def test_npz_sizes_names_and_shapes(tmp_path):
    np.savez(tmp_path / "wide.npz", x=np.zeros((2, MAX_EMBEDDING_DIMS + 1), np.float32))
    _refused(tmp_path / "wide.npz", f"vectors of {MAX_EMBEDDING_DIMS + 1:,} dimensions")
    np.savez(tmp_path / "images.npz", x=np.zeros((3, 8, 8), np.uint8))
    _refused(tmp_path / "images.npz", r"expected vectors \(N, D\) \(images \(N, H, W\) are a dataset")
    np.savez(tmp_path / "extra.npz", x=np.zeros((3, 2)), payload=np.zeros(1))
    _refused(tmp_path / "extra.npz", "unexpected array 'payload.npy'")
    np.savez(tmp_path / "labels.npz", x=np.zeros((3, 2)), y=np.array([0, 1, 5000]))
    _refused(tmp_path / "labels.npz", "labels must lie in -1..999")
    np.savez(tmp_path / "names.npz", x=np.zeros((3, 2)), y=np.array([0, 1, 2]), class_names=np.array(["a"]))
    _refused(tmp_path / "names.npz", "1 class names for labels up to 2")


def test_nan_and_overflowing_rows_are_named(tmp_path):
    vectors = np.ones((5, 3))
    vectors[3, 1] = 1e300  # beyond float32
    np.save(tmp_path / "big.npy", vectors)
    _refused(tmp_path / "big.npy", r"vector 3 \(counting from 0\) holds NaN or infinite values")
    (tmp_path / "tensors.tsv").write_text("1\t2\n3\tnan\n")
    _refused(tmp_path / "tensors.tsv", r"vector 1 \(counting from 0\) holds NaN")


def test_broken_projector_pairs(tmp_path):
    (tmp_path / "tensors.tsv").write_text("1\t2\n3\n")
    _refused(tmp_path / "tensors.tsv", "is not a table of numbers, one vector a line")
    (tmp_path / "tensors.tsv").write_text("1\t2\n3\t4\n")
    (tmp_path / "metadata.tsv").write_text("label\tclass\n0\ta\n")
    _refused(tmp_path, "has 1 rows .after its header. for 2 vectors")
    (tmp_path / "metadata.tsv").write_text("label\tclass\n0\ta\n1\n")
    _refused(tmp_path, "row 2 has 1 cells; the header has 2")
    (tmp_path / "metadata.tsv").write_bytes(b"\xff\xfe\n\x00\n")
    _refused(tmp_path / "metadata.tsv", "is not UTF-8 text")
    (tmp_path / "tensors.tsv").write_text("".join(f"{i}\n" for i in range(1001)))
    (tmp_path / "metadata.tsv").write_text("".join(f"word{i}\n" for i in range(1001)))
    _refused(tmp_path, "its labels have 1,001 different values, above the limit of 1,000 classes")
    (tmp_path / "metadata.tsv").unlink()
    (tmp_path / "tensors.tsv").unlink()
    _refused(tmp_path / "tensors.tsv", "does not exist")


def _with_rows(path, rows: int, claimed: int) -> None:
    """Rewrite a parquet file's footer so that it (and its row group) claims ``claimed`` rows: the compact-thrift
    field header of an i64 field 3 (0x16) and the zigzag varint of the count, as the real footer holds them."""
    def varint(n):
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    data = path.read_bytes()
    length = struct.unpack("<I", data[-8:-4])[0]
    footer = data[-8 - length:-8].replace(b"\x16" + varint(2 * rows), b"\x16" + varint(2 * claimed))
    path.write_bytes(data[:-8 - length] + footer + struct.pack("<I", len(footer)) + b"PAR1")


def test_a_parquet_claiming_a_billion_rows_is_refused_from_its_footer(tmp_path):
    path = tmp_path / "billion.parquet"
    pq.write_table(pa.table({"x": np.arange(37, dtype=np.float32), "y": np.zeros(37, np.float32)}), path)
    _with_rows(path, 37, 10**9)
    assert pq.ParquetFile(path).metadata.num_rows == 10**9  # the footer says so; the data holds 37
    _refused(path, f"holds 1,000,000,000 points; expected 1 to {MAX_EMBEDDING_ROWS:,}")


def test_broken_parquet_tables(tmp_path):
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 not really a table")
    _refused(tmp_path / "junk.parquet", "is not a readable parquet table")
    pq.write_table(pa.table({"name": ["a", "b"]}), tmp_path / "none.parquet")
    _refused(tmp_path / "none.parquet", "has no vectors and no map")
    ragged = pa.array([[1.0, 2.0], [3.0]], type=pa.list_(pa.float32()))
    pq.write_table(pa.table({"latent": ragged}), tmp_path / "ragged.parquet")
    _refused(tmp_path / "ragged.parquet", "are not all of one length .row 1 has 1, row 0 2.")
    pq.write_table(pa.table({"x": [0.0, None], "y": [1.0, 2.0]}), tmp_path / "empty.parquet")
    _refused(tmp_path / "empty.parquet", "column 'x' has 1 empty cells")


def _png(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header announces ``width`` x ``height`` (its CRC fixed, so a reader believes it)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize("side, message", [(50_000, "announces more pixels than Pillow decodes"),
                                           (5_000, "is 5,000 x 5,000 pixels")])
def test_a_huge_thumbnail_is_refused_before_it_is_decoded(tmp_path, side, message):
    table = pa.table({"x": [0.0, 1.0], "y": [0.0, 1.0], "image": pa.array([_png(1, 1), _png(side, side)])})
    pq.write_table(table, tmp_path / "bomb.parquet")
    _refused(tmp_path / "bomb.parquet", f"the image of row 1 {message}; a thumbnail's side is at most 512")
