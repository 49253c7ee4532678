"""What a user waits for before the map: launch to the UMAP map of a shipped checkpoint on screen (the whole
process of ``main.py CHECKPOINT``, from the command to the painted map), beside launch to the UMAP map of the same
model saved without a map (fitted after launch in the map worker); and UMAP fits of the preview in the worker, the
first after it starts and a refit. Medians of --repeats runs, the variants alternating so that they share the
machine's load. With ``--against DIR`` (another checkout of the app, e.g. a worktree of an older commit) the
launch to the saved map and a fresh process's reading of the preview (the numpy-only reader the map waits for) are
also timed in DIR's code, alternating with this tree's.

    python bench/map_launch.py [--checkpoint trained/vae-mnist5k.safetensors] [--repeats 5] [--against DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHOWN = "map shown"
TIMEOUT_S = 300


def child(path: str) -> None:
    """Run the app as ``main.py PATH`` does (offscreen) and say when the UMAP map of ``path`` is painted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from explorer.gui import app
    from explorer.gui.widgets.latent_scatter import LatentScatter

    paint = LatentScatter.paintEvent

    def paint_and_report(scatter, event) -> None:
        paint(scatter, event)
        panel = getattr(scatter.window(), "map_panel", None)
        if len(scatter.points) and panel is not None and panel.status.text().startswith("UMAP ·"):
            print(SHOWN, flush=True)
            os._exit(0)  # what follows the map is not measured

    LatentScatter.paintEvent = paint_and_report
    sys.exit(app.run(path))


PREVIEW_READ = ("import sys, time; start = time.perf_counter(); from explorer.io.preview import read_preview; "
                "read_preview(sys.argv[1]); print(time.perf_counter() - start, 'torch' in sys.modules)")


def preview_read(path: str, root: Path) -> tuple[float, bool]:
    """A fresh process of the app at ``root``: seconds to import the preview reader and read ``path``'s preview,
    and whether that imported torch."""
    out = subprocess.run([sys.executable, "-c", PREVIEW_READ, path], cwd=root, capture_output=True, text=True,
                         check=True, timeout=TIMEOUT_S).stdout.split()
    return float(out[0]), out[1] == "True"


def launch(path: str, home: str, root: Path = ROOT) -> float:
    """Seconds from starting the app's process (the app at ``root``) to the UMAP map of ``path`` painted."""
    command = [sys.executable, str(root / "bench" / "map_launch.py"), "--child", path]
    env = dict(os.environ, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home)  # the user's settings and recent files alone
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=root,
                               env=env)
    try:
        for line in process.stdout:
            if line.strip() == SHOWN:
                return time.perf_counter() - start
        raise RuntimeError(f"the app exited ({process.wait()}) before showing the map of {path}")
    finally:
        process.kill()
        process.wait()


def mapless_copy(path: str, out: Path) -> str:
    """``path`` as saved before maps were computed at save: a PCA in the preview, no map metadata."""
    from explorer.analysis.projection import project
    from explorer.io.checkpoint import load_checkpoint, save_checkpoint

    checkpoint = load_checkpoint(path)
    preview = checkpoint.preview
    preview.projection = project(preview.means, "pca").points
    preview.map_info = preview.map_head = None
    save_checkpoint(out, checkpoint.model, checkpoint.meta, preview, checkpoint.optimizer_state)
    return str(out)


def worker_fits(means) -> tuple[float, float]:
    """A fresh map worker: seconds to the first UMAP map of ``means`` from its start, and to a refit."""
    from explorer.analysis.projection_worker import ProjectionWorker

    worker = ProjectionWorker()
    try:
        start = time.perf_counter()
        worker.start()
        worker.fit(means, "umap")
        first = time.perf_counter() - start
        start = time.perf_counter()
        worker.fit(means, "umap", seed=1)
        return first, time.perf_counter() - start
    finally:
        worker.close()


