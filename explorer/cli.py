"""Command-line front: train, evaluate, export and info over the same core functions the GUI uses.

Exit codes: 0 on success, 2 for a user error (one line on stderr, no traceback).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import sys
import threading
import time

from pathlib import Path

import numpy as np

from explorer.errors import ConfigError, DataError, ExplorerError
from explorer.io.display import printable
from explorer.limits import (MAX_BATCH, MAX_BEAM_WIDTH, MAX_CLASSES, MAX_EPOCHS, MAX_GRID_SCALE, MAX_HIDDEN,
                             MAX_ITEMS, MAX_LATENT_DIM, MAX_LAYERS, MAX_NLL_SAMPLES, MAX_PATH_STEPS, MAX_SEED,
                             MAX_SENTENCE_CHARS, MAX_SEQ_LEN, MAX_STEPS, MAX_TEMPERATURE, MAX_VOCAB, check_range)

COMMANDS = ("train", "evaluate", "export", "info")
EXPORT_WHAT = ("samples", "reconstructions", "traversal", "interpolation", "manifold", "latents", "curves",
               "history")
MAX_MESSAGE_CHARS = 2000
_INDEX = re.compile(r"-?[0-9]+")  # ASCII digits only: int() also reads other scripts' digits, isdigit() superscripts

class OneLineErrors(argparse.ArgumentParser):
    """A mistyped argument is reported like every other user error: one line on stderr, exit status 2."""

    def error(self, message: str):
        self.exit(2, f"error: {printable(message, MAX_MESSAGE_CHARS)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="latent-explorer", description="Train and explore VAEs.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model and save a checkpoint (and a run folder)",
                                argument_default=argparse.SUPPRESS)
    _option_args(train)
    train.add_argument("--preset", help="start from a named preset (resources/presets); flags given beside it win")
    train.add_argument("--out", help="checkpoint to write (.safetensors); default: DIR/checkpoint.safetensors")
    train.add_argument("--run-dir", help="write the run folder DIR: run.json, events.jsonl and the checkpoint")
    train.add_argument("--resume", help="continue training this checkpoint (with its optimizer state and settings)")
    train.add_argument("--control", choices=("stdin",),
                       help="take pause / resume / stop commands on stdin (end of input stops and saves)")
    train.add_argument("--events", choices=("stdout",), help="print events as JSON lines on stdout")
    train.add_argument("--low-priority", action="store_true",
                       help="train below interactive programs' CPU priority (the app starts its runs so: the window "
                            "stays smooth and the run gets every cycle it leaves)")

    evaluate = commands.add_parser("evaluate", help="metrics of a checkpoint on its test split")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--dataset", help="the data to evaluate on (default: the checkpoint's own dataset when it "
                                            "is a named one; a text:PATH corpus is only read when named here)")
    evaluate.add_argument("--nll-samples", type=int, default=0, help="importance samples K for IW-NLL")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    _data_args(evaluate)

    export = commands.add_parser("export", help="write samples, grids, latents or curves")
    export.add_argument("checkpoint")
    export.add_argument("--what", choices=EXPORT_WHAT, required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--n", type=int, default=64, help="samples / reconstructions: how many")
    export.add_argument("--ncols", type=int, help="grid columns")
    export.add_argument("--steps", type=int, default=10, help="interpolation / traversal steps")
    export.add_argument("--method", choices=("lerp", "slerp"), default="lerp")
    export.add_argument("--mode", choices=("sigma", "quantiles", "data"), default="sigma",
                        help="traversal range: ±k·σ, prior quantiles 0.05-0.95, or the data's range")
    export.add_argument("--k", type=float, default=3.0, help="traversal: ±k for --mode sigma")
    export.add_argument("--dims", help="traversal: dims, comma separated (default: the 10 with most KL); manifold: "
                                       "two dims (default: the two with most KL)")
    export.add_argument("--from", dest="source",
                        help="start: a preview item index, or for text models a sentence")
    export.add_argument("--to", dest="target", help="interpolation end: a preview index or a sentence")
    export.add_argument("--class", dest="class_index", type=int, help="conditional models: the class")
    export.add_argument("--component", type=int, help="manifold of a mixture prior: the component (default 0)")
    export.add_argument("--category", help="models with categorical latents: fix each variable's category "
                                           "(comma separated, one per variable) in samples, traversals and the "
                                           "manifold")
    export.add_argument("--temperature", type=float, default=1.0)
    export.add_argument("--seed", type=int, default=0)
    export.add_argument("--scale", type=int, default=2, help="image grids: pixel upscaling")
    export.add_argument("--decode", choices=("greedy", "beam", "sample"), default="greedy")
    export.add_argument("--beam-width", type=int, default=5)
    export.add_argument("--top-k", type=int, default=0)
    export.add_argument("--top-p", type=float, default=1.0)
    export.add_argument("--repetition-penalty", type=float, default=1.0)
    export.add_argument("--allow-unk", action="store_true", help="text: let sentences contain <unk>")
    export.add_argument("--beside", metavar="CHECKPOINT",
                        help="text interpolation: another model of the same corpus (e.g. the sentence AE beside "
                             "the VAE) whose homotopy between the same two sentences is written beside")

    info = commands.add_parser("info", help="what a checkpoint holds")
    info.add_argument("checkpoint")
    info.add_argument("--json", action="store_true")
    return parser

def _option_args(parser: argparse.ArgumentParser) -> None:
    """One flag per declared option (explorer.training.options), grouped as the app's form groups them."""
    from explorer.training.options import all_options

    groups = {}
    for option in all_options():
        section = groups.get(option.section) or groups.setdefault(
            option.section, parser.add_argument_group(f"{option.section} settings"))
        default = "auto" if option.default is None else option.default
        where = f" [{', '.join(option.kinds)}]" if option.kinds else ""
        text = f"{option.help}{where} (default: {default})".replace("%", "%%")
        if option.type == "bool":
            section.add_argument(*option.flags, dest=option.name, action=argparse.BooleanOptionalAction, help=text)
        elif option.type == "choice":
            section.add_argument(*option.flags, dest=option.name, choices=option.choices, help=text)
        elif option.repeatable:  # --discrete 10,3 or --discrete 10 --discrete 3
            section.add_argument(*option.flags, dest=option.name, action="append", metavar=option.name.upper(),
                                 help=text)
        else:
            # Parsed and bounded with the run's other settings (explorer.training.options.complete), so a bad
            # value gets the same message here, in the app's form and in a preset.
            section.add_argument(*option.flags, dest=option.name, metavar=option.name.upper(), help=text)


