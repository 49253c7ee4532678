"""What a checkpoint's map metadata may name: the map methods and the map head's tensors, declared beside the
schema that checks them (the code that computes maps lives in explorer.analysis)."""
from __future__ import annotations

METHODS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE", "latent": "Latent (2-D)"}  # id -> the name shown
DEFAULT_METHOD = "umap"
FILE_MAP = "file"  # the map an embeddings file carries: its own (x, y), never computed nor saved here
SHOWN_METHODS = {**METHODS, FILE_MAP: "The file's (x, y)"}  # every map the window can show


def head_tensor_shapes(config: dict) -> dict[str, tuple[int, ...]]:
    """The shape of every weight a map head with this config has: standardisation of its input and output and one
    weight matrix and bias per layer."""
    widths = [int(config["input_dim"]), *(int(w) for w in config["hidden"]), 2]
    shapes = {"in_shift": (widths[0],), "in_scale": (widths[0],), "out_shift": (2,), "out_scale": (2,)}
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        shapes[f"w{i}"] = (fan_in, fan_out)
        shapes[f"b{i}"] = (fan_out,)
    return shapes
