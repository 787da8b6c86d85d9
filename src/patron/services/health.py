"""What an operator's probes ask of the store: does it answer with the schema this
version of Patron expects, and how many events and messages wait to go out.

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


PROBE_SECONDS = 3.0  # the longest a probe's query may take or wait for a lock


def outbox_backlog(uow: UnitOfWork) -> int:
    """Events written by use cases and not yet published."""
    uow.wait_at_most(PROBE_SECONDS)
    return uow.outbox.backlog()


@dataclass(frozen=True)
class DeliveryLag:
    """What `patron worker` has left: the age in seconds of the oldest event not yet
    published, the webhook deliveries given up (dead letters), the messages due to be
    sent, waiting for a later time, and left `sending` by a worker that died, and the
    age of the oldest message that should have gone by now, counted from when it was
    asked (due, deferred or stuck: it grows while SMTP is down; ages are 0 when nothing
    waits)."""

    oldest_event_age: float
    dead_letters: int
    messages_due: int
    oldest_message_age: float
    messages_later: int
    messages_stuck: int


def delivery_lag(uow: UnitOfWork, now: datetime) -> DeliveryLag:
    uow.wait_at_most(PROBE_SECONDS)
    webhooks = uow.webhooks.backlog()
    messages = uow.deliveries.backlog(now)
    return DeliveryLag(
        _age(now, webhooks.oldest_created_at),
        webhooks.dead,
        messages.due,
        _age(now, messages.oldest_overdue),
        messages.later,
        messages.stuck,
    )


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0
