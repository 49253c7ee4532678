"""What the window opens and saves: our checkpoint files, and models from elsewhere named by their folder or a
file in it (explorer.importers), which have no file of ours to save into and no map to draw before they load."""
from __future__ import annotations

from pathlib import Path

from explorer.importers.formats import MEMBER_FILES

OPEN_FILTER = ("Models (*.safetensors encoder.onnx model_config.json);;Checkpoints (*.safetensors);;"
               "ONNX pairs (encoder.onnx);;pythae models (model_config.json)")


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
    """A checkpoint, or a folder (or a file in one) of a model trained elsewhere."""
    return bool(path) and (is_checkpoint_file(path) or Path(path).is_dir() or Path(path).name in MEMBER_FILES)
