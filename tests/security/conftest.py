"""Real tiny checkpoints to damage, and helpers that rewrite a checkpoint's bytes the way an attacker would: the raw
safetensors header (offsets, dtypes) and the metadata JSON inside it, with none of the writer's checks."""
import contextlib
import json
import os
import signal
import struct
from pathlib import Path

import pytest

from explorer.io.checkpoint import META_KEY
from explorer.training.run import RunSpec, TrainingRun

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = f"text:{FIXTURES / 'tiny_corpus.txt'}"


def train(out, model="vae", dataset="digits", **options) -> Path:
    """A real one-epoch run saved to ``out``: a checkpoint as the app writes it (optimizer state included)."""
    spec = RunSpec.create(model=model, dataset=dataset, latent_dim=4, out=str(out), epochs=1, batch_size=64,
                          device="cpu", **options)
    TrainingRun(spec).execute()
    return Path(out)


@pytest.fixture(scope="session")
def vae_file(tmp_path_factory):
    return train(tmp_path_factory.mktemp("ckpt") / "vae.safetensors", hidden=[16])


@pytest.fixture(scope="session")
def cvae_file(tmp_path_factory):
    return train(tmp_path_factory.mktemp("ckpt") / "cvae.safetensors", model="cvae", hidden=[16])


@pytest.fixture(scope="session")
def text_file(tmp_path_factory):
    return train(tmp_path_factory.mktemp("ckpt") / "svae.safetensors", model="sentence-vae", dataset=CORPUS,
                 embed_dim=8, hidden_dim=8, max_len=12, min_count=1)


def read_raw(path) -> tuple[dict, bytes]:
    """The parsed safetensors header (tensor entries and __metadata__) and the data bytes after it."""
    blob = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + length]), blob[8 + length:]


def write_raw(path, header, data: bytes, header_bytes: bytes | None = None) -> Path:
    raw = header_bytes if header_bytes is not None else json.dumps(header).encode()
    Path(path).write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return Path(path)


def meta_of(path) -> dict:
    return json.loads(read_raw(path)[0]["__metadata__"][META_KEY])


def rewrite_meta(source, target, change=None, raw_meta: str | None = None) -> Path:
    """Copy ``source`` to ``target`` with its metadata changed by ``change(meta)`` (or replaced by ``raw_meta``)."""
    header, data = read_raw(source)
    if raw_meta is None:
        meta = json.loads(header["__metadata__"][META_KEY])
        change(meta)
        raw_meta = json.dumps(meta)
    header["__metadata__"][META_KEY] = raw_meta
    return write_raw(target, header, data)


def rewrite_header(source, target, change) -> Path:
    """Copy ``source`` to ``target`` with its tensor entries changed by ``change(header)`` (data untouched)."""
    header, data = read_raw(source)
    change(header)
    return write_raw(target, header, data)


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail instead of hanging: a FIFO or /dev/zero read by mistake would block the test run forever."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: it hangs")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.safetensors"
    os.mkfifo(path)
    return path
