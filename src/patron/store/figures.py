"""The program's own figures for the console's overview: points by kind of entry over a
period, what members hold, enrolments, and the tier mix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from patron.store import tables as t
from patron.store.base import Repo

_E = t.ledger_entries
_M = t.members


class ProgramFigures(Repo):
    def points_by_kind(self, start: datetime, end: datetime) -> dict[str, int]:
        """The sum of the ledger's points of each kind of entry in [start, end)."""
        query = (
            select(_E.c.kind, func.coalesce(func.sum(_E.c.points), 0))
            .where(_E.c.occurred_at >= start, _E.c.occurred_at < end)
            .group_by(_E.c.kind)
        )
        return {str(kind): int(points) for kind, points in self.conn.execute(query)}

    def points_before(self, end: datetime) -> int:
        """The sum of the ledger's points before `end`: what members held then."""
        query = select(func.coalesce(func.sum(_E.c.points), 0)).where(_E.c.occurred_at < end)
        return int(self.conn.execute(query).scalar_one())

    def held(self) -> int:
        """The points members hold now, spendable and pending (the sum of their balances)."""
        return int(self.conn.execute(select(func.coalesce(func.sum(_M.c.balance), 0))).scalar_one())

    def enrolled(self, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(_M.c.enrolled_at >= start, _M.c.enrolled_at < end)
        return int(self.conn.execute(query).scalar_one())

    def members_by(self, end: datetime) -> int:
        query = select(func.count()).where(_M.c.enrolled_at < end)
        return int(self.conn.execute(query).scalar_one())

    def tier_mix(self) -> dict[str, int]:
        query = select(_M.c.tier, func.count()).group_by(_M.c.tier)
        return {str(tier): int(n) for tier, n in self.conn.execute(query)}

    def version(self) -> tuple[int, ...]:
        """What changes whenever a figure of the console may: the newest purchase, refund,
        ledger entry and outbox event (every use case that changes members, points or tiers
        writes one). Each is the maximum of a primary key: an index's last entry, cheap."""
        newest = [
            select(func.coalesce(func.max(table.c.id), 0)).scalar_subquery()
            for table in (t.purchases, t.refunds, _E, t.outbox)
        ]
        return tuple(int(n) for n in self.conn.execute(select(*newest)).one())
