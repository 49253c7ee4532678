"""A sweep: one numeric setting over several values, each trained with several seeds, one run folder a trial
(``beta=4-seed1``) under the sweep's folder, with a ``sweep.json`` manifest beside them. Every trial is the same
``train`` command a user would type; a launcher (explorer.training.sweep_launch) runs them as child processes or
on a Ray cluster. A sweep run again in its folder skips finished trials and resumes (or restarts) the others."""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from explorer.atomic import WriteError, write_atomic
from explorer.errors import ConfigError, TrainingError
from explorer.io.display import printable
from explorer.limits import MAX_SETTINGS_BYTES
from explorer.options import by_name
from explorer.training.run_folder import CHECKPOINT_FILE, EVENTS_FILE, RUN_FILE, read_run

SWEEP_FILE, LOG_FILE = "sweep.json", "train.log"
MAX_VALUES, MAX_SEEDS, MAX_TRIALS = 32, 32, 256
MAX_JOBS = 256
SWEEP_FORMAT = 1
TRIAL_STATUSES = ("pending", "running", "finished", "stopped", "failed")
_OPTION_NAME = re.compile(r"[a-z_]{1,40}")
_TRIAL_NAME = re.compile(r"[a-z_]+=[0-9.eE+-]+-seed[0-9]+")  # what a manifest may name as a trial's folder


def _declared():
    """The declared options, imported when first needed: they bring the model kinds and torch, which the window
    does not load before a model (it only asks whether a folder holds a sweep and reads its manifest)."""
    from explorer.training import options

    return options


def complete(values: dict) -> dict:
    return _declared().complete(values)


def _options() -> dict:
    return by_name(_declared().all_options())


def value_text(value) -> str:
    """A setting's value as a folder name writes it: 4 for 4.0, 0.001, 1e-05."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_sweep(text: str, kind: str) -> tuple[str, tuple]:
    """``beta=1,2,4`` -> ("beta", (1.0, 2.0, 4.0)): a numeric option of the run or of ``kind``, each value checked
    against that option's own bounds."""
    name, sep, listed = str(text).partition("=")
    name = name.strip().lstrip("-").replace("-", "_")
    options = _options()
    if not sep or not name:
        raise ConfigError(f"--sweep expects OPTION=V1,V2,... (e.g. beta=1,2,4,8,16), got {printable(text, 60)!r}")
    option = options.get(name)
    if option is None:
        raise ConfigError(f"--sweep: unknown setting {printable(name, 40)!r}")
    if option.type not in ("int", "float"):
        raise ConfigError(f"--sweep sweeps a numeric setting; {option.flag} is {option.type}")
    if name == "seed":
        raise ConfigError("--sweep cannot sweep the seed; use --seeds N for N seeds of every value")
    if option.kinds and kind not in option.kinds:
        raise ConfigError(f"--sweep: {option.flag} applies to {', '.join(option.kinds)}, not to --model {kind}")
    parts = [part.strip() for part in listed.split(",") if part.strip()]
    if not parts:
        raise ConfigError(f"--sweep {name}= lists no values")
    if len(parts) > MAX_VALUES:
        raise ConfigError(f"--sweep lists {len(parts)} values, above the limit of {MAX_VALUES}")
    values = tuple(option.check(part, flag=f"--sweep {name}") for part in parts)
    if len({value_text(v) for v in values}) < len(values):
        raise ConfigError(f"--sweep {name} lists a value twice")
    return name, values


@dataclass(frozen=True)
class Trial:
    """One run of the sweep: the option's value, the seed, its folder and every setting it trains with."""

    name: str
    value: float | int
    seed: int
    folder: Path
    options: dict

    def new_args(self) -> list[str]:
        """The ``train`` arguments that run this trial from the start."""
        return ["train", *_declared().to_cli_args(self.options), "--run-dir", str(self.folder)]

    def resume_args(self, epochs_left: int) -> list[str]:
        """The ``train`` arguments that continue this trial's checkpoint in its own folder for the epochs left."""
        kept = {name: self.options[name] for name in _declared().RESUMABLE + ("dataset",)}
        kept["epochs"] = epochs_left
        return ["train", "--resume", str(self.folder / CHECKPOINT_FILE), *_declared().to_cli_args(kept), "--run-dir",
                str(self.folder)]


