"""Webhook subscriptions, deliveries and the delivery log (`uow.webhooks`).

Design overview. The worker (worker.py) moves an outbox event through three statements of
this module, each in a transaction of its own: `route` makes one delivery per (event,
subscription that wants it); `claim` records an attempt and leases the delivery (state
`sending`) before anything is sent; `finish` records the answer after. A worker killed
between the two leaves a `sending` delivery whose lease runs out: the next `claim` (or
`reconcile`, at start) takes it again, so nothing is lost and at most the in-flight
message is sent twice, under the same `webhook-id`. Order per member: a delivery is
claimed only when no earlier event of the same member to the same subscription is still
pending or sending. On PostgreSQL several workers claim with `FOR UPDATE SKIP LOCKED` and
route under an advisory lock (routing in event order); SQLite has one worker.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, text, update

from patron.domain.webhooks import ERROR_LENGTH, DeliveryState, Subscription
from patron.store import tables as t
from patron.store.base import Repo, insert_row
from patron.store.outbox import OutboxEvent, event

S = DeliveryState
_UNDONE = (S.PENDING.value, S.SENDING.value)
ROUTING_LOCK = 0x5057_4831  # the advisory lock routing holds on PostgreSQL ("PWH1")
_d = t.webhook_deliveries


@dataclass(frozen=True, slots=True)
class NewSubscription:
    url: str
    event_types: tuple[str, ...]
    secret: str
    description: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery: what to send, where, and which attempt this is."""

    delivery_id: int
    event_id: int
    member_id: int
    attempt: int
    url: str
    secret: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """An attempt's answer as the worker records it: `delivered`, or failed with the next
    attempt at `retry_at` (None: the dead letter)."""

    job: Job
    status: int | None
    error: str | None
    delivered: bool
    retry_at: datetime | None

    def values(self, now: datetime) -> dict[str, Any]:
        if self.delivered:
            return {"state": S.DELIVERED.value, "done_at": now}
        if self.retry_at is not None:
            return {"state": S.PENDING.value, "next_attempt_at": self.retry_at}
        return {"state": S.DEAD.value, "done_at": now}


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    event_id: int
    subscription_id: int
    member_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    done_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: int
    number: int
    started_at: datetime
    finished_at: datetime | None
    status_code: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Backlog:
    events: int  # outbox events not yet published (routed and every delivery done)
    oldest_created_at: datetime | None
    pending: int
    sending: int
    dead: int


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=int(row.id),
        url=row.url,
        event_types=tuple(row.event_types),
        description=row.description,
        active=bool(row.active),
        created_at=row.created_at,
        created_by=row.created_by,
    )


