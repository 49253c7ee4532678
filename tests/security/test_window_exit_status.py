"""The unattended window (`main.py FILE --screenshot OUT`) refusing each kind of bad file as a real process: it says
why and exits with the command line's status, never by a signal (its teardown once crashed in about half the runs).
bench/window_exits.py runs the same kinds 100 times; WINDOW_EXIT_REPEATS raises the runs per kind here."""
import os

import pytest

from bench.window_exits import KINDS, bad_files, outcome, run_window

REPEATS = int(os.environ.get("WINDOW_EXIT_REPEATS", "1"))


@pytest.fixture(scope="module")
def files(tmp_path_factory, vae_file):
    return bad_files(tmp_path_factory.mktemp("bad"), vae_file)


@pytest.mark.parametrize("kind", KINDS)
def test_the_window_refusing_a_file_exits_with_status_2_every_time(files, kind, tmp_path):
    path, message = files[kind]
    for _ in range(REPEATS):
        shot = tmp_path / "shot.png"
        done = run_window(path, shot, tmp_path / "config")
        assert outcome(done, message, shot) == "refused", done.stderr