@dataclass(frozen=True)
class Sweep:
    option: str
    values: tuple
    seeds: tuple[int, ...]
    settings: dict  # the settings every trial shares (the swept option and the seed aside)
    root: Path

    @classmethod
    def create(cls, root, sweep: str, seeds: int, settings: dict) -> Sweep:
        from explorer.limits import check_range

        check_range("--seeds", seeds, 1, MAX_SEEDS, integer=True)
        base = complete(settings)  # every shared setting checked before any trial starts
        option, values = parse_sweep(sweep, base["model"])
        first = base["seed"]
        if first + seeds - 1 > _options()["seed"].high:
            raise ConfigError(f"--seed {first} leaves no room for {seeds} seeds")
        if len(values) * seeds > MAX_TRIALS:
            raise ConfigError(f"a sweep of {len(values)} values x {seeds} seeds is {len(values) * seeds} trials, "
                              f"above the limit of {MAX_TRIALS}")
        shared = {name: base[name] for name in settings if name not in (option, "seed")}
        return cls(option, values, tuple(range(first, first + seeds)), shared, Path(root))

    def trials(self) -> list[Trial]:
        found = []
        for value in self.values:
            for seed in self.seeds:
                name = f"{self.option}={value_text(value)}-seed{seed}"
                options = dict(self.settings, **{self.option: value, "seed": seed})
                found.append(Trial(name, value, seed, self.root / name, complete(options)))
        return found

    def manifest(self, statuses: dict[str, dict]) -> dict:
        return {"format": SWEEP_FORMAT, "option": self.option, "values": list(self.values),
                "seeds": list(self.seeds), "settings": self.settings, "updated": time.time(),
                "trials": [{"name": t.name, "value": t.value, "seed": t.seed,
                            **statuses.get(t.name, {"status": "pending"})} for t in self.trials()]}

    def write_manifest(self, statuses: dict[str, dict]) -> None:
        data = json.dumps(self.manifest(statuses), indent=2).encode("utf-8")
        try:
            write_atomic(self.root / SWEEP_FILE, data, "sweep manifest")
        except WriteError as exc:
            raise TrainingError(str(exc)) from exc

    def check_folder(self) -> None:
        """A folder already holding a sweep must hold this one (the same setting, values, seeds and settings)."""
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"--run-dir {self.root} exists and is not a folder")
        if not (self.root / SWEEP_FILE).is_file():
            return
        earlier = read_manifest(self.root)
        same = (earlier.option == self.option and [value_text(v) for v in earlier.values]
                == [value_text(v) for v in self.values] and earlier.seeds == self.seeds
                and complete(earlier.settings) == complete(self.settings))
        if not same:
            raise ConfigError(f"{self.root} holds another sweep ({earlier.option} over "
                              f"{', '.join(map(value_text, earlier.values))}, seeds {list(earlier.seeds)}, its "
                              "own settings); choose a new --run-dir to sweep other settings")


@dataclass(frozen=True)
class Step:
    """What running the sweep again does with one trial: skip it, start it, resume it, or start it over."""

    trial: Trial
    action: str  # done | new | resume | restart
    args: tuple[str, ...] = ()


def plan(sweep: Sweep) -> list[Step]:
    return [plan_trial(trial) for trial in sweep.trials()]


def plan_trial(trial: Trial) -> Step:
    folder = trial.folder
    if not (folder / RUN_FILE).is_file():
        return Step(trial, "new", tuple(trial.new_args()))
    run = read_run(folder)
    if run.status == "finished":
        return Step(trial, "done")
    if run.status in ("starting", "running") and run.process_alive():
        raise ConfigError(f"trial {trial.name} is still running (pid {run.info.get('pid')}); wait for it or stop it "
                          "before running the sweep again")
    done = _epochs_saved(run.checkpoint)
    left = trial.options["epochs"] - done
    if done and left >= 1:
        return Step(trial, "resume", tuple(trial.resume_args(left)))
    return Step(trial, "restart", tuple(trial.new_args()))


def _epochs_saved(checkpoint: Path | None) -> int:
    """Epochs in a trial's checkpoint that can be continued (0: none, or one that cannot be resumed)."""
    if checkpoint is None:
        return 0
    from explorer.errors import CheckpointError
    from explorer.io.checkpoint import read_metadata

    try:
        meta = read_metadata(checkpoint)
    except CheckpointError:
        return 0
    if not isinstance(meta.get("run_options"), dict):
        return 0
    return len(meta.get("history") or [])


def clear_for_restart(folder: Path) -> None:
    """Remove what an unfinished trial left (only the files a run writes), so it starts afresh."""
    for name in (RUN_FILE, EVENTS_FILE, CHECKPOINT_FILE, LOG_FILE):
        (folder / name).unlink(missing_ok=True)


def trial_outcome(trial: Trial, returncode: int, seconds: float) -> dict:
    """A finished child's entry in the manifest: its run folder's status (failed when it wrote none)."""
    try:
        run = read_run(trial.folder)
        status, message = run.status, str(run.info.get("message", ""))
    except TrainingError as exc:
        status, message = "failed", str(exc)
    if returncode != 0 and status in ("starting", "running", "finished"):
        status, message = "failed", message or f"train exited with status {returncode}"
    return {"status": status, "returncode": returncode, "seconds": round(seconds, 1), "message": message[:500]}


@dataclass(frozen=True)
class Manifest:
    """A sweep.json as read (from anywhere: each field checked)."""

    root: Path
    option: str
    values: tuple
    seeds: tuple[int, ...]
    settings: dict
    trials: tuple[dict, ...]  # name, value, seed, status


