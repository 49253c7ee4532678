"""``train``: train a model and save a checkpoint (and a run folder), with the run's settings as flags built from
their declarations (explorer.training.options)."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

from explorer.cli.arguments import option_args, sweep_args
from explorer.cli.progress import EventSink
from explorer.errors import ConfigError, ExplorerError

if TYPE_CHECKING:
    from explorer.training.run import RunSpec


def add_parser(commands) -> None:
    from explorer.training.options import all_options

    train = commands.add_parser("train", help="train a model and save a checkpoint (and a run folder)",
                                argument_default=argparse.SUPPRESS)
    option_args(train, all_options())
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
    sweep_args(train)


SWEEP_FLAGS = ("sweep", "seeds", "jobs", "launcher", "address")
TRAIN_FLAGS = ("command", "argv", "preset", "out", "run_dir", "resume", "control", "events", "low_priority",
               *SWEEP_FLAGS)


def given_values(args) -> dict:
    """The settings given by flags, over the preset's when one is named."""
    from explorer.training.presets import preset

    given = {key: value for key, value in vars(args).items() if key not in TRAIN_FLAGS}
    return dict(preset(args.preset).options, **given) if getattr(args, "preset", None) else given


def spec_from_args(args) -> RunSpec:
    from explorer.training.run import RunSpec

    values = given_values(args)
    for flag in SWEEP_FLAGS[1:]:
        if getattr(args, flag, None) is not None:
            raise ConfigError(f"--{flag} belongs to a sweep: give --sweep OPTION=V1,V2,... beside it")
    out, run_dir = getattr(args, "out", None), getattr(args, "run_dir", None)
    if out is None and not run_dir:
        raise ConfigError("train needs --out FILE.safetensors or --run-dir DIR (or both)")
    if out is not None:
        from explorer.atomic import check_output_path

        check_output_path(out, "checkpoint")
    return RunSpec.create(out=out, run_dir=run_dir, resume=getattr(args, "resume", None), **values)


def run_sweep(args) -> int:
    """``train --sweep``: the trials as child ``train`` commands (or Ray tasks), one run folder each."""
    from explorer.cli.arguments import is_index
    from explorer.training.control import stop_on_termination
    from explorer.training.sweep import MAX_JOBS, Sweep, run_sweep
    from explorer.training.sweep_launch import LocalLauncher, RayLauncher

    for flag in ("out", "resume", "events"):
        if getattr(args, flag, None) is not None:
            raise ConfigError(f"--sweep writes each trial's checkpoint in its run folder; --{flag} cannot go with it")
    if not getattr(args, "run_dir", None):
        raise ConfigError("--sweep needs --run-dir DIR: the sweep's folder, one run folder a trial inside it")
    counts = {}
    for flag in ("seeds", "jobs"):
        text = getattr(args, flag, None)
        if text is not None and not is_index(text):
            raise ConfigError(f"--{flag} expects a whole number, got {text!r}")
        counts[flag] = None if text is None else int(text)
    launcher_kind = getattr(args, "launcher", None) or "local"
    if getattr(args, "address", None) and launcher_kind != "ray":
        raise ConfigError("--address names a Ray cluster; give --launcher ray beside it")
    from explorer.limits import check_range

    jobs = counts["jobs"]
    if jobs is not None:
        check_range("--jobs", jobs, 1, MAX_JOBS, integer=True)
    sweep = Sweep.create(args.run_dir, args.sweep, counts["seeds"] or 1, given_values(args))
    if launcher_kind == "ray":
        launcher = RayLauncher(getattr(args, "address", None) or "auto", jobs)
    else:
        launcher = LocalLauncher(jobs or 1)
    stop_on_termination(launcher.request_stop)
    if getattr(args, "control", None) == "stdin":  # the app's sweeps: end of input (the app gone) stops them too
        from explorer.training.control import StdinControl

        StdinControl(SweepController(launcher).command).start()
    if getattr(args, "low_priority", False):
        from explorer.priority import TRAINING_NICE, lower_priority

        lower_priority(TRAINING_NICE)  # the trials inherit it
    run_sweep(sweep, launcher)
    print_seed_choices(sweep.root)
    print(f"sweep finished: {sweep.root / 'sweep.json'} (File > Compare Runs... opens the folder)")
    return 0


def print_seed_choices(root) -> None:
    """The seed each value would keep, chosen without labels: by test loss, and by code balance where a code."""
    from explorer.training.seed_selection import CRITERIA, pick_in_sweep

    for by in CRITERIA:
        try:
            chosen = pick_in_sweep(root, by)
        except ExplorerError:
            continue
        if chosen:
            words = {"loss": "lowest test loss", "balance": "most balanced code"}[by]
            print(f"{words} per value: {', '.join(chosen.values())}")


def run(args) -> int:
    if getattr(args, "sweep", None) is not None:
        return run_sweep(args)
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
    from explorer.training.run_folder import RunFolder, name_in_run, now_iso

    spec = spec_from_args(args)
    folder = None
    if spec.run_dir and main_rank:
        folder = RunFolder.create(spec.run_dir, spec.options, args.argv, spec.resume)
        if spec.out:  # an --out outside the folder is not the folder's checkpoint: the folder names none
            folder.update(checkpoint=name_in_run(spec.run_dir, spec.out))
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


class SweepController:
    """A sweep's control channel: stop (or the end of input) stops launching and stops the running trials."""

    def __init__(self, launcher):
        self.launcher = launcher

    def command(self, name: str) -> None:
        if name == "stop":
            self.launcher.request_stop()


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