class Webhooks(Repo):
    @property
    def _postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    # subscriptions

    def add(self, new: NewSubscription) -> Subscription:
        values = {**asdict(new), "event_types": list(new.event_types), "active": True}
        new_id = insert_row(self.conn, t.webhook_subscriptions, values)
        found = self.subscription(new_id)
        assert found is not None
        return found

    def subscription(self, subscription_id: int) -> Subscription | None:
        table = t.webhook_subscriptions
        row = self.conn.execute(select(table).where(table.c.id == subscription_id)).first()
        return _subscription(row) if row else None

    def subscriptions(self, *, active_only: bool = True) -> list[Subscription]:
        table = t.webhook_subscriptions
        query = select(table).order_by(table.c.id)
        if active_only:
            query = query.where(table.c.active.is_(True))
        return [_subscription(r) for r in self.conn.execute(query)]

    def deactivate(self, subscription_id: int, now: datetime) -> int:
        """Switch a subscription off; its undone deliveries (waiting, or leased by a worker
        that may have died with them) become dead letters, their events then count as
        published. The number of those."""
        table = t.webhook_subscriptions
        self.conn.execute(update(table).where(table.c.id == subscription_id).values(active=False))
        undone = and_(_d.c.subscription_id == subscription_id, _d.c.state.in_(_UNDONE))
        events = [int(e) for e in self.conn.execute(select(_d.c.event_id).where(undone)).scalars()]
        self.conn.execute(
            update(_d)
            .where(undone)
            .values(state=S.DEAD.value, last_error="subscription removed", done_at=now)
        )
        for event_id in events:
            self._publish_if_done(event_id, now)
        return len(events)

    # the worker's statements

    def route(self, now: datetime, limit: int) -> list[OutboxEvent]:
        """Make the deliveries of up to `limit` events not yet routed, in event order;
        an event no subscription wants is published at once. The events routed, for the
        other consumer of the same pass (the journeys) to read in this transaction."""
        if self._postgres:
            locked = self.conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ROUTING_LOCK}
            ).scalar_one()
            if not locked:  # another worker is routing: it keeps the event order
                return []
            _commit_without_flush(self)
        o = t.outbox
        rows = self.conn.execute(
            select(o).where(o.c.routed_at.is_(None)).order_by(o.c.id).limit(limit)
        ).all()
        if not rows:
            return []
        subscriptions = self.subscriptions()
        deliveries = [
            {
                "event_id": r.id,
                "subscription_id": s.id,
                "member_id": r.member_id,
                "state": S.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for r in rows
            for s in subscriptions
            if s.wants(r.type)
        ]
        if deliveries:
            self.conn.execute(t.webhook_deliveries.insert(), deliveries)
        wanted = {d["event_id"] for d in deliveries}
        ids = [r.id for r in rows]
        self.conn.execute(update(o).where(o.c.id.in_(ids)).values(routed_at=now))
        unwanted = [i for i in ids if i not in wanted]
        if unwanted:
            self.conn.execute(update(o).where(o.c.id.in_(unwanted)).values(published_at=now))
        return [event(r) for r in rows]

    def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[Job]:
        """Lease up to `limit` deliveries due now (or whose worker's lease ran out), each
        the earliest undone one of its member to its subscription, and record their
        attempts: all before anything is sent."""
        earlier = _d.alias("earlier")
        due = or_(
            and_(_d.c.state == S.PENDING.value, _d.c.next_attempt_at <= now),
            and_(_d.c.state == S.SENDING.value, _d.c.lease_until < now),
        )
        blocked = exists().where(
            earlier.c.member_id == _d.c.member_id,
            earlier.c.subscription_id == _d.c.subscription_id,
            earlier.c.event_id < _d.c.event_id,
            earlier.c.state.in_(_UNDONE),
        )
        query = select(_d.c.id, _d.c.state, _d.c.attempts).where(due, ~blocked, _active())
        query = query.order_by(_d.c.event_id).limit(limit)
        if self._postgres:
            query = query.with_for_update(skip_locked=True, of=_d)
        claimed = self.conn.execute(query).all()
        if not claimed:
            return []
        if self._postgres:
            _commit_without_flush(self)
        ids = [c.id for c in claimed]
        stale = [c.id for c in claimed if c.state == S.SENDING.value]
        if stale:
            self._interrupt(stale, now)
        self.conn.execute(
            update(_d)
            .where(_d.c.id.in_(ids))
            .values(state=S.SENDING.value, attempts=_d.c.attempts + 1, lease_until=lease_until)
        )
        return self._record_attempts(ids, now)

    def _record_attempts(self, ids: list[int], now: datetime) -> list[Job]:
        s, o = t.webhook_subscriptions, t.outbox
        rows = self.conn.execute(
            select(
                _d.c.id,
                _d.c.event_id,
                _d.c.member_id,
                _d.c.attempts,
                s.c.url,
                s.c.secret,
                o.c.type,
                o.c.payload,
                o.c.occurred_at,
            )
            .join(s, s.c.id == _d.c.subscription_id)
            .join(o, o.c.id == _d.c.event_id)
            .where(_d.c.id.in_(ids))
            .order_by(_d.c.event_id)
        ).all()
        self.conn.execute(
            t.webhook_attempts.insert(),
            [
                {
                    "delivery_id": r.id,
                    "member_id": r.member_id,
                    "number": r.attempts,
                    "started_at": now,
                }
                for r in rows
            ],
        )
        return [
            Job(
                delivery_id=int(r.id),
                event_id=int(r.event_id),
                member_id=int(r.member_id),
                attempt=int(r.attempts),
                url=r.url,
                secret=r.secret,
                event_type=r.type,
                payload=dict(r.payload or {}),
                occurred_at=r.occurred_at,
            )
            for r in rows
        ]

    def finish(self, outcomes: list[Outcome], now: datetime) -> None:
        """Record a batch's answers, each: delivered, pending again until `retry_at`, or
        (neither) a dead letter. A delivery another worker took back meanwhile (this one's
        lease ran out) keeps that worker's state; the log keeps both attempts. One
        transaction for the batch (the caller's): the worker's commits per delivery were
        its limit (bench/README.md, outbox lag)."""
        if not outcomes:
            return
        if self._postgres:
            self._finish_postgres(outcomes, now)
            return
        for outcome in outcomes:
            self._finish_one(outcome, now)

    def _finish_one(self, outcome: Outcome, now: datetime) -> None:
        job, status = outcome.job, outcome.status
        error = outcome.error[:ERROR_LENGTH] if outcome.error else None
        a = t.webhook_attempts
        self.conn.execute(
            update(a)
            .where(
                a.c.delivery_id == job.delivery_id,
                a.c.number == job.attempt,
                a.c.finished_at.is_(None),
            )
            .values(finished_at=now, status_code=status, error=error)
        )
        self.conn.execute(
            update(_d)
            .where(
                _d.c.id == job.delivery_id,
                _d.c.state == S.SENDING.value,
                _d.c.attempts == job.attempt,
            )
            .values(lease_until=None, last_status=status, last_error=error, **outcome.values(now))
        )
        if outcome.retry_at is None:
            self._publish_if_done(job.event_id, now)

    def _finish_postgres(self, outcomes: list[Outcome], now: datetime) -> None:
        """`finish` as one statement per answer, sent together (psycopg's executemany
        pipelines them: one round trip for the batch), its commit not waiting for the disk.
        Only a crash of the server itself (not of the worker) can lose this record; the
        deliveries are then taken back and sent again under the same webhook-id, which the
        receiver drops. Each statement sees the ones before it: of an event's deliveries
        answered in one batch, the last publishes it."""
        _commit_without_flush(self)
        params = []
        for outcome in outcomes:
            job = outcome.job
            values = outcome.values(now)
            params.append(
                {
                    "now": now,
                    "delivery": job.delivery_id,
                    "number": job.attempt,
                    "event": job.event_id,
                    "status": outcome.status,
                    "error": outcome.error[:ERROR_LENGTH] if outcome.error else None,
                    "state": values["state"],
                    "done_at": values.get("done_at"),
                    "retry_at": values.get("next_attempt_at"),
                    "final": values["state"] != S.PENDING.value,
                }
            )
        self.conn.execute(_FINISH, params)

    def release(self, jobs: list[Job]) -> None:
        """Claimed deliveries not sent after all: their attempt unrecorded, pending again."""
        a = t.webhook_attempts
        for job in jobs:
            self.conn.execute(
                a.delete().where(
                    a.c.delivery_id == job.delivery_id,
                    a.c.number == job.attempt,
                    a.c.finished_at.is_(None),
                )
            )
            self.conn.execute(
                update(_d)
                .where(
                    _d.c.id == job.delivery_id,
                    _d.c.state == S.SENDING.value,
                    _d.c.attempts == job.attempt,
                )
                .values(state=S.PENDING.value, attempts=job.attempt - 1, lease_until=None)
            )

    def reconcile(self, now: datetime, *, every_sending: bool) -> int:
        """At a worker's start: deliveries left `sending` by a worker that died are
        pending again at once (all of them when this is the only worker: SQLite), their
        open attempts closed as interrupted. The number taken back."""
        stale = select(_d.c.id).where(_d.c.state == S.SENDING.value)
        if not every_sending:
            stale = stale.where(_d.c.lease_until < now)
        ids = [int(i) for i in self.conn.execute(stale).scalars()]
        if not ids:
            return 0
        self._interrupt(ids, now)
        self.conn.execute(
            update(_d)
            .where(_d.c.id.in_(ids))
            .values(state=S.PENDING.value, next_attempt_at=now, lease_until=None)
        )
        return len(ids)

    def _interrupt(self, delivery_ids: list[int], now: datetime) -> None:
        a = t.webhook_attempts
        self.conn.execute(
            update(a)
            .where(a.c.delivery_id.in_(delivery_ids), a.c.finished_at.is_(None))
            .values(
                finished_at=now,
                error="interrupted: the worker stopped before recording the answer",
            )
        )

    def _publish_if_done(self, event_id: int, now: datetime) -> None:
        o = t.outbox
        undone = exists().where(_d.c.event_id == event_id, _d.c.state.in_(_UNDONE))
        self.conn.execute(
            update(o)
            .where(o.c.id == event_id, o.c.published_at.is_(None), ~undone)
            .values(published_at=now)
        )

    # the log, replays and the backlog

    def deliveries(
        self, *, state: str | None, subscription_id: int | None, limit: int
    ) -> list[Delivery]:
        o = t.outbox
        query = select(_d, o.c.type).join(o, o.c.id == _d.c.event_id)
        if state is not None:
            query = query.where(_d.c.state == state)
        if subscription_id is not None:
            query = query.where(_d.c.subscription_id == subscription_id)
        rows = self.conn.execute(query.order_by(_d.c.id.desc()).limit(limit))
        return [
            Delivery(
                id=int(r.id),
                event_id=int(r.event_id),
                subscription_id=int(r.subscription_id),
                member_id=int(r.member_id),
                event_type=r.type,
                state=r.state,
                attempts=int(r.attempts),
                next_attempt_at=r.next_attempt_at,
                last_status=r.last_status,
                last_error=r.last_error,
                created_at=r.created_at,
                done_at=r.done_at,
            )
            for r in rows
        ]

    def has_delivery(self, delivery_id: int) -> bool:
        return self.conn.execute(select(_d.c.id).where(_d.c.id == delivery_id)).first() is not None

    def attempts(self, delivery_id: int) -> list[Attempt]:
        a = t.webhook_attempts
        rows = self.conn.execute(select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.id))
        return [
            Attempt(
                int(r.delivery_id),
                int(r.number),
                r.started_at,
                r.finished_at,
                r.status_code,
                r.error,
            )
            for r in rows
        ]

    def replay(self, delivery_ids: list[int] | None, now: datetime) -> int:
        """Send deliveries again from their first attempt (the given ones when not sending;
        None: every dead letter); their events count as unpublished until done."""
        query = select(_d.c.id, _d.c.event_id).where(_active())  # none to a removed URL
        if delivery_ids is None:
            query = query.where(_d.c.state == S.DEAD.value)
        else:
            query = query.where(_d.c.id.in_(delivery_ids), _d.c.state != S.SENDING.value)
        rows = self.conn.execute(query).all()
        if not rows:
            return 0
        self.conn.execute(
            update(_d)
            .where(_d.c.id.in_([r.id for r in rows]))
            .values(
                state=S.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                done_at=None,
                lease_until=None,
            )
        )
        o = t.outbox
        events = sorted({r.event_id for r in rows})
        self.conn.execute(update(o).where(o.c.id.in_(events)).values(published_at=None))
        return len(rows)

    def backlog(self) -> Backlog:
        o = t.outbox
        events, oldest = self.conn.execute(
            select(func.count(), func.min(o.c.created_at)).where(o.c.published_at.is_(None))
        ).one()
        counted = self.conn.execute(
            select(_d.c.state, func.count())
            .where(_d.c.state.in_([*_UNDONE, S.DEAD.value]))
            .group_by(_d.c.state)
        )
        states = {str(state): int(n) for state, n in counted}
        return Backlog(
            events=int(events),
            oldest_created_at=oldest,
            pending=int(states.get(S.PENDING.value, 0)),
            sending=int(states.get(S.SENDING.value, 0)),
            dead=int(states.get(S.DEAD.value, 0)),
        )


