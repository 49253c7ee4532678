"""Files that would block or never end: FIFOs, devices, folders, symlinks to them, an IDX .gz that inflates far beyond
its header, a checkpoint whose dataset id names /dev/zero. Each is refused at once with a message naming it."""
import gzip
import os
import struct

import numpy as np
import pytest

from explorer.cli import main
from explorer.data.images import read_idx
from explorer.data.registry import load_dataset
from explorer.errors import CheckpointError, DataError
from explorer.files import read_regular
from explorer.io.checkpoint import load_checkpoint, read_metadata
from tests.security.conftest import deadline, rewrite_meta

TINY_TRAIN = ["--latent-dim", "2", "--epochs", "1", "--batch-size", "64"]


def test_a_fifo_checkpoint_is_refused_without_blocking(fifo, capsys):
    with deadline(20):
        for load in (load_checkpoint, read_metadata):
            with pytest.raises(CheckpointError, match=r"is a FIFO \(named pipe\), not a regular file"):
                load(fifo)
        assert main(["info", str(fifo)]) == 2
        assert main(["evaluate", str(fifo)]) == 2
        assert main(["export", str(fifo), "--what", "latents", "--out", str(fifo.parent / "z.csv")]) == 2
        assert main(["train", "--resume", str(fifo), "--epochs", "1", "--out", str(fifo.parent / "o.safetensors")]) == 2
    err = capsys.readouterr().err
    assert err.count("FIFO") == 4 and "Traceback" not in err


def test_a_fifo_or_device_corpus_is_refused(fifo, tmp_path, capsys):
    out = str(tmp_path / "m.safetensors")
    with deadline(20):
        for corpus in (fifo, "/dev/zero", "/dev/stdin"):
            with pytest.raises(DataError, match="not a regular file"):
                load_dataset(f"text:{corpus}")
            assert main(["train", "--model", "sentence-vae", "--dataset", f"text:{corpus}", *TINY_TRAIN,
                         "--out", out]) == 2
    assert not os.path.exists(out)
    assert "Traceback" not in capsys.readouterr().err


def test_devices_folders_and_links_are_not_checkpoints(tmp_path):
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    with deadline(20):
        for path, kind in ((link, "a device"), ("/dev/zero", "a device"), (tmp_path, "a folder")):
            with pytest.raises(CheckpointError, match=kind):
                load_checkpoint(path)


def test_a_size_limit_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 1000)
    with pytest.raises(DataError, match="1,000 bytes, above the limit of 999"):
        read_regular(path, "corpus file", 999)
    assert read_regular(path, "corpus file", 1000) == b"x" * 1000


def test_a_dataset_id_in_a_checkpoint_is_never_opened_by_itself(text_file, tmp_path, capsys, fifo):
    """A text checkpoint whose dataset id points at /dev/zero or a FIFO: evaluate uses the preview set and says
    why; the corpus is read only when the user names it, and a device named by the user is refused."""
    for target in ("/dev/zero", str(fifo)):
        lying = rewrite_meta(text_file, tmp_path / "lying.safetensors",
                             lambda meta, target=target: meta["dataset"].update(id=f"text:{target}"))
        with deadline(30):
            assert main(["evaluate", str(lying), "--json"]) == 0
            assert main(["evaluate", str(lying), "--dataset", f"text:{target}"]) == 2
            assert main(["train", "--resume", str(lying), "--epochs", "1",
                         "--out", str(tmp_path / "again.safetensors")]) == 2
        captured = capsys.readouterr()
        assert '"evaluated_on": "the checkpoint\'s preview set' in captured.out
        assert "read only when you pass --dataset" in captured.err
        assert "not a regular file" in captured.err and "name it to resume" in captured.err


def test_evaluate_reads_a_named_corpus_when_asked(text_file, capsys):
    from tests.security.conftest import CORPUS

    assert main(["evaluate", str(text_file), "--json"]) == 0
    assert "preview set" in capsys.readouterr().out
    assert main(["evaluate", str(text_file), "--json", "--dataset", CORPUS]) == 0
    assert "test split" in capsys.readouterr().out


def _idx_gz(path, header_shape, payload_bytes, chunk=2**20):
    header = bytes([0, 0, 8, len(header_shape)]) + struct.pack(">" + "I" * len(header_shape), *header_shape)
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(header)
        zeros = bytes(chunk)
        for _ in range(payload_bytes // chunk):
            handle.write(zeros)
    return path


def test_an_idx_gz_that_inflates_far_beyond_its_header_stops_at_once(tmp_path):
    """The header announces 10 images; the stream holds 256 MiB more. Only what was announced (plus one byte) is
    inflated before the file is refused."""
    path = _idx_gz(tmp_path / "train-images-idx3-ubyte.gz", (10, 28, 28), 256 * 2**20)
    assert path.stat().st_size < 2 * 2**20
    with deadline(10), pytest.raises(DataError, match="truncated or padded: shape .* needs 7,840 bytes"):
        read_idx(path)


def test_an_idx_header_announcing_gigabytes_is_refused_before_reading(tmp_path):
    path = _idx_gz(tmp_path / "t10k-images-idx3-ubyte.gz", (60000, 4096, 4096), 0)
    with pytest.raises(DataError, match="above the limit of"):
        read_idx(path)


def test_idx_labels_outside_the_classes_name_the_file_and_label(tmp_path):
    rng = np.random.default_rng(0)

    def write(name, array):
        header = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape)
        (tmp_path / name).write_bytes(header + array.astype(np.uint8).tobytes())

    labels = rng.integers(0, 10, 12)
    labels[5] = 200
    write("train-images-idx3-ubyte", rng.integers(0, 256, (12, 28, 28)))
    write("train-labels-idx1-ubyte", labels)
    write("t10k-images-idx3-ubyte", rng.integers(0, 256, (4, 28, 28)))
    write("t10k-labels-idx1-ubyte", rng.integers(0, 10, 4))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte: label 200 at item 5 is outside the classes 0-9"):
        load_dataset("mnist", data_dir=tmp_path)
