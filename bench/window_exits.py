"""The unattended window's error paths, run again and again as real processes: `main.py BAD --screenshot OUT` for
each kind of bad file (empty, truncated, a wrong header, hostile JSON, a newer format, weights whose shapes
disagree with the config, one over the size limit, a FIFO, a folder, a missing file). Each run must print its one message and exit with the
command line's status 2, never by a signal (the window's teardown once crashed in about half such runs). The counts
go into docs/SECURITY.md; tests/security/test_window_exit_status.py runs each kind once.

    python bench/window_exits.py [--runs 100] [--checkpoint trained/vae-mnist5k.safetensors]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAIN = ROOT / "main.py"
TIMEOUT_S = 300

from explorer.errors import REFUSED_STATUS  # noqa: E402
from explorer.limits import MAX_CHECKPOINT_BYTES  # noqa: E402
from tests.security.conftest import rewrite_header, rewrite_meta  # noqa: E402


def _swap_first_matrix(header: dict) -> None:
    entry = next(v for k, v in header.items() if k.startswith("model.") and len(v["shape"]) == 2)
    entry["shape"] = entry["shape"][::-1]


KINDS = ("empty", "truncated", "wrong-header", "hostile-json", "newer-format", "shape-mismatch", "too-large", "fifo",
         "directory", "missing")


def bad_files(folder: Path, checkpoint: Path) -> dict[str, tuple[Path, str]]:
    """Each of KINDS made in ``folder`` from a good ``checkpoint``: the file, and a piece of the message the user
    must see."""
    (folder / "empty.safetensors").write_bytes(b"")
    whole = checkpoint.read_bytes()
    (folder / "truncated.safetensors").write_bytes(whole[:len(whole) // 2])
    (folder / "header.safetensors").write_bytes((2 ** 40).to_bytes(8, "little") + whole[8:4096])
    rewrite_meta(checkpoint, folder / "json.safetensors", raw_meta="[" * 100_000 + "]" * 100_000)
    rewrite_meta(checkpoint, folder / "newer.safetensors", lambda meta: meta.update(format_version=99))
    rewrite_header(checkpoint, folder / "shapes.safetensors", _swap_first_matrix)
    with open(folder / "huge.safetensors", "wb") as sparse:
        sparse.truncate(MAX_CHECKPOINT_BYTES + 1)
    os.mkfifo(folder / "pipe.safetensors")
    (folder / "folder.safetensors").mkdir()
    return {"empty": (folder / "empty.safetensors", "empty or truncated"),
            "truncated": (folder / "truncated.safetensors", "truncated.safetensors"),
            "wrong-header": (folder / "header.safetensors", "header.safetensors"),
            "hostile-json": (folder / "json.safetensors", "nests deeper than"),
            "newer-format": (folder / "newer.safetensors", "written by a newer Latent Explorer"),
            "shape-mismatch": (folder / "shapes.safetensors", "the model's config needs"),
            "too-large": (folder / "huge.safetensors", "huge.safetensors"),
            "fifo": (folder / "pipe.safetensors", "FIFO"),
            "directory": (folder / "folder.safetensors", "folder.safetensors"),
            "missing": (folder / "gone.safetensors", "does not exist")}


def run_window(path: Path, shot: Path, config: Path) -> subprocess.CompletedProcess:
    """``main.py PATH --screenshot SHOT`` offscreen, with its settings in ``config`` (never the user's)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(config)}
    return subprocess.run([sys.executable, "-X", "faulthandler", str(MAIN), str(path), "--screenshot", str(shot)],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT_S)


def outcome(done: subprocess.CompletedProcess, message: str, shot: Path) -> str:
    """'refused' for the one right ending (status 2, the message, no traceback, no picture), else what went wrong."""
    if done.returncode < 0:
        return f"signal {signal.Signals(-done.returncode).name}"
    if done.returncode != REFUSED_STATUS:
        return f"status {done.returncode}"
    if "Traceback" in done.stderr:
        return "traceback"
    if message not in done.stderr:
        return "wrong message"
    return "picture written" if shot.exists() else "refused"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="runs in all, the kinds taken in turn")
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "trained" / "vae-mnist5k.safetensors")
    args = parser.parse_args()
    from bench.report import machine, write_section

    counts: dict[str, Counter] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = bad_files(folder, args.checkpoint)
        for run in range(args.runs):
            kind = KINDS[run % len(KINDS)]
            path, message = files[kind]
            shot = folder / "shot.png"
            shot.unlink(missing_ok=True)
            result = outcome(run_window(path, shot, folder / "config"), message, shot)
            counts.setdefault(kind, Counter())[result] += 1
            print(f"{run + 1}/{args.runs} {kind}: {result}", flush=True)
    wrong = sum(n for c in counts.values() for result, n in c.items() if result != "refused")
    signals = sum(n for c in counts.values() for result, n in c.items() if result.startswith("signal"))
    rows = "\n".join(f"| {kind} | {sum(c.values())} | {c['refused']} | "
                     f"{', '.join(f'{r}: {n}' for r, n in c.items() if r != 'refused') or '—'} |"
                     for kind, c in counts.items())
    body = (f"### The window's error paths ({args.runs} runs)\n\n"
            f"`python bench/window_exits.py --runs {args.runs}`: `main.py BAD --screenshot OUT` as a real process "
            f"(offscreen), the kinds of bad file in turn, each made from `{args.checkpoint.name}`. "
            f"**{args.runs - wrong} of {args.runs} runs refused the file with its message and exit status 2; "
            f"{signals} ended by a signal.** ({machine()}.)\n\n"
            f"| bad file | runs | refused, status 2 | otherwise |\n|---|---|---|---|\n{rows}\n")
    print(write_section("window_exits", body, doc="SECURITY.md"))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
