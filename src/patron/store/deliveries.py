"""The delivery of queued messages (`uow.deliveries`): claim, finish, release, reconcile.

Design overview. The worker moves a message through statements of this module, each in a
transaction of its own, none open while the message is on the wire: `claim` leases the
messages due (`queued` or `deferred` whose `not_before` has come, or `sending` whose
worker's lease ran out) and marks them `sending` with one more attempt: the record
before the send. `finish` records the outcome after: `sent` with the address and the
time, `deferred` until a later `not_before`, `bounced`, `failed` or `refused`. A worker
killed between the two leaves a `sending` message whose lease runs out (or, the only
worker of a SQLite store, which `reconcile` takes back at its start): it is sent again,
so at most the message in flight is sent twice. `finish` changes a message only while
it is still this attempt's (`sending` with the same attempt count): a worker whose
lease ran out cannot overwrite the answer of the one that took it over. On PostgreSQL
several workers claim at once with `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from patron.domain.consent import ConsentSource
from patron.domain.message_fields import MessageTemplate
from patron.store import tables as t
from patron.store.base import Repo

_m = t.messages
SENDING = "sending"
DUE = ("queued", "deferred")
ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message leased for one attempt."""

    message_id: int
    member_id: int
    channel: str
    kind: str
    template: str
    campaign_id: int | None
    context: dict[str, Any]
    attempt: int


@dataclass(frozen=True, slots=True)
class MessageBacklog:
    """What waits to be sent: messages due now (queued or deferred whose `not_before` has
    come), those waiting for a later time (deferred after a failed attempt, or scheduled),
    those `sending` whose lease ran out (a worker died with them: the next claim takes
    them), and when the oldest message that should have gone by now was asked for (due,
    deferred or stuck: a deferred one keeps its age while SMTP stays down)."""

    due: int
    later: int
    stuck: int
    oldest_overdue: datetime | None


class Deliveries(Repo):
    def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[Claimed]:
        """Lease up to `limit` due messages, the soonest due first (by `not_before`, then
        id: a member's messages due at the same time go in the order they were asked).
        One query per kind of due (a lease run out, then deferred, then queued), each
        read along `ix_messages_status` (status, not_before; SQLite keeps the row id in
        the index too) and stopped at `limit`: one query with OR and ORDER BY id read
        and sorted every queued row, each claim, which made a campaign of 100,000
        messages slow down as it went (bench/README.md, "Campaigns")."""
        kinds = [
            and_(_m.c.status == SENDING, _m.c.lease_until < now),
            and_(_m.c.status == "deferred", _m.c.not_before <= now),
            and_(_m.c.status == "queued", _m.c.not_before <= now),
        ]
        ids: list[int] = []
        for due in kinds:
            if len(ids) >= limit:
                break
            query = (
                select(_m.c.id)
                .where(due)
                .order_by(_m.c.status, _m.c.not_before, _m.c.id)
                .limit(limit - len(ids))
            )
            if self.conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids.extend(int(i) for i in self.conn.execute(query).scalars())
        if not ids:
            return []
        self.conn.execute(
            update(_m)
            .where(_m.c.id.in_(ids))
            .values(status=SENDING, attempts=_m.c.attempts + 1, lease_until=lease_until)
        )
        found = self.conn.execute(
            select(
                _m.c.id,
                _m.c.member_id,
                _m.c.channel,
                _m.c.kind,
                _m.c.template,
                _m.c.campaign_id,
                _m.c.context,
                _m.c.attempts,
            ).where(_m.c.id.in_(ids))
        ).all()
        place = {message_id: n for n, message_id in enumerate(ids)}
        rows = sorted(found, key=lambda r: place[int(r.id)])  # in the order claimed
        return [
            Claimed(
                int(r.id),
                int(r.member_id),
                r.channel,
                r.kind,
                r.template,
                r.campaign_id,
                dict(r.context or {}),
                int(r.attempts),
            )
            for r in rows
        ]

    def finish(self, claimed: Claimed, status: str, **values: Any) -> bool:
        """Record this attempt's outcome (`values`: address, sent_at, not_before, error,
        refusal); False when the message is no longer this attempt's."""
        if values.get("error"):
            values["error"] = str(values["error"])[:ERROR_LENGTH]
        done = self.conn.execute(
            update(_m)
            .where(
                _m.c.id == claimed.message_id,
                _m.c.status == SENDING,
                _m.c.attempts == claimed.attempt,
            )
            .values(status=status, lease_until=None, **values)
        )
        return bool(done.rowcount)

    def release(self, claimed: list[Claimed]) -> None:
        """Claimed messages not sent after all (the worker stops): due again, untouched."""
        for one in claimed:
            self.conn.execute(
                update(_m)
                .where(
                    _m.c.id == one.message_id,
                    _m.c.status == SENDING,
                    _m.c.attempts == one.attempt,
                )
                .values(status="queued", attempts=one.attempt - 1, lease_until=None)
            )

    def reconcile(self, now: datetime, *, every_sending: bool) -> int:
        """At a worker's start: messages left `sending` by a dead worker are due again
        (all of them when this is the only worker); how many."""
        stale = _m.c.status == SENDING
        if not every_sending:
            stale = and_(stale, _m.c.lease_until < now)
        done = self.conn.execute(
            update(_m).where(stale).values(status="queued", not_before=now, lease_until=None)
        )
        return int(done.rowcount or 0)

    def backlog(self, now: datetime) -> MessageBacklog:
        """The messages waiting, as `patron worker status` and /metrics show them."""
        waiting = _m.c.status.in_(DUE)
        stuck = and_(_m.c.status == SENDING, _m.c.lease_until < now)
        overdue = or_(and_(waiting, _m.c.not_before <= now), _m.c.status == "deferred", stuck)
        row = self.conn.execute(
            select(
                func.count().filter(and_(waiting, _m.c.not_before <= now)).label("due"),
                func.count().filter(and_(waiting, _m.c.not_before > now)).label("later"),
                func.count().filter(stuck).label("stuck"),
                func.min(_m.c.queued_at).filter(overdue).label("oldest"),
            ).where(_m.c.status.in_([*DUE, SENDING]))
        ).one()
        return MessageBacklog(int(row.due), int(row.later), int(row.stuck), row.oldest)

    def templates(self, name: str) -> dict[str, MessageTemplate]:
        """The store's template `name` in every locale it is written in."""
        mt = t.message_templates
        rows = self.conn.execute(
            select(mt.c.locale, mt.c.subject, mt.c.text, mt.c.html).where(mt.c.name == name)
        )
        return {r.locale: MessageTemplate(r.subject, r.text, r.html) for r in rows}

    def unsubscribes(self, campaign_id: int) -> int:
        """The members who unsubscribed by a link in one of the campaign's messages."""
        c = t.consents
        query = (
            select(func.count(func.distinct(c.c.member_id)))
            .select_from(c.join(_m, _m.c.id == c.c.message_id))
            .where(_m.c.campaign_id == campaign_id, c.c.source == ConsentSource.UNSUBSCRIBE.value)
        )
        return int(self.conn.execute(query).scalar_one())

    def status(self, message_id: int) -> tuple[str, str | None] | None:
        row = self.conn.execute(
            select(_m.c.status, _m.c.refusal).where(_m.c.id == message_id)
        ).first()
        return (row.status, row.refusal) if row else None
