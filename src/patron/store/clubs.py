"""Clubs in the store: where each member stands in each club, the history of every change,
and the members a rule club's rule holds for, computed in SQL over the purchases.

`club_members` holds one row per club and member while they are invited, have asked, or
are in; a member out of a club has no row. `club_changes` is only ever added to. The use
cases (services/clubs.py) lock the member's row before changing a standing, so two staff
deciding one request at once change it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from patron.domain.clubs import Change, ClubChange, ClubMember, Standing
from patron.domain.program import ClubRule
from patron.store import tables as t
from patron.store.base import Repo

_CM, _CC, _P, _L, _M = t.club_members, t.club_changes, t.purchases, t.purchase_lines, t.members
CHUNK = 1000


def _member(row: Any) -> ClubMember:
    return ClubMember(row.club_id, int(row.member_id), Standing(row.standing), row.since)


def _change(row: Any) -> ClubChange:
    return ClubChange(
        row.club_id, int(row.member_id), Change(row.change), row.at, row.actor, row.reason
    )


class Clubs(Repo):
    def standing(self, club_id: str, member_id: int) -> ClubMember | None:
        query = select(_CM).where(_CM.c.club_id == club_id, _CM.c.member_id == member_id)
        row = self.conn.execute(query).first()
        return _member(row) if row is not None else None

    def set_standing(
        self, club_id: str, member_id: int, standing: Standing | None, at: datetime
    ) -> None:
        """Put the member at `standing` in the club (None: out of it)."""
        where = and_(_CM.c.club_id == club_id, _CM.c.member_id == member_id)
        if standing is None:
            self.conn.execute(delete(_CM).where(where))
            return
        changed = self.conn.execute(
            update(_CM).where(where).values(standing=standing.value, since=at)
        )
        if changed.rowcount == 0:
            self.conn.execute(
                insert(_CM).values(
                    club_id=club_id, member_id=member_id, standing=standing.value, since=at
                )
            )

    def record(self, changes: Sequence[ClubChange]) -> None:
        """Add changes to the history, as they are."""
        rows = [
            {
                "club_id": c.club_id,
                "member_id": c.member_id,
                "change": c.change.value,
                "at": c.at,
                "actor": c.actor,
                "reason": c.reason,
            }
            for c in changes
        ]
        for i in range(0, len(rows), CHUNK):
            self.conn.execute(insert(_CC), rows[i : i + CHUNK])

    def of_member(self, member_id: int) -> list[ClubMember]:
        """Where the member stands in every club they have a standing in, by club id."""
        query = select(_CM).where(_CM.c.member_id == member_id).order_by(_CM.c.club_id)
        return [_member(r) for r in self.conn.execute(query)]

    def clubs_of(self, member_id: int) -> frozenset[str]:
        """The clubs the member is in (not only invited or asking)."""
        query = select(_CM.c.club_id).where(
            _CM.c.member_id == member_id, _CM.c.standing == Standing.MEMBER.value
        )
        return frozenset(self.conn.execute(query).scalars())

    def in_club(self, club_id: str, standing: Standing | None = None) -> list[ClubMember]:
        """A club's rows (those of one standing), by member id."""
        query = select(_CM).where(_CM.c.club_id == club_id).order_by(_CM.c.member_id)
        if standing is not None:
            query = query.where(_CM.c.standing == standing.value)
        return [_member(r) for r in self.conn.execute(query)]

    def member_ids(self, club_id: str) -> list[int]:
        query = select(_CM.c.member_id).where(
            _CM.c.club_id == club_id, _CM.c.standing == Standing.MEMBER.value
        )
        return [int(m) for m in self.conn.execute(query).scalars()]

    def counts(self) -> dict[tuple[str, Standing], int]:
        """How many rows each club has of each standing."""
        query = select(_CM.c.club_id, _CM.c.standing, func.count()).group_by(
            _CM.c.club_id, _CM.c.standing
        )
        return {(c, Standing(s)): int(n) for c, s, n in self.conn.execute(query)}

    def admit(self, club_id: str, member_ids: Sequence[int], at: datetime) -> None:
        rows = [
            {"club_id": club_id, "member_id": m, "standing": Standing.MEMBER.value, "since": at}
            for m in member_ids
        ]
        for i in range(0, len(rows), CHUNK):
            self.conn.execute(insert(_CM), rows[i : i + CHUNK])

    def remove(self, club_id: str, member_ids: Sequence[int]) -> None:
        ids = list(member_ids)
        for i in range(0, len(ids), CHUNK):
            self.conn.execute(
                delete(_CM).where(_CM.c.club_id == club_id, _CM.c.member_id.in_(ids[i : i + CHUNK]))
            )

    def history(
        self, *, club_id: str | None = None, member_id: int | None = None
    ) -> list[ClubChange]:
        """The changes of a club, of a member, or of both, oldest first."""
        query = select(_CC).order_by(_CC.c.at, _CC.c.id)
        if club_id is not None:
            query = query.where(_CC.c.club_id == club_id)
        if member_id is not None:
            query = query.where(_CC.c.member_id == member_id)
        return [_change(r) for r in self.conn.execute(query)]

    def qualifying(self, rule: ClubRule, since: datetime, until: datetime) -> list[int]:
        """The members (not erased) a rule holds for: over the purchases that occurred in
        [since, until], the lines (of the rule's category) net of their returns come to at
        least `min_spend` (rounded to cents) and are spread over at least `min_purchases`
        purchases. One grouped query, on SQLite and PostgreSQL alike."""
        kept = _L.c.quantity - _L.c.refunded_quantity
        spend = func.round(func.sum(kept * _L.c.unit_price), 2)  # to cents, as amounts are
        bought = func.count(func.distinct(_L.c.purchase_id))
        query = (
            select(_L.c.member_id)
            .join(_P, _P.c.id == _L.c.purchase_id)
            .join(_M, _M.c.id == _L.c.member_id)
            .where(
                _P.c.occurred_at >= since,
                _P.c.occurred_at <= until,
                kept > 0,
                _M.c.erased_at.is_(None),
            )
            .group_by(_L.c.member_id)
        )
        if rule.category is not None:
            query = query.where(_L.c.category == rule.category)
        if rule.min_spend is not None:
            query = query.having(spend >= Decimal(rule.min_spend))
        if rule.min_purchases is not None:
            query = query.having(bought >= rule.min_purchases)
        return sorted(int(m) for m in self.conn.execute(query).scalars())
