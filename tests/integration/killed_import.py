"""`patron import purchases`, killed with SIGKILL at a chosen point (test_import.py).

Run as `python -m tests.integration.killed_import import purchases FILE ...`: Patron's own
command line, with the import's batch writer wrapped so that the process kills itself
right after it has written the second batch, inside that batch's transaction, before the
commit. The kill lands at the same point on any machine, however loaded: no polling, no
race with the batch's commit.
"""

from __future__ import annotations

import os
import signal
from typing import Any

KILL_AT_BATCH = 2


def _import_killed_in_a_batch() -> None:
    from patron.cli import app
    from patron.services import importer

    write = importer._bulk_insert
    batches = 0

    def write_then_die(*args: Any, **kwargs: Any) -> Any:
        nonlocal batches
        batches += 1
        written = write(*args, **kwargs)
        if batches == KILL_AT_BATCH:
            os.kill(os.getpid(), signal.SIGKILL)
        return written

    importer._bulk_insert = write_then_die  # type: ignore[assignment]
    app()


if __name__ == "__main__":
    _import_killed_in_a_batch()
