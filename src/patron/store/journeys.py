"""What the journeys read of the store (`uow.journeys`): the members' purchase dates for
win-back, a page at a time, and the messages each journey made, counted by status.

Win-back reads members in pages by id (keyset: `after` the last id of the page before),
one grouped query per page, so a scan over a million members holds one page in memory.
A purchase returned in full is not a purchase here: it leaves no habit to measure.
"""

from __future__ import annotations

from sqlalchemy import func, select

from patron.domain.journeys import PurchaseDates
from patron.store import tables as t
from patron.store.base import Repo

_P = t.purchases


class JourneyReads(Repo):
    def purchase_dates(self, after: int, limit: int) -> list[PurchaseDates]:
        """Members with an id above `after` who kept at least one purchase: how many, the
        first and the last; at most `limit` of them, by id."""
        rows = self.conn.execute(
            select(
                _P.c.member_id,
                func.count().label("n"),
                func.min(_P.c.occurred_at).label("first"),
                func.max(_P.c.occurred_at).label("last"),
            )
            .where(_P.c.member_id > after, _P.c.refunded_total < _P.c.total)
            .group_by(_P.c.member_id)
            .order_by(_P.c.member_id)
            .limit(limit)
        ).all()
        return [PurchaseDates(int(r.member_id), int(r.n), r.first, r.last) for r in rows]

    def external_ids(self, external_ids: list[str]) -> dict[str, int]:
        """Member ids by external id (the analytics' customer id), for those that exist."""
        m = t.members
        found: dict[str, int] = {}
        for start in range(0, len(external_ids), 1000):
            chunk = external_ids[start : start + 1000]
            rows = self.conn.execute(
                select(m.c.external_id, m.c.id).where(m.c.external_id.in_(chunk))
            )
            found.update({str(r.external_id): int(r.id) for r in rows})
        return found

    def message_counts(self) -> dict[str, dict[str, int]]:
        """By journey: its messages by status, and the refused ones by reason as
        `refused:<reason>` (as services/messages.py `counts` gives a campaign's)."""
        m = t.messages
        rows = self.conn.execute(
            select(m.c.journey, m.c.status, m.c.refusal, func.count())
            .where(m.c.journey.is_not(None))
            .group_by(m.c.journey, m.c.status, m.c.refusal)
        ).all()
        counts: dict[str, dict[str, int]] = {}
        for journey, status, refusal, n in rows:
            mine = counts.setdefault(str(journey), {})
            mine[str(status)] = mine.get(str(status), 0) + int(n)
            if refusal is not None:
                mine[f"refused:{refusal}"] = mine.get(f"refused:{refusal}", 0) + int(n)
        return counts
