"""The maps the shipped models carry: how each was computed and how faithfully its map head places latents it was
not fitted on (R² on the held-out fifth of the preview set). Read from the files' metadata, nothing recomputed.

    python bench/map_heads.py   (after `make maps` or `make shipped-models`)
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from bench.report import write_section
    from explorer.analysis.projection import METHODS
    from explorer.io.checkpoint import read_metadata

    rows = []
    for path in sorted((ROOT / "trained").glob("*.safetensors")):
        meta = read_metadata(path)
        info = meta.get("map") or {}
        if not info:
            rows.append(f"| {path.name} | no map (run `make maps`) | | |")
            continue
        params = ", ".join(f"{k} {v}" for k, v in info.get("params", {}).items())
        how = f" ({params}; seed {info.get('seed')})" if params else ""
        head = info.get("head") or {}
        shape = (" → ".join(str(w) for w in [head.get("input_dim"), *head.get("hidden", []), 2]) if head
                 else "none: the latent is its own map")
        r2 = "—" if info.get("r2") is None else f"**{info['r2']:.3f}**"
        rows.append(f"| {path.name} | {METHODS.get(info['method'], info['method'])}{how} | {shape} | {r2} |")
    body = """
## Map heads of the shipped models (`bench/map_heads.py`)

Each shipped checkpoint carries the map of its preview set and a map head, the MLP that places new latents (typed
sentences, dropped images, paths, analogies) on it. R² is the head's on the fifth of the preview items held out of
its fit (1 = placed exactly where the map put them).

| checkpoint | map | head (latent → hidden → 2) | R² held out |
|---|---|---|---|
""" + "\n".join(rows)
    print(body)
    print(f"wrote {write_section('map_heads', body, doc='QUALITY.md')}")


if __name__ == "__main__":
    main()
