"""Following a run folder that another process writes (a run started in a terminal, or synced from a GPU server):
one poll reads the events it gained and its run.json, and tells whether the run has ended or gone silent. A poll
may block on a slow network folder, so the app runs it off its GUI thread; a file that is not a regular one
inside the folder ends the following with a TrainingError that says why."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from explorer.training.run_folder import EVENTS_FILE, EventTail, RunInfo, read_run

SILENT_AFTER_S = 120.0  # a running run with no new event for this long is reported as silent


@dataclass
class RunPoll:
    """What one poll found: the new events, run.json as read now, and why the run seems silent ("" if it does not)."""

    info: RunInfo
    events: list = field(default_factory=list)
    silence: str = ""


class RunFollower:
    """The reading side of a watched folder: where its events stream has got to."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.tail = EventTail(self.folder / EVENTS_FILE)

    def poll(self, task=None) -> RunPoll:
        """Read what is new (TrainingError when the folder is no longer a readable run). ``task``, a background
        task's state, stops the poll between its reads once the watching has stopped."""
        events = self.tail.read()
        if task is not None:
            task.check()
        info = read_run(self.folder)
        if info.ended:
            events += self.tail.read()  # what was written between the two reads
            return RunPoll(info, events)
        silence = ""
        if info.process_alive() is False:
            silence = ("its process is gone without writing an end (it was killed or crashed); the last checkpoint "
                       "it wrote is kept")
        elif not events and self.tail.silent_for() > SILENT_AFTER_S:
            silence = f"no new event for {self.tail.silent_for():.0f} s"
        return RunPoll(info, events, silence)

