"""Events' seats and the members' RSVPs (domain/rsvp.py).

The seats taken move only by a conditional UPDATE whose row count says whether this
transaction took one: `taken = taken + 1 WHERE taken < capacity`. Of many RSVPs at once,
on PostgreSQL (READ COMMITTED: a waiting UPDATE re-reads the row once the one before it
commits) and SQLite (one writer at a time) alike, only `capacity` get a seat; the others
join the waiting list. The use cases lock the event's row first (`lock`), before any
member's, so that a cancellation promoting a waiting member and that member's own RSVP
elsewhere take their locks in one order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, insert, select, update

from patron.domain.money import quantize_money
from patron.domain.program import Program
from patron.domain.rsvp import ACTIVE, EventSeats, NewRsvp, Rsvp, RsvpState
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row

_E = t.event_seats
_V = t.rsvps


def _seats(row: Row[Any]) -> EventSeats:
    return EventSeats(row.reward_id, row.starts_at, row.place, int(row.capacity), int(row.taken))


def _rsvp(row: Row[Any]) -> Rsvp:
    return Rsvp(
        id=int(row.id),
        reward_id=row.reward_id,
        member_id=int(row.member_id),
        state=RsvpState(row.state),
        points=int(row.points),
        cost=quantize_money(decimal(row.cost)),
        created_at=row.created_at,
        seated_at=row.seated_at,
        redemption_id=int(row.redemption_id) if row.redemption_id is not None else None,
        done_at=row.done_at,
        done_by=row.done_by,
        reason=row.reason,
    )


class Rsvps(Repo):
    def sync(self, program: Program) -> None:
        """The program's scheduled events, each with its date, place and capacity; the
        seats taken are kept (a capacity lowered under them takes nobody's seat away:
        no new seat is given until they fall under it)."""
        existing = set(self.conn.execute(select(_E.c.reward_id)).scalars())
        for reward in program.rewards:
            if not reward.scheduled:
                continue
            values = {
                "starts_at": reward.starts_at,
                "place": reward.place,
                "capacity": reward.capacity,
            }
            if reward.id in existing:
                self.conn.execute(update(_E).where(_E.c.reward_id == reward.id).values(values))
            else:
                self.conn.execute(insert(_E).values(reward_id=reward.id, taken=0, **values))

    def seats(self, reward_id: str, *, lock: bool = False) -> EventSeats | None:
        query = select(_E).where(_E.c.reward_id == reward_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _seats(row) if row is not None else None

    def events(self, since: datetime | None = None) -> list[EventSeats]:
        """The events beginning after `since` (all if None), soonest first."""
        query = select(_E).order_by(_E.c.starts_at, _E.c.reward_id)
        if since is not None:
            query = query.where(_E.c.starts_at > since)
        return [_seats(r) for r in self.conn.execute(query)]

    def take_seat(self, reward_id: str) -> bool:
        """Take one seat; False when all are taken (the row count of a conditional UPDATE)."""
        taken = self.conn.execute(
            update(_E)
            .where(_E.c.reward_id == reward_id, _E.c.taken < _E.c.capacity)
            .values(taken=_E.c.taken + 1)
        )
        return taken.rowcount == 1

    def free_seat(self, reward_id: str) -> None:
        self.conn.execute(
            update(_E).where(_E.c.reward_id == reward_id).values(taken=_E.c.taken - 1)
        )

    def add(self, new: NewRsvp) -> int:
        return insert_row(
            self.conn,
            _V,
            {
                "reward_id": new.reward_id,
                "member_id": new.member_id,
                "state": new.state.value,
                "points": new.points,
                "cost": new.cost,
                "redemption_id": new.redemption_id,
                "created_at": new.created_at,
                "seated_at": new.seated_at,
            },
        )

    def get(self, rsvp_id: int) -> Rsvp | None:
        row = self.conn.execute(select(_V).where(_V.c.id == rsvp_id)).first()
        return _rsvp(row) if row is not None else None

    def active(self, member_id: int, reward_id: str) -> Rsvp | None:
        """The member's attending or waiting RSVP to the event, if any."""
        row = self.conn.execute(
            select(_V).where(
                _V.c.member_id == member_id,
                _V.c.reward_id == reward_id,
                _V.c.state.in_([s.value for s in ACTIVE]),
            )
        ).first()
        return _rsvp(row) if row is not None else None

    def of_event(self, reward_id: str) -> list[Rsvp]:
        """Every RSVP to the event, in RSVP order."""
        query = select(_V).where(_V.c.reward_id == reward_id).order_by(_V.c.id)
        return [_rsvp(r) for r in self.conn.execute(query)]

    def waiting(self, reward_id: str) -> list[Rsvp]:
        """The event's waiting list, first in line first."""
        query = (
            select(_V)
            .where(_V.c.reward_id == reward_id, _V.c.state == RsvpState.WAITING.value)
            .order_by(_V.c.id)
        )
        return [_rsvp(r) for r in self.conn.execute(query)]

    def of_member(self, member_id: int) -> list[Rsvp]:
        query = select(_V).where(_V.c.member_id == member_id).order_by(_V.c.id.desc())
        return [_rsvp(r) for r in self.conn.execute(query)]

    def seat(
        self, rsvp_id: int, at: datetime, points: int, cost: Decimal, redemption_id: int | None
    ) -> bool:
        """A waiting RSVP takes a seat; False when it was not waiting any more."""
        moved = self.conn.execute(
            update(_V)
            .where(_V.c.id == rsvp_id, _V.c.state == RsvpState.WAITING.value)
            .values(
                state=RsvpState.ATTENDING.value,
                seated_at=at,
                points=points,
                cost=cost,
                redemption_id=redemption_id,
            )
        )
        return moved.rowcount == 1

    def finish(
        self,
        rsvp_id: int,
        from_state: RsvpState,
        to: RsvpState,
        at: datetime,
        by: str | None,
        reason: str | None,
    ) -> bool:
        """Move an RSVP from `from_state` to `to`; False when another transaction moved it
        first."""
        moved = self.conn.execute(
            update(_V)
            .where(_V.c.id == rsvp_id, _V.c.state == from_state.value)
            .values(state=to.value, done_at=at, done_by=by, reason=reason)
        )
        return moved.rowcount == 1
