"""A member's timeline in the store: purchases, refunds, redemptions, the ledger's own
entries and tier-change events in one query (a UNION ALL, newest first), a page at a
time (domain/timeline.py says what is listed and why)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Numeric, String, cast, func, literal, null, select, union_all
from sqlalchemy.sql import Select

from patron.domain.records import EntryKind
from patron.domain.timeline import LEDGER_KINDS, TimelineItem, TimelineKind, TimelinePage
from patron.store import tables as t
from patron.store.base import Repo, decimal

_P, _R, _D, _E, _O, _W = (
    t.purchases, t.refunds, t.redemptions, t.ledger_entries, t.outbox, t.rewards,
)  # fmt: skip
_TEXT = String(200)


def _row(kind: Any, at: Any, ref: Any, amount: Any, points: Any, *rest: Any) -> Select[Any]:
    detail, extra, actor = (cast(v, _TEXT) if v is not None else cast(null(), _TEXT) for v in rest)
    return select(
        cast(kind, _TEXT).label("kind"), at.label("at"), ref.label("ref"),
        cast(amount if amount is not None else null(), Numeric(14, 2)).label("amount"),
        cast(points if points is not None else null(), BigInteger).label("points"),
        detail.label("detail"), extra.label("extra"), actor.label("actor"),
    )  # fmt: skip


class Timeline(Repo):
    def page(self, member_id: int, offset: int, limit: int) -> TimelinePage:
        """`limit` items from the `offset`-th, newest first (ties: kind, then id)."""
        earned = (
            select(func.coalesce(func.sum(_E.c.points), 0))
            .where(_E.c.purchase_id == _P.c.id, _E.c.kind == EntryKind.EARN.value)
            .scalar_subquery()
        )
        reward = select(_W.c.name).where(_W.c.id == _D.c.reward_id).scalar_subquery()
        tier = _O.c.payload
        parts = [
            _row(literal(TimelineKind.PURCHASE.value), _P.c.occurred_at, _P.c.id, _P.c.total,
                 earned, _P.c.order_id, None, None).where(_P.c.member_id == member_id),
            _row(literal(TimelineKind.REFUND.value), _R.c.created_at, _R.c.id, _R.c.amount,
                 -_R.c.points_taken_back, _R.c.reason, None, None)
            .where(_R.c.member_id == member_id),
            _row(literal(TimelineKind.REDEMPTION.value), _D.c.created_at, _D.c.id, None,
                 -_D.c.points, func.coalesce(reward, _D.c.reward_id), _D.c.status, None)
            .where(_D.c.member_id == member_id),
            _row(_E.c.kind, _E.c.occurred_at, _E.c.id, None, _E.c.points, _E.c.reason, None,
                 _E.c.actor)
            .where(_E.c.member_id == member_id, _E.c.kind.in_([k.value for k in LEDGER_KINDS])),
            _row(literal(TimelineKind.TIER.value), _O.c.occurred_at, _O.c.id, None, None,
                 tier["from"].as_string(), tier["to"].as_string(), None)
            .where(_O.c.member_id == member_id, _O.c.type == "tier.changed"),
        ]  # fmt: skip
        every = union_all(*parts).subquery()
        query = (
            select(every)
            .order_by(every.c.at.desc(), every.c.kind, every.c.ref.desc())
            .offset(offset)
            .limit(limit + 1)
        )
        rows = self.conn.execute(query).all()
        return TimelinePage([_item(r) for r in rows[:limit]], more=len(rows) > limit)


def _item(row: Any) -> TimelineItem:
    return TimelineItem(
        kind=TimelineKind(row.kind),
        at=row.at,
        ref=int(row.ref),
        amount=None if row.amount is None else decimal(row.amount),
        points=None if row.points is None else int(row.points),
        detail=row.detail,
        extra=row.extra,
        actor=row.actor,
    )
