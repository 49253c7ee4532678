"""The command line's progress within an epoch: a tqdm bar on a terminal, none in a pipe, a file or CI."""
import io

import pytest

from explorer.cli import progress
from explorer.training.events import StepEvent


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _step(step: int) -> StepEvent:
    return StepEvent(epoch=1, step=step, steps_per_epoch=10, global_step=step, total_steps=10,
                     scalars={"loss": 1.5}, schedule={}, examples_per_s=100.0, eta_s=1.0)


@pytest.mark.parametrize("stdout_tty,ci,shown", [(True, "", True), (False, "", False), (True, "true", False)])
def test_the_bar_shows_only_at_a_terminal_outside_ci(monkeypatch, stdout_tty, ci, shown):
    stderr = Terminal()
    monkeypatch.setattr("sys.stdout", Terminal() if stdout_tty else io.StringIO())
    monkeypatch.setattr("sys.stderr", stderr)
    monkeypatch.setenv("CI", ci)
    bar = progress.EpochProgress()
    for step in (1, 5):
        bar(_step(step))
    drawn = stderr.getvalue()
    bar.close()
    assert ("5/10" in drawn and "epoch 1" in drawn and "loss=1.50" in drawn) is shown
    assert bool(drawn) is shown
