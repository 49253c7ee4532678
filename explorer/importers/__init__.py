"""Models trained elsewhere, opened as a LatentModel with a preview set: ONNX pairs (``onnx_folder``) and pythae
model folders (``pythae_folder``). ``opening.open_model`` is the one door: File ▸ Open and the CLI's info, evaluate
and export give it a path and get a Checkpoint, whatever the path holds. Files of embeddings alone (``embeddings``:
Projector TSV pairs, .npy, .npz, parquet tables) have no model: the window shows their points on the map."""