def is_sweep_folder(path) -> bool:
    return (Path(path) / SWEEP_FILE).is_file()


def read_manifest(root) -> Manifest:
    root = Path(root)
    path = root / SWEEP_FILE
    try:
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            raise TrainingError(f"{path} is larger than a sweep manifest can be ({MAX_SETTINGS_BYTES} bytes)")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingError(f"{path} cannot be read as a sweep manifest ({exc})") from exc
    problem = _manifest_problem(data)
    if problem:
        raise TrainingError(f"{path} is not a Latent Explorer sweep manifest: {problem}")
    return Manifest(root, data["option"], tuple(data["values"]), tuple(data["seeds"]), data["settings"],
                    tuple(data["trials"]))


def _manifest_problem(data) -> str:
    if not isinstance(data, dict) or data.get("format") != SWEEP_FORMAT:
        return f"expected an object with format {SWEEP_FORMAT}"
    if not isinstance(data.get("option"), str) or not _OPTION_NAME.fullmatch(data["option"]):
        return "no option name"
    numbers = data.get("values")
    if not isinstance(numbers, list) or not 1 <= len(numbers) <= MAX_VALUES or not all(map(_finite, numbers)):
        return f"values must be 1 to {MAX_VALUES} numbers"
    seeds = data.get("seeds")
    if not isinstance(seeds, list) or not 1 <= len(seeds) <= MAX_SEEDS or not all(_whole(s) for s in seeds):
        return f"seeds must be 1 to {MAX_SEEDS} integers"
    if not isinstance(data.get("settings"), dict):
        return "settings must be an object"
    trials = data.get("trials")
    if not isinstance(trials, list) or len(trials) > MAX_TRIALS:
        return f"trials must be a list of at most {MAX_TRIALS}"
    for trial in trials:
        if not (isinstance(trial, dict) and isinstance(trial.get("name"), str) and _TRIAL_NAME.fullmatch(trial["name"])
                and _finite(trial.get("value")) and _whole(trial.get("seed"))
                and trial.get("status") in TRIAL_STATUSES):
            return "each trial needs a name like beta=4-seed1, a value, a seed and a status"
    return ""


def _finite(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _whole(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and value >= 0


def run_sweep(sweep: Sweep, launcher, log=print) -> dict[str, dict]:
    """Run every trial not finished yet through ``launcher`` (sweep_launch), keeping sweep.json up to date; the
    trials' outcomes by name. TrainingError naming the trials that did not finish."""
    from explorer.training.sweep_launch import Task

    sweep.check_folder()
    try:
        sweep.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the sweep folder {sweep.root}: {exc.strerror or exc}") from exc
    steps = plan(sweep)
    earlier = {t["name"]: t for t in read_manifest(sweep.root).trials} if is_sweep_folder(sweep.root) else {}
    statuses = {s.trial.name: _kept(earlier.get(s.trial.name)) for s in steps if s.action == "done"}
    todo = {s.trial.name: s for s in steps if s.action != "done"}
    counts = {action: sum(s.action == action for s in steps) for action in ("done", "resume", "restart", "new")}
    log(f"sweep of {sweep.option} over {', '.join(map(value_text, sweep.values))} with seeds "
        f"{', '.join(map(str, sweep.seeds))}: {len(steps)} trials ({counts['done']} finished, {counts['resume']} to "
        f"resume, {counts['restart']} to start over, {counts['new']} to start) in {sweep.root}")
    sweep.write_manifest(statuses)
    ended = []

    def on_start(task: Task) -> None:
        step = todo[task.name]
        if step.action == "restart":
            clear_for_restart(step.trial.folder)
        statuses[task.name] = {"status": "running"}
        sweep.write_manifest(statuses)

    def on_end(task: Task, returncode: int, seconds: float) -> None:
        outcome = trial_outcome(todo[task.name].trial, returncode, seconds)
        statuses[task.name] = outcome
        ended.append(task.name)
        sweep.write_manifest(statuses)
        note = "" if outcome["status"] == "finished" else f" (see {task.log})"
        log(f"[{len(ended)}/{len(todo)}] {task.name} {outcome['status']} in {seconds:.1f} s{note}")

    tasks = [Task(name, step.args, step.trial.folder / LOG_FILE) for name, step in todo.items()]
    launcher.run(tasks, on_start, on_end)
    unfinished = [name for name in todo if statuses.get(name, {}).get("status") != "finished"]
    if unfinished:
        raise TrainingError(f"{len(unfinished)} of {len(steps)} trials did not finish ({', '.join(unfinished)}); "
                            f"their {LOG_FILE} says why; the same command again resumes them")
    return statuses


def _kept(entry: dict | None) -> dict:
    seconds = (entry or {}).get("seconds")
    return {"status": "finished", **({"seconds": seconds} if _finite(seconds) else {})}