# PostgreSQL: the attempt's answer, the delivery's state and, when it was the event's last
# delivery undone, the event published, in one statement (the subqueries see the rows as
# they were before it: the delivery itself is left out of the "undone" test)
_FINISH = text("""\
WITH attempt AS (
  UPDATE webhook_attempts
  SET finished_at = :now, status_code = CAST(:status AS integer), error = CAST(:error AS text)
  WHERE delivery_id = :delivery AND number = :number AND finished_at IS NULL
), delivery AS (
  UPDATE webhook_deliveries
  SET state = :state, lease_until = NULL, last_status = CAST(:status AS integer),
      last_error = CAST(:error AS text),
      done_at = COALESCE(CAST(:done_at AS timestamp), done_at),
      next_attempt_at = COALESCE(CAST(:retry_at AS timestamp), next_attempt_at)
  WHERE id = :delivery AND state = 'sending' AND attempts = :number
  RETURNING id
)
UPDATE outbox SET published_at = :now
WHERE id = :event AND published_at IS NULL AND CAST(:final AS boolean)
  AND EXISTS (SELECT 1 FROM delivery)
  AND NOT EXISTS (
    SELECT 1 FROM webhook_deliveries d
    WHERE d.event_id = :event AND d.id <> :delivery AND d.state IN ('pending', 'sending')
  )""")


def _commit_without_flush(repo: Repo) -> None:
    """PostgreSQL: this transaction's commit does not wait for the disk (the worker's
    route, claim and finish; bench/README.md, outbox lag). Safe for the guarantee: only a
    crash of the database server itself can lose such a commit (a worker's crash cannot),
    and each loss is one the worker already survives: an event routed again (its
    deliveries made anew with it), a claim undone (the delivery pending, its attempt not
    logged: sent as if first claimed now), an answer unrecorded (sent again under the same
    webhook-id, which the receiver drops). Never used for the earn's own writes."""
    repo.conn.execute(text("SET LOCAL synchronous_commit TO off"))


def _active() -> ColumnElement[bool]:
    """The delivery's subscription is still on: nothing is sent, or sent again, to a
    subscription once removed."""
    s = t.webhook_subscriptions
    return exists().where(s.c.id == _d.c.subscription_id, s.c.active.is_(True))
