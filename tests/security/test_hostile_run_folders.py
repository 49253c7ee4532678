"""Run folders are received files (synced from a GPU server, sent by a colleague): lying or broken ones are read
as far as they are sound and refused with a message naming the file where they are not; nothing blocks, nothing
outside the folder is opened as the run's checkpoint, no bad line reaches the app as an event."""
import json
import os
import shutil

import pytest

from explorer.errors import TrainingError
from explorer.training.compare import read_compared
from explorer.training.events import EpochEvent, StartEvent, event_to_json
from explorer.training.run_folder import MAX_EVENT_LINE, MAX_RUN_FILE, EventTail, read_run
from explorer.training.run_watch import RunFollower
from tests.security.conftest import deadline

START = event_to_json(StartEvent("vae", "VAE", 4, "digits", 10, 5, "cpu"))
EPOCH = event_to_json(EpochEvent(1, 3, {"epoch": 1, "test_elbo": 40.0}))


def _run(folder, events: list[str] | None = None, **info):
    folder.mkdir(exist_ok=True)
    (folder / "run.json").write_text(json.dumps({"status": "running", **info}))
    if events is not None:
        text = "".join(line + "\n" for line in events)
        (folder / "events.jsonl").write_bytes(text.encode("utf-8", "surrogateescape"))
    return folder


def _kinds(events):
    return [type(event).__name__ for event in events]


@pytest.mark.parametrize("line", [
    "x" * (MAX_EVENT_LINE + 10),  # oversized
    '{"type": "start", "kind": ' + "[" * 50_000 + "]" * 50_000 + "}",  # nested far too deep
    '{"type": "epoch", "epoch": NaN, "epochs": 3, "record": {}}',  # JSON has no NaN: a writer of ours sends null
    '{"type": "epoch", "epoch": 1, "epochs": 3, "record": {"test_elbo": 1e999}}',  # infinite
    '{"type": "epoch", "epoch": 1' + "0" * 5000 + ', "epochs": 3, "record": {}}',  # a 5,000-digit number
    '{"type": "epoch", "epoch": "one", "epochs": 3, "record": {}}',  # a field of the wrong type
    '{"type": "epoch", "epoch": 1, "epochs": 3, "record": {}, "type": "end"}',  # a key twice
    '{"type": "steps", "events": {"epoch": 1}}',
    '[1, 2, 3]',
    '\udcff',  # a byte that is not UTF-8
])
def test_a_bad_event_line_is_skipped_and_counted(tmp_path, line):
    folder = _run(tmp_path / "run", [START, line, EPOCH])
    tail = EventTail(folder / "events.jsonl")
    with deadline(20):
        events = tail.read()
    assert _kinds(events) == ["StartEvent", "EpochEvent"] and tail.skipped == 1


def test_an_oversized_unfinished_line_is_dropped(tmp_path):
    folder = _run(tmp_path / "run")
    (folder / "events.jsonl").write_text(START + "\n" + "y" * (MAX_EVENT_LINE + 1))
    tail = EventTail(folder / "events.jsonl")
    assert _kinds(tail.read()) == ["StartEvent"] and tail.skipped == 1
    with open(folder / "events.jsonl", "a") as handle:
        handle.write("\n" + EPOCH + "\n")
    assert _kinds(tail.read()) == ["EpochEvent"]


@pytest.mark.parametrize("name", ["events.jsonl", "run.json", "checkpoint.safetensors"])
def test_a_fifo_in_a_run_folder_is_refused_without_blocking(tmp_path, name):
    folder = _run(tmp_path / "run", [START], checkpoint="checkpoint.safetensors")
    (folder / name).unlink(missing_ok=True)
    os.mkfifo(folder / name)
    with deadline(10), pytest.raises(TrainingError, match=r"is a FIFO \(named pipe\), not a regular file"):
        RunFollower(folder).poll()
    with deadline(10), pytest.raises(TrainingError, match="FIFO"):
        read_compared(folder)


@pytest.mark.parametrize("checkpoint,message", [
    ("/etc/hostname", "not inside the run folder"),
    ("../elsewhere.safetensors", "not inside the run folder"),
    ("sub/../../elsewhere.safetensors", "not inside the run folder"),
    ("escape.safetensors", "symlink that leads out of the run folder"),
    (["checkpoint.safetensors"], "must be a file name inside the run folder"),
    ("nul\u0000.safetensors", "must be a file name inside the run folder"),
])
def test_a_checkpoint_named_outside_the_run_folder_is_refused(tmp_path, vae_file, checkpoint, message):
    shutil.copy(vae_file, tmp_path / "elsewhere.safetensors")
    folder = _run(tmp_path / "run", [START], checkpoint=checkpoint)
    (folder / "escape.safetensors").symlink_to(tmp_path / "elsewhere.safetensors")
    for read in (read_run, read_compared):
        with pytest.raises(TrainingError, match=message):
            read(folder)


def test_a_symlinked_events_file_leaving_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.jsonl"
    outside.write_text(START + "\n")
    folder = _run(tmp_path / "run")
    (folder / "events.jsonl").symlink_to(outside)
    with pytest.raises(TrainingError, match="symlink that leads out of the run folder"):
        EventTail(folder / "events.jsonl").read()


def test_a_symlink_inside_the_folder_is_followed(tmp_path, vae_file):
    folder = _run(tmp_path / "run", [START], checkpoint="latest.safetensors")
    shutil.copy(vae_file, folder / "epoch-3.safetensors")
    (folder / "latest.safetensors").symlink_to("epoch-3.safetensors")
    assert read_run(folder).checkpoint == folder / "latest.safetensors"


def test_a_run_file_that_grows_or_changes_under_the_reader(tmp_path, monkeypatch):
    folder = _run(tmp_path / "run", [START])
    follower = RunFollower(folder)
    assert follower.poll().info.status == "running"
    (folder / "run.json").write_text('{"status": "finished", "messa')  # caught half-written (not atomic)
    with pytest.raises(TrainingError, match="run.json is not valid JSON"):
        follower.poll()
    (folder / "run.json").write_text(json.dumps({"status": "finished", "message": "x" * MAX_RUN_FILE}))
    with pytest.raises(TrainingError, match="above the limit"):
        follower.poll()
    (folder / "run.json").write_text(json.dumps({"status": "finished"}))
    assert follower.poll().info.ended


def test_a_folder_deleted_while_watched_ends_the_watching_with_a_message(tmp_path):
    folder = _run(tmp_path / "run", [START])
    follower = RunFollower(folder)
    assert _kinds(follower.poll().events) == ["StartEvent"]
    shutil.rmtree(folder)
    with pytest.raises(TrainingError, match="is not a folder"):
        follower.poll()


def test_events_naming_a_checkpoint_outside_the_folder_are_read_as_events(tmp_path):
    """The reader keeps the event; the Training panel refuses to follow its path (tests/gui/test_training_panel)."""
    line = json.dumps({"type": "checkpoint", "path": "/etc/hostname", "epoch": 1})
    folder = _run(tmp_path / "run", [line])
    (event,) = RunFollower(folder).poll().events
    assert event.path == "/etc/hostname"
