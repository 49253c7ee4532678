"""The files that make a model folder from elsewhere, torch-free: the window checks a dropped path against them
before anything heavy loads."""

ONNX_ENCODER, ONNX_DECODER, ONNX_SIDECAR = "encoder.onnx", "decoder.onnx", "model.json"
PYTHAE_CONFIG, PYTHAE_ENVIRONMENT, PYTHAE_WEIGHTS = "model_config.json", "environment.json", "model.pt"
PYTHAE_NETS = {"encoder": "encoder.pkl", "decoder": "decoder.pkl"}
MEMBER_FILES = frozenset({ONNX_ENCODER, ONNX_DECODER, ONNX_SIDECAR, PYTHAE_CONFIG, PYTHAE_ENVIRONMENT, PYTHAE_WEIGHTS,
                          *PYTHAE_NETS.values()})