def _data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="folder holding the dataset files")
    parser.add_argument("--download", action="store_true", help="fetch MNIST / Fashion-MNIST once from OpenML")

# The bounds of every numeric option, by command: (low, high), integers where low is an int.
_EXPLORE_BOUNDS = {
    "n": (1, MAX_ITEMS), "ncols": (1, MAX_ITEMS), "steps": (1, MAX_PATH_STEPS), "k": (0.0, 1000.0),
    "class_index": (0, MAX_CLASSES - 1), "component": (0, MAX_CLASSES - 1), "temperature": (0.0, MAX_TEMPERATURE),
    "seed": (0, MAX_SEED),
    "scale": (1, MAX_GRID_SCALE), "beam_width": (1, MAX_BEAM_WIDTH), "top_k": (0, MAX_VOCAB), "top_p": (1e-6, 1.0),
    "repetition_penalty": (1e-3, 100.0),
}
ARGUMENT_BOUNDS = {
    "evaluate": {"nll_samples": (0, MAX_NLL_SAMPLES)},
    "export": _EXPLORE_BOUNDS,
}


def check_arguments(args) -> None:
    """Every bounded option within its bounds, before anything is loaded or allocated."""
    for dest, (low, high) in ARGUMENT_BOUNDS.get(args.command, {}).items():
        value = getattr(args, dest, None)
        if value is not None:
            flag = {"class_index": "--class"}.get(dest, "--" + dest.replace("_", "-"))
            check_range(flag, value, low, high, integer=isinstance(low, int))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its one-line usage error (or the help)
        return int(exc.code or 0)
    args.argv = argv
    try:
        check_arguments(args)
        return {"train": cmd_train, "evaluate": cmd_evaluate, "export": cmd_export, "info": cmd_info}[args.command](args)
    except ExplorerError as exc:
        print(f"error: {printable(exc, MAX_MESSAGE_CHARS)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130

# train
TRAIN_FLAGS = ("command", "argv", "preset", "out", "run_dir", "resume", "control", "events", "low_priority")


def spec_from_args(args) -> "RunSpec":
    from explorer.training.presets import preset
    from explorer.training.run import RunSpec

    given = {key: value for key, value in vars(args).items() if key not in TRAIN_FLAGS}
    values = dict(preset(args.preset).options, **given) if getattr(args, "preset", None) else given
    out, run_dir = getattr(args, "out", None), getattr(args, "run_dir", None)
    if out is None and not run_dir:
        raise ConfigError("train needs --out FILE.safetensors or --run-dir DIR (or both)")
    if out is not None:
        from explorer.io.atomic import check_output_path

        check_output_path(out, "checkpoint")
    return RunSpec.create(out=out, run_dir=run_dir, resume=getattr(args, "resume", None), **values)


def _int_list(text: str, name: str, low: int, high: int, max_count: int) -> list[int]:
    """Comma-separated integers, each within [low, high], at most ``max_count`` of them."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(_INDEX.fullmatch(part) for part in parts):
        raise ConfigError(f"{name} expects integers separated by commas, got {printable(text, 60)!r}")
    if not parts:
        raise ConfigError(f"{name} is empty")
    if len(parts) > max_count:
        raise ConfigError(f"{name} lists {len(parts)} values, above the limit of {max_count}")
    return [check_range(name, int(part), low, high, integer=True) for part in parts]

def cmd_train(args) -> int:
    if getattr(args, "low_priority", False):
        from explorer.priority import TRAINING_NICE, lower_priority

        lower_priority(TRAINING_NICE)
    main_rank = os.environ.get("RANK", "0") == "0"
    if main_rank:  # the final save's map worker warms up on the core that importing torch and loading data leave idle
        from explorer.analysis.projection_worker import shared_worker

        shared_worker().start()
    from explorer.training.control import StdinControl, stop_on_termination
    from explorer.training.events import EndEvent
    from explorer.training.run import TrainingRun, checkpoint_in
    from explorer.training.run_folder import RunFolder, now_iso

    spec = spec_from_args(args)
    folder = None
    if spec.run_dir and main_rank:
        folder = RunFolder.create(spec.run_dir, spec.options, args.argv, spec.resume)
        if spec.out:
            folder.update(checkpoint=str(Path(spec.out).resolve()))
    sink = EventSink(folder, json_lines=getattr(args, "events", None) == "stdout", human=main_rank)
    run = TrainingRun(spec, on_event=sink, checkpoint_path=checkpoint_in(spec.run_dir, spec.out))
    if getattr(args, "control", None) == "stdin":
        StdinControl(Controller(run, sink).command).start()
    stop_on_termination(run.request_stop)
    try:
        with stop_on_first_interrupt(run):
            run.prepare()
            if folder is not None:
                folder.update(status="running", options=run.options)
            run.execute()
    except BaseException as exc:
        message = str(exc) if isinstance(exc, ExplorerError) else f"{type(exc).__name__}: {exc}"
        sink(EndEvent("failed", message))
        if folder is not None:
            folder.update(status="failed", message=message, ended=now_iso())
        raise
    finally:
        sink.close()
    if not main_rank:
        return 0
    snapshot = run.last_snapshot
    metrics = snapshot.checkpoint.metrics
    status = "stopped" if snapshot.checkpoint.meta.get("stopped_early") else "finished"
    sink(EndEvent(status, metrics={k: metrics.get(k) for k in ("elbo", "recon", "kl", "active_units")}))
    if folder is not None:
        folder.update(status=status, ended=now_iso())
        folder.close()
    if not sink.json_lines:
        stopped = " (stopped early)" if status == "stopped" else ""
        print(f"saved {snapshot.path}{stopped}: test -ELBO {metrics['elbo']:.2f} nats, KL {metrics['kl']:.2f}, "
              f"active units {metrics['active_units']}/{run.model.latent_layout.continuous}")
    return 0


class Controller:
    """Commands from the control channel, applied to the run and echoed as state events."""

    def __init__(self, run, sink):
        self.run, self.sink = run, sink

    def command(self, name: str) -> None:
        from explorer.training.events import StateEvent

        if name == "pause":
            self.run.pause()
            self.sink(StateEvent("paused"))
        elif name == "resume":
            self.run.resume()
            self.sink(StateEvent("running"))
        else:
            self.sink(StateEvent("stopping"))
            self.run.request_stop()


@contextlib.contextmanager
def stop_on_first_interrupt(run):
    """The first Ctrl+C asks the run to stop after the current step (the model is then evaluated and saved);
    a second one interrupts at once."""
    previous = signal.getsignal(signal.SIGINT)

    def request_stop(signum, frame):
        print("\nstopping after this step and saving (Ctrl+C again to abort)", file=sys.stderr)
        run.request_stop()
        signal.signal(signal.SIGINT, previous)

    installed = threading.current_thread() is threading.main_thread()
    if installed:
        signal.signal(signal.SIGINT, request_stop)
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGINT, previous)


class EventSink:
    """Where a run's events go: the run folder's events.jsonl (rank 0), JSON lines on stdout (for the app), or a
    progress bar and one line per epoch (for a person). Step events are written in batches, a few a second."""

    BATCH_SECONDS = 0.25

    def __init__(self, folder=None, json_lines: bool = False, human: bool = True):
        self.folder, self.json_lines = folder, json_lines
        self.progress = EpochProgress() if human and not json_lines else None
        self._steps: list = []
        self._last_flush = 0.0
        self._lock = threading.Lock()

    def __call__(self, event) -> None:
        from explorer.training.events import StepEvent, event_to_json

        with self._lock:
            if self.progress is not None:
                self.progress(event)
            if isinstance(event, StepEvent):
                self._steps.append(event)
                if time.monotonic() - self._last_flush >= self.BATCH_SECONDS:
                    self._flush()
                return
            self._flush()
            self._write(event_to_json(event))

    def _flush(self) -> None:
        from explorer.training.events import events_to_json

        self._last_flush = time.monotonic()
        if self._steps:
            line, self._steps = events_to_json(self._steps), []
            self._write(line)

    def _write(self, line: str) -> None:
        if self.folder is not None:
            self.folder.append(line)
        if self.json_lines:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def close(self) -> None:
        with self._lock:
            self._flush()
        if self.progress is not None:
            self.progress.close()


class EpochProgress:
    """A tqdm bar over each epoch's steps on stderr, and one line per epoch on stdout."""

    def __init__(self):
        self._bar = None

    def __call__(self, event) -> None:
        from explorer.training.events import EpochEvent, StartEvent, StepEvent

        if isinstance(event, StartEvent):
            print(f"training {event.label} ({event.latent_dim} latent dims) on {event.dataset}: {event.train_size} "
                  f"train / {event.test_size} test, device {event.device}"
                  + (f", {event.world_size} ranks" if event.world_size > 1 else ""), flush=True)
        elif isinstance(event, StepEvent):
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=event.steps_per_epoch, desc=f"epoch {event.epoch}", leave=False,
                                 unit="step", file=sys.stderr, disable=None)
            self._bar.n = event.step
            self._bar.set_postfix({name: f"{value:.2f}" for name, value in event.scalars.items()
                                   if value is not None} | {"ex/s": f"{event.examples_per_s:.0f}"}, refresh=False)
            self._bar.refresh()
        elif isinstance(event, EpochEvent):
            self.close()
            r = event.record
            print(f"epoch {r['epoch']:3d}/{event.epochs}  train loss {r['train_loss']:8.2f}  "
                  f"test -ELBO {r['test_elbo']:8.2f}  recon {r['test_recon']:8.2f}  KL {r['test_kl']:6.2f}  "
                  f"AU {r['active_units']}  {r['seconds']:.1f}s", flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

# evaluate
def cmd_evaluate(args) -> int:
    from explorer.analysis.metrics import conditional_accuracy, evaluate
    from explorer.data.base import Split
    from explorer.data.registry import is_named_dataset, load_dataset
    from explorer.data.tokenizers import tokenizer_for
    from explorer.io.checkpoint import load_checkpoint
    from explorer.training.run import to_jsonable

    checkpoint = load_checkpoint(args.checkpoint)
    info = checkpoint.dataset
    dataset_id = args.dataset or info["id"]
    try:
        if not args.dataset and not is_named_dataset(dataset_id):
            raise DataError(f"its corpus {dataset_id!r} is a path recorded in the file, read only when you pass "
                            "--dataset")
        options = dict(info.get("options", {}))
        if info["domain"] == "text":  # read the corpus as the model did, with its own tokenizer
            options["tokenizer"] = tokenizer_for(info)
        dataset = load_dataset(dataset_id, args.data_dir, args.download, **options)
        _check_same_data(dataset, info)
        split, source = dataset.test, f"{dataset_id} test split ({len(dataset.test)} items)"
    except DataError as exc:
        if args.dataset:
            raise
        dataset = None
        split = _preview_split(checkpoint)
        source = f"the checkpoint's preview set ({len(split)} items; dataset not used: {exc})"
        print(f"note: evaluating on {printable(source, MAX_MESSAGE_CHARS)}", file=sys.stderr)
    tokenizer = tokenizer_for(info) if info["domain"] == "text" else None
    metrics = evaluate(checkpoint.model, split, nll_samples=args.nll_samples, tokenizer=tokenizer)
    if checkpoint.model.conditional and dataset is not None and dataset.domain == "image":
        metrics["conditional_accuracy"] = conditional_accuracy(checkpoint.model, dataset)
    metrics = to_jsonable(metrics)
    metrics["evaluated_on"] = printable(source, MAX_MESSAGE_CHARS)
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        for key, value in metrics.items():
            if key != "kl_per_dim":
                print(f"{key:>22}: {value:.4f}" if isinstance(value, float) else f"{key:>22}: {value}")
    return 0

def _check_same_data(dataset, info: dict) -> None:
    """The data loaded for a checkpoint must be the kind it was trained on: same domain and item shape, and for
    text the same vocabulary."""
    if dataset.domain != info["domain"] or list(dataset.shape) != list(info["shape"]):
        raise DataError(f"dataset {dataset.id!r} holds {dataset.domain} items of shape {list(dataset.shape)}; the "
                        f"model was trained on {info['domain']} items of shape {info['shape']}")
    if dataset.extra.get("vocab", info.get("vocab")) != info.get("vocab"):
        raise DataError(f"the corpus {dataset.id!r} does not give the checkpoint's vocabulary")


def _preview_split(checkpoint) -> "Split":
    import torch

    from explorer.data.base import Split

    preview = checkpoint.preview
    labels = torch.as_tensor(preview.labels)
    if preview.lengths is not None:
        return Split(torch.as_tensor(preview.inputs), labels, torch.as_tensor(preview.lengths))
    return Split(torch.as_tensor(preview.inputs, dtype=torch.float32).unsqueeze(1) / 255.0, labels)


# export
def cmd_export(args) -> int:
    from explorer.analysis.explore import ModelExplorer
    from explorer.io import export
    from explorer.io.checkpoint import load_checkpoint

    from explorer.io.atomic import check_output_path

    check_output_path(args.out, "export")
    checkpoint = load_checkpoint(args.checkpoint)
    out = Path(args.out)
    if args.what == "curves":
        _require_history(checkpoint, args.checkpoint)
        export.save_curves_png(out, checkpoint.history)
    elif args.what == "history":
        _require_history(checkpoint, args.checkpoint)
        export.save_history_csv(out, checkpoint.history)
    else:
        explorer = ModelExplorer(checkpoint)
        if explorer.domain_name == "text":
            explorer.decode_config = _decode_config(args)
        if args.what == "latents":
            export.save_latents(out, explorer.means, explorer.labels, explorer.projection, explorer.class_names,
                                explorer.stds)
        elif args.beside:
            _export_homotopies(explorer, args, out)
        else:
            items, ncols = _export_items(explorer, args)
            if explorer.domain_name == "text":
                export.save_sentences(out, items)
            else:
                export.save_image_grid(out, items, ncols=args.ncols or ncols, scale=args.scale)
    print(f"wrote {printable(out, MAX_MESSAGE_CHARS)}")
    return 0

def _export_homotopies(explorer, args, out: Path) -> None:
    """Two models' homotopies between the same two sentences, one column each."""
    from explorer.analysis.explore import ModelExplorer
    from explorer.analysis.homotopy import homotopies
    from explorer.io import export
    from explorer.io.checkpoint import load_checkpoint

    other = ModelExplorer(load_checkpoint(args.beside))
    if args.what != "interpolation" or explorer.domain_name != "text" or other.domain_name != "text":
        raise ConfigError("--beside compares the homotopies of two sentence models: use it with --what "
                          "interpolation on text checkpoints")
    other.decode_config = explorer.decode_config
    a, b = (_sentence_of(explorer, source) for source in (args.source or "0", args.target or "1"))
    beside = other.label if other.label != explorer.label else f"{other.label} ({Path(args.beside).name})"
    paths = homotopies({explorer.label: explorer, beside: other}, a, b, _positive(args.steps, "--steps"),
                       args.method)
    first, second = paths.values()
    if out.suffix.lower() == ".csv":
        export.save_sentences(out, first, {beside: second})
    else:
        export.save_sentences(out, [f"{x}\t{y}" for x, y in zip(first, second)])

def _sentence_of(explorer, source: str) -> str:
    """A typed sentence as it is, or the text of a preview item given by its index."""
    if source.strip().lstrip("-").isdigit():
        index = int(source)
        if not 0 <= index < len(explorer.means):
            raise ConfigError(f"preview index {index} out of range 0..{len(explorer.means) - 1}")
        return explorer.items([index])[0]
    return source

def _require_history(checkpoint, path) -> None:
    if not checkpoint.history:
        raise ConfigError(f"{path} holds no training history")

def _decode_config(args):
    from explorer.analysis.decoding import DecodeConfig

    return DecodeConfig(strategy=args.decode, beam_width=args.beam_width, temperature=args.temperature,
                        top_k=args.top_k, top_p=args.top_p, repetition_penalty=args.repetition_penalty,
                        seed=args.seed, allow_unk=args.allow_unk)

def _export_items(explorer, args):
    """The items to write and the natural number of grid columns."""
    n = _positive(args.n, "--n")
    steps = _positive(args.steps, "--steps")
    if args.what == "samples":
        if explorer.conditional and args.class_index is None:
            per_class = max(1, math.ceil(n / explorer.num_classes))
            rows = [explorer.samples(per_class, args.temperature, c, args.seed) for c in range(explorer.num_classes)]
            return _concat(rows), per_class
        return (explorer.samples(n, args.temperature, args.class_index, args.seed, _categories(explorer, args)),
                math.ceil(math.sqrt(n)))
    if args.what == "reconstructions":
        indices = np.arange(min(n, len(explorer.means)))
        inputs, recons = explorer.items(indices), explorer.reconstruct(indices)
        if explorer.domain_name == "text":
            return [f"{a}\t{b}" for a, b in zip(inputs, recons)], 2
        from explorer.io.export import pair_rows

        ncols = min(len(indices), 16)
        return pair_rows(inputs, recons, ncols)[0], ncols
    if args.what == "traversal":
        z0, cond = _latent_of(explorer, args.source, args)
        dims = (_int_list(args.dims, "--dims", 0, explorer.latent_dim - 1, MAX_PATH_STEPS) if args.dims
                else explorer.dims_by_kl[:10])
        if len(dims) * steps > MAX_ITEMS:
            raise ConfigError(f"a traversal of {len(dims)} dims x {steps} steps is {len(dims) * steps:,} decodes, "
                              f"above the limit of {MAX_ITEMS:,}")
        items, _ = explorer.traversal(z0, dims, args.mode, steps, args.k, cond)
        return items, steps
    if args.what == "manifold":
        z0, cond = _latent_of(explorer, args.source, args)
        dims = _int_list(args.dims, "--dims", 0, explorer.latent_dim - 1, 2) if args.dims else None
        if steps * steps > MAX_ITEMS:
            raise ConfigError(f"a manifold of {steps} x {steps} is {steps * steps:,} decodes, above the limit of "
                              f"{MAX_ITEMS:,}")
        items, _ = explorer.manifold(z0, dims, steps, cond, args.component)
        return items, steps
    # interpolation
    z_a, cond = _latent_of(explorer, args.source if args.source is not None else "0", args)
    z_b, _ = _latent_of(explorer, args.target if args.target is not None else _other_class(explorer), args)
    items, _ = explorer.interpolation(z_a, z_b, steps, args.method, cond)
    return items, steps

def _positive(value: int, name: str) -> int:
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value

def _categories(explorer, args) -> dict[int, int]:
    """--category: {variable: category} for a model's categorical latents."""
    if args.category is None:
        return {}
    sizes = explorer.discrete_sizes
    if not sizes:
        raise ConfigError("--category is for models with categorical latents (JointVAE); this one has none")
    picks = _int_list(args.category, "--category", 0, max(sizes) - 1, len(sizes))
    return dict(enumerate(picks))


def _latent_of(explorer, source, args):
    """A preview index, a sentence (text models) or None (the origin) -> (latent, condition), with the categories
    of --category fixed."""
    z, cond = _source_latent(explorer, source, args)
    for variable, category in _categories(explorer, args).items():
        z = explorer.with_category(z, variable, category)
    return z, cond


def _source_latent(explorer, source, args):
    if source is None:
        return explorer.origin(), args.class_index if explorer.conditional else None
    if len(source) > MAX_SENTENCE_CHARS:
        raise ConfigError(f"--from/--to is {len(source):,} characters long, above the limit of {MAX_SENTENCE_CHARS:,}")
    if _INDEX.fullmatch(source.strip()):
        index = int(source)
        if not 0 <= index < len(explorer.means):
            raise ConfigError(f"preview index {index} out of range 0..{len(explorer.means) - 1}")
        cond = args.class_index if args.class_index is not None else explorer.label_of(index)
        return explorer.means[index], cond if explorer.conditional else None
    if explorer.domain_name != "text":
        raise ConfigError(f"expected a preview item index for an image model, got {source!r}")
    return explorer.encode_items([source])[0], None

def _other_class(explorer) -> str:
    """The first preview item whose label differs from item 0's: a default interpolation end."""
    different = np.nonzero(explorer.labels != explorer.labels[0])[0]
    return str(int(different[0]) if len(different) else min(1, len(explorer.labels) - 1))

def _concat(parts):
    if isinstance(parts[0], list):
        return [item for part in parts for item in part]
    return np.concatenate(parts)

# info
def cmd_info(args) -> int:
    from explorer.io.checkpoint import read_metadata

    meta = read_metadata(args.checkpoint)
    if args.json:
        print(json.dumps(meta, indent=2))
        return 0
    config, dataset = meta["model_config"], meta.get("dataset", {})
    history, metrics = meta.get("history", []), meta.get("metrics", {})
    lines = [
        f"file:         {args.checkpoint}",
        f"model:        {meta.get('label') or config['kind']} (kind {config['kind']}, "
        f"{config.get('latent_dim', 0)} latent dims, arch {config.get('arch', config.get('rnn', '-'))})",
        f"dataset:      {dataset.get('id')} ({dataset.get('domain')}, shape {dataset.get('shape')}, "
        f"{dataset.get('train_size')} train / {dataset.get('test_size')} test)",
        f"trained:      {len(history)} epoch{'s' if len(history) != 1 else ''}"
        + (f" on {meta['world_size']} ranks" if (meta.get("world_size") or 1) > 1 else "")
        + (" (stopped early)" if meta.get("stopped_early") else ""),
        f"saved:        {meta.get('saved', meta.get('created', '?'))}, format {meta.get('format_version')}",
    ]
    for key in ("elbo", "recon", "kl", "active_units", "mutual_info", "nll_iw", "ppl", "ppl_iw", "recon_bleu",
                "recon_token_accuracy", "recon_exact", "conditional_accuracy"):
        if metrics.get(key) is not None:
            value = metrics[key]
            if isinstance(value, dict):  # conditional accuracy carries its per-class details
                value = value["accuracy"]
            lines.append(f"{key + ':':<22}{value:.4f}" if isinstance(value, float) else f"{key + ':':<22}{value}")
    print("\n".join(printable(line, MAX_MESSAGE_CHARS) for line in lines))  # strings from the file, escaped
    return 0

