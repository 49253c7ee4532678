"""Faults injected on purpose, for the tests of what the app does when a training child dies. Set
``LATENT_EXPLORER_FAULT=WHAT@STEP`` in the child's environment: ``raise`` (a Python exception), ``abort`` (the
process aborts, as on a segfault), ``kill`` (SIGKILL, as the out-of-memory killer does) or ``nan`` (the loss
becomes NaN) at global step STEP. Unset, it costs one integer comparison per step."""
from __future__ import annotations

import os
import signal

ENV = "LATENT_EXPLORER_FAULT"
KINDS = ("raise", "abort", "kill", "nan")


class InjectedFault(RuntimeError):
    pass


class Faults:
    def __init__(self, spec: str | None = None):
        spec = os.environ.get(ENV, "") if spec is None else spec
        self.kind, self.step = None, -1
        if spec:
            kind, _, step = spec.partition("@")
            if kind not in KINDS or not step.isdigit():
                raise ValueError(f"{ENV}={spec!r}: expected one of {', '.join(KINDS)} then @STEP")
            self.kind, self.step = kind, int(step)

    def at(self, step: int) -> bool:
        """Act out the fault if it is due at ``step``; True when the loss should be poisoned (``nan``)."""
        if step != self.step:
            return False
        if self.kind == "raise":
            raise InjectedFault(f"fault injected at step {step} ({ENV})")
        if self.kind == "abort":
            os.abort()
        if self.kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        return self.kind == "nan"
