"""What an operator's probes ask of the store: does it answer with the schema this
version of Patron expects, and how many events wait in the outbox.

Readiness reads the schema revision rather than `SELECT 1`: a server whose database was
restored from an older backup, or never migrated, answers queries yet cannot serve, and
should be taken out of the load balancer until someone migrates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patron.store.migrate import head_revision, stored_revision
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class Readiness:
    revision: str | None
    expected: str

    @property
    def ready(self) -> bool:
        return self.revision == self.expected


def readiness(uow: UnitOfWork) -> Readiness:
    return Readiness(stored_revision(uow.connection), head_revision())


def outbox_backlog(uow: UnitOfWork) -> int:
    """Events written by use cases and not yet published."""
    return uow.outbox.backlog()


def delivery_lag(uow: UnitOfWork, now: datetime) -> tuple[float, int]:
    """The age in seconds of the oldest event not yet published (0 when none waits) and
    the webhook deliveries given up (dead letters): what `patron worker` has left."""
    backlog = uow.webhooks.backlog()
    oldest = backlog.oldest_created_at
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return age, backlog.dead
