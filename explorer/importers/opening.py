"""The one door to a model, whatever a path holds: our checkpoint file, or a folder (or a file in it) of a model
trained elsewhere, which gets a preview set from its named dataset, a PCA map and its test figures, as a
checkpoint carries them. ``save_imported`` writes such a model as our checkpoint with its UMAP map."""
from __future__ import annotations

from pathlib import Path

from explorer.errors import CheckpointError, DataError
from explorer.importers import onnx_folder, pythae_folder
from explorer.importers.formats import MEMBER_FILES, is_embeddings_path
from explorer.io.checkpoint import Checkpoint, load_checkpoint, read_metadata

FOLDER_FORMATS = ("an ONNX pair (encoder.onnx, decoder.onnx, model.json)",
                  "a pythae model (model_config.json, model.pt)")


def imported_folder(path) -> Path | None:
    """The folder of a model trained elsewhere that ``path`` names (the folder, or one of its files); None for
    anything else (a checkpoint file)."""
    path = Path(path)
    if path.is_dir():
        folder = path
    elif path.name in MEMBER_FILES and path.parent.is_dir():
        folder = path.parent
    else:
        return None
    if onnx_folder.is_onnx_folder(folder) or pythae_folder.is_pythae_folder(folder):
        return folder
    raise CheckpointError(f"{folder} is a folder, but not a model: expected {' or '.join(FOLDER_FORMATS)}")


def _read_folder(folder: Path):
    """(model, dataset id, label) of an imported model's folder."""
    if onnx_folder.is_onnx_folder(folder):
        model, sidecar = onnx_folder.read_onnx_folder(folder)
        return model, sidecar.dataset, sidecar.label or f"ONNX pair {folder.name}"
    model, source = pythae_folder.read_pythae_folder(folder)
    return model, None, f"pythae {source} {folder.name}"


def describe_model(path) -> dict:
    """A model's metadata without its data: the checkpoint's header, or what an imported folder declares (for an
    embeddings file: what its points carry, under ``embeddings``)."""
    if is_embeddings_path(path):
        from explorer.importers.embeddings import describe_embeddings

        return describe_embeddings(path)
    folder = imported_folder(path)
    if folder is None:
        return read_metadata(path)
    from explorer.data.registry import dataset_of_shape

    model, dataset_id, label = _read_folder(folder)
    shape = list(model.config["input_shape"])
    dataset = {"id": dataset_id or dataset_of_shape(shape), "domain": model.domain, "shape": shape}
    return {"label": label, "model_config": model.config, "dataset": dataset, "history": [], "metrics": {}}


def open_model(path, dataset: str | None = None, data_dir=None, download: bool = False) -> Checkpoint:
    """The Checkpoint of ``path``: a checkpoint file as it is; an imported model with a preview set drawn from
    ``dataset`` (default: the one its folder names)."""
    if is_embeddings_path(path):
        raise CheckpointError(f"{path} holds embeddings only, with no model to evaluate or export from: open it in "
                              "the app for its map (or see what it holds with info)")
    folder = imported_folder(path)
    if folder is None:
        return load_checkpoint(path)
    model, dataset_id, label = _read_folder(folder)
    from explorer.data.registry import dataset_of_shape

    dataset_id = dataset or dataset_id or dataset_of_shape(model.config["input_shape"])
    if dataset_id is None:
        raise DataError(f"{folder} does not say which images it was trained on and no named dataset holds "
                        f"{list(model.config['input_shape'])} images")
    return imported_checkpoint(model, _image_data(dataset_id, model, data_dir, download), label)


def _image_data(dataset_id: str, model, data_dir, download: bool):
    from explorer.data.registry import dataset_domain, is_named_dataset, load_dataset

    if dataset_domain(dataset_id) != "image" or not is_named_dataset(dataset_id):
        raise DataError(f"dataset {dataset_id[:100]!r} is not a named image dataset")
    data = load_dataset(dataset_id, data_dir, download)
    if list(data.shape) != list(model.config["input_shape"]):
        raise DataError(f"dataset {dataset_id!r} holds images of shape {list(data.shape)}; the model takes "
                        f"{list(model.config['input_shape'])}")
    return data


def imported_checkpoint(model, dataset, label: str) -> Checkpoint:
    """An imported model as a checkpoint without a file: the preview set of its dataset's held-out items, their
    PCA map (the app fits UMAP in the background, as for any file without one) and its test figures."""
    from explorer.analysis.metrics import evaluate
    from explorer.analysis.preview import SNAPSHOT_METHOD, encode_preview, preview_map, set_map
    from explorer.training.run import to_jsonable

    model.eval()
    preview = encode_preview(model, dataset.test)
    set_map(preview, preview_map(preview.means, SNAPSHOT_METHOD))
    meta = {"label": label, "dataset": dataset.describe(), "train_config": {}, "history": [],
            "metrics": to_jsonable(evaluate(model, dataset.test)), "model_config": model.config}
    return Checkpoint(model=model, meta=meta, preview=preview)


def save_imported(checkpoint: Checkpoint, out, method: str | None = None, worker=None) -> Path:
    """Write an opened model as our checkpoint, with the map of its preview set by ``method`` (default UMAP, as
    a run's final save) and its map head, through the checkpoint's own save (atomic, checked as a loaded file
    is)."""
    from explorer.analysis.preview import preview_map, set_map
    from explorer.analysis.projection import DEFAULT_METHOD
    from explorer.io.checkpoint import save_checkpoint

    preview, method = checkpoint.preview, method or DEFAULT_METHOD
    if (preview.map_info or {}).get("method") != method:
        set_map(preview, preview_map(preview.means, method, worker))
    return save_checkpoint(out, checkpoint.model, checkpoint.meta, preview)
