"""The unattended window (`main.py FILE --screenshot OUT`) refusing each kind of bad checkpoint, run again and again
as a real process: it says why and exits with the command line's status, never by a signal (its teardown once
crashed in about half the runs). WINDOW_EXIT_REPEATS raises the number of runs per kind for a longer campaign."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.errors import REFUSED_STATUS
from explorer.limits import MAX_CHECKPOINT_BYTES
from tests.security.conftest import rewrite_header, rewrite_meta

MAIN = Path(__file__).resolve().parents[2] / "main.py"
REPEATS = int(os.environ.get("WINDOW_EXIT_REPEATS", "1"))


def _swap_first_matrix(header):
    name, entry = next((k, v) for k, v in header.items() if k.startswith("model.") and len(v["shape"]) == 2)
    entry["shape"] = entry["shape"][::-1]


def _bad_files(folder: Path, vae_file: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of refused checkpoint, with a piece of the message the user must see."""
    (folder / "five.safetensors").write_bytes(b"abcde")
    (folder / "garbage.safetensors").write_bytes(bytes(range(256)) * 16)
    os.mkfifo(folder / "pipe.safetensors")
    with open(folder / "huge.safetensors", "wb") as sparse:
        sparse.truncate(MAX_CHECKPOINT_BYTES + 1)
    rewrite_meta(vae_file, folder / "newer.safetensors", lambda meta: meta.update(format_version=99))
    rewrite_header(vae_file, folder / "shapes.safetensors", _swap_first_matrix)
    return {"five-bytes": (folder / "five.safetensors", "empty or truncated"),
            "garbage": (folder / "garbage.safetensors", "not a Latent Explorer checkpoint"),
            "fifo": (folder / "pipe.safetensors", "FIFO"),
            "too-large": (folder / "huge.safetensors", "huge.safetensors"),
            "newer-format": (folder / "newer.safetensors", "written by a newer Latent Explorer"),
            "weights-disagree": (folder / "shapes.safetensors", "the model's config needs"),
            "missing": (folder / "gone.safetensors", "does not exist")}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, vae_file):
    return _bad_files(tmp_path_factory.mktemp("bad"), vae_file)


@pytest.mark.parametrize("kind", ["five-bytes", "garbage", "fifo", "too-large", "newer-format", "weights-disagree",
                                  "missing"])
def test_the_window_refusing_a_file_exits_with_status_2_every_time(bad_files, kind, tmp_path):
    path, message = bad_files[kind]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for _ in range(REPEATS):
        shot = tmp_path / "shot.png"
        done = subprocess.run([sys.executable, "-X", "faulthandler", str(MAIN), str(path), "--screenshot", str(shot)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == REFUSED_STATUS, done.stderr
        assert message in done.stderr and "Traceback" not in done.stderr
        assert not shot.exists()
