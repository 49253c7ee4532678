"""What the window opens and saves: our checkpoint files, models from elsewhere named by their folder or a file in
it (explorer.importers), which have no file of ours to save into and no map to draw before they load, and files of
embeddings alone (points for the map, no model)."""
from __future__ import annotations

from pathlib import Path

from explorer.importers.formats import MEMBER_FILES, is_embeddings_path

OPEN_FILTER = ("Models and embeddings (*.safetensors encoder.onnx model_config.json tensors.tsv metadata.tsv *.npy "
               "*.npz *.parquet);;Checkpoints (*.safetensors);;ONNX pairs (encoder.onnx);;pythae models "
               "(model_config.json);;Embeddings (tensors.tsv metadata.tsv *.npy *.npz *.parquet)")


def is_checkpoint_file(path) -> bool:
    return Path(path).suffix == ".safetensors"


def checkpoint_name(path: str | None) -> str:
    """What Save As proposes: the file's own name, or a model from elsewhere's folder name as a checkpoint."""
    if not path:
        return "model.safetensors"
    if is_checkpoint_file(path):
        return Path(path).name
    folder = Path(path) if Path(path).is_dir() else Path(path).parent
    return f"{folder.name}.safetensors"


def droppable(path: str) -> bool:
    """A checkpoint, a folder (or a file in one) of a model trained elsewhere, or a file of embeddings."""
    return bool(path) and (is_checkpoint_file(path) or Path(path).is_dir() or Path(path).name in MEMBER_FILES
                           or is_embeddings_path(path))
