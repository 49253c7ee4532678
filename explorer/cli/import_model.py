"""``import``: a model trained elsewhere (an ONNX pair's or a pythae model's folder) saved as our checkpoint, with
its preview set, UMAP map and map head, so that it opens anywhere with no dependency on where it came from."""
from __future__ import annotations

from explorer.cli.arguments import MAX_MESSAGE_CHARS, data_args
from explorer.errors import CheckpointError
from explorer.io.display import printable
from explorer.io.map_meta import DEFAULT_METHOD, METHODS


def add_parser(commands) -> None:
    command = commands.add_parser("import", help="save a model trained elsewhere as a checkpoint")
    command.add_argument("folder", help="an ONNX pair's folder (encoder.onnx, decoder.onnx, model.json) or a pythae "
                                        "model's (model_config.json, model.pt)")
    command.add_argument("--out", required=True, help="the checkpoint to write (.safetensors)")
    command.add_argument("--dataset", help="the named image dataset of its preview set (default: the one its folder "
                                           "names)")
    command.add_argument("--map", choices=[m for m in METHODS if m != "latent"], default=DEFAULT_METHOD,
                         help=f"how the preview set is mapped (default: {DEFAULT_METHOD}, as a run's final save)")
    data_args(command)


def run(args) -> int:
    from explorer.atomic import check_output_path
    from explorer.importers.opening import imported_folder, open_model, save_imported

    check_output_path(args.out, "checkpoint")
    if imported_folder(args.folder) is None:
        raise CheckpointError(f"{args.folder} is not a model folder: expected an ONNX pair's or a pythae model's")
    written = save_imported(open_model(args.folder, args.dataset, args.data_dir, args.download), args.out,
                            args.map)
    print(f"wrote {printable(written, MAX_MESSAGE_CHARS)}")
    return 0