def placing_ms(path: str, repeats: int = 50) -> float:
    """Median milliseconds to place one new item of ``path``'s kind on its map (encode it, then the map head): an
    image as dropped on the window, or a sentence as typed."""
    from explorer.analysis.explore import ModelExplorer
    from explorer.io.checkpoint import load_checkpoint

    explorer = ModelExplorer(load_checkpoint(path))
    times = []
    for i in range(repeats):
        item = explorer.items([i])  # a preview image, or a preview sentence as text
        start = time.perf_counter()
        explorer.project_new(explorer.encode_items(item))
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(ROOT / "trained" / "vae-mnist5k.safetensors"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout of the app to time side by side")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from bench.report import machine, write_section
    from explorer.io.preview import read_preview

    meta, preview = read_preview(args.checkpoint)
    if not preview.map_info or preview.map_info.get("method") != "umap":
        raise SystemExit(f"{args.checkpoint} carries no UMAP map: run `make maps` first")
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {"saved": [], "fitted": [], "first": [], "refit": []}
    against: dict[str, list] = {"saved": [], "read": [], "read_torch": [], "this_read": [], "this_read_torch": []}
    with tempfile.TemporaryDirectory() as folder:
        mapless = mapless_copy(args.checkpoint, Path(folder) / "mapless.safetensors")
        launch(args.checkpoint, folder)  # the file cache warm, unmeasured
        for repeat in range(args.repeats):
            times["saved"].append(launch(args.checkpoint, folder))
            times["fitted"].append(launch(mapless, folder))
            first, refit = worker_fits(preview.means)
            times["first"].append(first)
            times["refit"].append(refit)
            if args.against:
                against["saved"].append(launch(args.checkpoint, folder, args.against))
                for key, root in (("read", args.against), ("this_read", ROOT)):
                    seconds, torch_imported = preview_read(args.checkpoint, root)
                    against[key].append(seconds)
                    against[f"{key}_torch"].append(torch_imported)
            print(f"run {repeat + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
    sentences = ROOT / "trained" / "sentence-vae-wordnet.safetensors"
    placing = {"image": placing_ms(args.checkpoint)}
    if sentences.exists():
        placing["sentence"] = placing_ms(str(sentences))
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    median = {name: statistics.median(values) for name, values in times.items()}
    spread = {name: f"{min(values):.2f}–{max(values):.2f}" for name, values in times.items()}
    name = Path(args.checkpoint).name
    n, dims = preview.means.shape
    body = f"""
## Launch to the map (`bench/map_launch.py`)

Machine: {machine()}; shared with other engineers' jobs and a background training while this ran ({load}), so
absolute times are inflated and noisy; the ratios are measured side by side (the variants alternate). {name}: {n} preview items,
{dims}-dimensional latents, map head R² {preview.map_info.get('r2', float('nan')):.3f} on held-out latents. Medians of
{args.repeats} (range in brackets); whole processes, from the command to the drawn map, offscreen.

| measure | median | target |
|---|---|---|
| launch to the UMAP map saved in the checkpoint | **{median['saved']:.2f} s** ({spread['saved']}) | < 3 s |
| launch to the UMAP map of the same model saved without one (fitted after launch) | {median['fitted']:.2f} s ({spread['fitted']}) | |
| map in the file vs fitted after launch | **{median['fitted'] / median['saved']:.1f}x sooner** | |
| UMAP of the preview in a fresh map worker: first fit, from the worker's start | {median['first']:.2f} s ({spread['first']}) | |
| UMAP of the preview, refit in the same worker | {median['refit']:.2f} s ({spread['refit']}) | |
""" + "".join(f"| placing a new {kind} on the map (encode + map head), median of 50 | **{ms:.1f} ms** | < 100 ms |\n"
              for kind, ms in placing.items()) + """

The worker imports umap-learn and loads numba's compiled code from its on-disk cache once per launch; a fit after
that costs the fit and the map head. On a machine whose cache is cold the first fit also compiles (20–55 s, once).
"""
    if args.against:
        commit = subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=args.against, capture_output=True,
                                text=True).stdout.strip()[:90]
        then = {key: statistics.median(values) for key, values in against.items() if "torch" not in key}
        body += f"""
Side by side with the app at `{commit}` (the same runs, alternating):

| measure | this tree | that tree | ratio |
|---|---|---|---|
| launch to the UMAP map saved in the checkpoint | {median['saved']:.2f} s | {then['saved']:.2f} s | **{then['saved'] / median['saved']:.2f}x** |
| a fresh process imports the preview reader and reads the preview | {then['this_read']:.2f} s (torch imported: {any(against['this_read_torch'])}) | {then['read']:.2f} s (torch imported: {any(against['read_torch'])}) | **{then['read'] / then['this_read']:.2f}x** |
"""
    print(body)
    print(f"wrote {write_section('map_launch', body)}")


if __name__ == "__main__":
    main()
