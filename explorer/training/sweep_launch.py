"""Where a sweep's trials run: as child processes of this one (up to ``jobs`` at a time), or as tasks of an existing
Ray cluster (``ray`` is an optional extra; each task runs the same ``train`` command on a node that sees the sweep's
folder). Either way a trial is ``python -m explorer train ...`` writing its own run folder; nothing here schedules
beyond keeping ``jobs`` trials in flight."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from explorer.errors import ConfigError

LAUNCHERS = ("local", "ray")
POLL_S = 0.2


@dataclass(frozen=True)
class Task:
    name: str
    args: tuple[str, ...]  # the ``train`` command's arguments
    log: Path  # where its output goes


def package_root() -> str:
    """The folder holding this ``explorer`` package, put on a child's PYTHONPATH so it runs this very code."""
    return str(Path(__file__).resolve().parents[2])


def child_env(threads: int | None, root: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
    if threads is not None:
        env.setdefault("OMP_NUM_THREADS", str(threads))  # parallel trials share the cores instead of fighting
    return env


class LocalLauncher:
    """Trials as child processes, ``jobs`` at a time. SIGTERM (or Ctrl+C) stops launching and asks the running
    children to stop, which save their checkpoints; the sweep resumes them when run again."""

    def __init__(self, jobs: int):
        self.jobs = jobs
        self.stopping = False
        self._asked: set[int] = set()  # the children already asked to stop

    def request_stop(self) -> None:
        self.stopping = True

    def run(self, tasks: list[Task], on_start: Callable, on_end: Callable) -> None:
        threads = max(1, (os.cpu_count() or 1) // min(self.jobs, max(1, len(tasks))))
        env = child_env(threads, package_root())
        queue, running = list(tasks), {}
        try:
            while (queue and not self.stopping) or running:
                while queue and not self.stopping and len(running) < self.jobs:
                    task = queue.pop(0)
                    on_start(task)
                    running[task.name] = (task, self._start(task, env), time.monotonic())
                if self.stopping:
                    self._terminate(running)
                for name, (task, child, started) in list(running.items()):
                    if child.poll() is not None:
                        del running[name]
                        on_end(task, child.returncode, time.monotonic() - started)
                time.sleep(POLL_S)
        except KeyboardInterrupt:
            self._terminate(running)
            for task, child, started in running.values():
                on_end(task, child.wait(), time.monotonic() - started)
            raise

    @staticmethod
    def _start(task: Task, env: dict) -> subprocess.Popen:
        task.log.parent.mkdir(parents=True, exist_ok=True)
        with open(task.log, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "explorer", *task.args], stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, env=env)

    def _terminate(self, running: dict) -> None:
        for _task, child, _started in running.values():
            if child.poll() is None and child.pid not in self._asked:
                self._asked.add(child.pid)
                child.send_signal(signal.SIGTERM)


class RayLauncher:
    """Trials as tasks of the Ray cluster at ``address`` (``auto``, ``ray://HOST:PORT``, ``local``), one CPU
    each, at most ``jobs`` in flight (None: as many as the cluster takes)."""

    def __init__(self, address: str, jobs: int | None):
        try:
            import ray
        except ImportError:
            raise ConfigError("--launcher ray needs Ray on this machine: pip install 'latent-explorer[ray]' "
                              "(and on the cluster's nodes)") from None
        self.ray, self.address, self.jobs = ray, address, jobs
        self.stopping = False

    def request_stop(self) -> None:
        self.stopping = True

    def run(self, tasks: list[Task], on_start: Callable, on_end: Callable) -> None:
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            try:
                ray.init(address=self.address, log_to_driver=False, include_dashboard=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise ConfigError(f"cannot reach the Ray cluster at {self.address!r}: {exc}") from exc
        remote = ray.remote(num_cpus=1, max_retries=0)(_node_function())
        root, queue, flying = package_root(), list(tasks), {}
        try:
            while (queue and not self.stopping) or flying:
                while queue and not self.stopping and (self.jobs is None or len(flying) < self.jobs):
                    task = queue.pop(0)
                    on_start(task)
                    flying[remote.remote(list(task.args), str(task.log), root)] = (task, time.monotonic())
                done, _ = ray.wait(list(flying), num_returns=1, timeout=1.0)
                for ref in done:
                    task, started = flying.pop(ref)
                    try:
                        code = ray.get(ref)
                    except ray.exceptions.RayError:  # the node or its worker died: the trial did not finish
                        code = -1
                    on_end(task, code, time.monotonic() - started)
        finally:
            for ref in flying:
                ray.cancel(ref)
            if started_here:
                ray.shutdown()


def _node_function():
    """What runs on a Ray worker, made here so that Ray sends it by value: the worker needs only the ``explorer``
    package to run ``train`` (found on the sweep's shared folder, or installed there), not this module."""

    def train_on_node(args: list[str], log: str, root: str) -> int:
        import os as _os
        import subprocess as _subprocess
        import sys as _sys

        env = dict(_os.environ)
        if _os.path.isdir(root):
            env["PYTHONPATH"] = _os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
        _os.makedirs(_os.path.dirname(log), exist_ok=True)
        with open(log, "ab") as out:
            return _subprocess.call([_sys.executable, "-m", "explorer", *args], stdin=_subprocess.DEVNULL,
                                    stdout=out, stderr=_subprocess.STDOUT, env=env)

    return train_on_node
