"""`patron worker`, killed with SIGKILL at a chosen point (test_worker_crash.py).

Run as `python -m tests.integration.killed_worker worker ...` with PATRON_KILL_PHASE (one
of route, claim, send, finish) and PATRON_KILL_AT (the n-th call of that step): Patron's
own command line, with the step wrapped so that the process kills itself at that call.
`route`, `claim` and `finish` die after their statements and before their commit; `send`
dies after the receiver answered and before the answer is recorded (the one point where
a message was delivered and the store does not know it). The kill lands at the same point
on any machine, however loaded: no timer, no race.
"""

from __future__ import annotations

import os
import signal
from typing import Any


def _die_at(owner: Any, name: str, at: int) -> None:
    original = getattr(owner, name)
    calls = 0

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, wrapped)


def _worker_killed_at_a_step() -> None:
    from patron.cli import app
    from patron.engage.channels.webhooks import HttpSender
    from patron.store.webhooks import Webhooks

    phase = os.environ.get("PATRON_KILL_PHASE", "")
    at = int(os.environ.get("PATRON_KILL_AT", "0"))
    owners = {"route": Webhooks, "claim": Webhooks, "finish": Webhooks, "send": HttpSender}
    if phase in owners:
        _die_at(owners[phase], phase, at)
    app()


if __name__ == "__main__":
    _worker_killed_at_a_step()
