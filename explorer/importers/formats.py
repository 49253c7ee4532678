"""The files that make a model folder from elsewhere, and the files of embeddings alone, torch-free: the window
checks a dropped path against them before anything heavy loads."""
from pathlib import Path

ONNX_ENCODER, ONNX_DECODER, ONNX_SIDECAR = "encoder.onnx", "decoder.onnx", "model.json"
PYTHAE_CONFIG, PYTHAE_ENVIRONMENT, PYTHAE_WEIGHTS = "model_config.json", "environment.json", "model.pt"
PYTHAE_NETS = {"encoder": "encoder.pkl", "decoder": "decoder.pkl"}
PROJECTOR_TENSORS, PROJECTOR_METADATA = "tensors.tsv", "metadata.tsv"
EMBEDDING_SUFFIXES = (".npy", ".npz", ".parquet")  # a file of vectors; besides them, a Projector TSV pair
MEMBER_FILES = frozenset({ONNX_ENCODER, ONNX_DECODER, ONNX_SIDECAR, PYTHAE_CONFIG, PYTHAE_ENVIRONMENT, PYTHAE_WEIGHTS,
                          *PYTHAE_NETS.values()})


def is_embeddings_path(path) -> bool:
    """A file of embeddings alone (vectors, labels, maybe a map: no model), or a folder of Projector's files."""
    path = Path(path)
    if path.is_dir():
        return (path / PROJECTOR_TENSORS).is_file()
    return path.name in (PROJECTOR_TENSORS, PROJECTOR_METADATA) or path.suffix.lower() in EMBEDDING_SUFFIXES
