"""The points' history as the liability report reads it: the ledger grouped by month and
kind, the lots' positions at month ends, and the fate of every lot's points by age.

Design overview. The roll-forward (analytics/liability.py) needs, per month, what each
kind of entry added or took away; one grouped query over `ledger_entries` gives it, with
the purchase's `bonus_points` (promotion bonuses and milestones, written beside every
earn) and whether a redemption was a catalog reward or a discount. The month-end
positions are computed a second, independent way, from `point_lots` less the
`lot_allocations` of entries dated before the month's end, so the report can show that
the two agree (docs/ledger.md: Σ entries = Σ remaining points of lots) and which part of
the closing balance is still pending. The breakage estimate (analytics/breakage.py) needs
the points that left each lot, by age in whole days and cause, and what is still open.

Only the date arithmetic differs between SQLite and PostgreSQL (`_month`, `_days`); the
queries are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from patron.domain.records import EntryKind, RedemptionStatus
from patron.store import tables as t
from patron.store.base import Repo

_E, _LOT, _A, _P, _R = (
    t.ledger_entries,
    t.point_lots,
    t.lot_allocations,
    t.purchases,
    t.redemptions,
)


@dataclass(frozen=True, slots=True)
class EntryTotal:
    """The points of one month's entries of one kind (and sign, and redemption kind)."""

    month: str  # YYYY-MM
    kind: EntryKind
    credit: bool  # points > 0
    discount: bool  # a redemption (or its cancel) of points as a discount, not a reward
    points: int
    bonus_points: int  # of an earn: the purchase's order bonuses (promotions, milestones)


@dataclass(frozen=True, slots=True)
class RuleTotal:
    """The points a rule of the program gave the purchases of a month (their breakdown)."""

    month: str  # YYYY-MM
    rule: str  # as domain/earning.py names it: "base", "tier Gold x1.5", "promotion …"
    points: int


@dataclass(frozen=True, slots=True)
class MonthEndLots:
    """The lots at a month's end (the instant `end`, excluded): points still in them, and
    of those the points not yet spendable."""

    end: datetime
    remaining: int
    pending: int


@dataclass(frozen=True, slots=True)
class PointFate:
    """Points of one member's lots of one cohort that left (or are still open) at an age:
    `cause` is redeem, expire, other (refund, adjustment, debt settlement) or open."""

    member_id: int
    cohort: str  # YYYY-MM the lots were earned in
    cause: str
    age_days: int
    points: int


@dataclass(frozen=True, slots=True)
class OpenPoints:
    """Points still in lots of one age, with the lots' life (None: they never expire)."""

    age_days: int
    life_days: int | None
    points: int


class PointsHistory(Repo):
    def entry_totals(self, before: datetime) -> list[EntryTotal]:
        """Every entry dated before `before`, summed by month, kind, sign and redemption
        kind: one grouped query."""
        month = self._month(_E.c.occurred_at).label("month")
        credit = case((_E.c.points > 0, 1), else_=0).label("credit")
        discount = case((and_(_R.c.id.is_not(None), _R.c.reward_id.is_(None)), 1), else_=0).label(
            "discount"
        )
        bonus = case((_E.c.kind == EntryKind.EARN.value, func.coalesce(_P.c.bonus_points, 0)))
        query = (
            select(
                month,
                _E.c.kind,
                credit,
                discount,
                func.sum(_E.c.points).label("points"),
                func.coalesce(func.sum(bonus), 0).label("bonus"),
            )
            .select_from(
                _E.outerjoin(
                    _P, and_(_P.c.id == _E.c.purchase_id, _E.c.kind == EntryKind.EARN.value)
                ).outerjoin(_R, _R.c.id == _E.c.redemption_id)
            )
            .where(_E.c.occurred_at < self._at(before))
            .group_by(month, _E.c.kind, credit, discount)
        )
        return [
            EntryTotal(
                str(r.month),
                EntryKind(r.kind),
                bool(r.credit),
                bool(r.discount),
                int(r.points),
                int(r.bonus),
            )
            for r in self.conn.execute(query)
        ]

    def issued_by_rule(self, before: datetime) -> list[RuleTotal]:
        """The points of the purchases dated before `before` that earned any, summed by
        month and by the rule their breakdown names (each breakdown sums to the purchase's
        points: domain/earning.py)."""
        rule: ColumnElement[Any]
        if self._postgres():
            item = func.json_array_elements(_P.c.breakdown).table_valued("value")
            rule = item.c.value.op("->>")("rule")
            points = cast(item.c.value.op("->>")("points"), Integer)
        else:
            item = func.json_each(_P.c.breakdown).table_valued("value")
            rule = func.json_extract(item.c.value, "$.rule")
            points = cast(func.json_extract(item.c.value, "$.points"), Integer)
        month = self._month(_P.c.occurred_at).label("month")
        rows = self.conn.execute(
            select(month, rule.label("rule"), func.sum(points).label("points"))
            .select_from(_P.join(item, literal(True)))
            .where(_P.c.points_earned > 0, _P.c.occurred_at < self._at(before))
            .group_by(month, rule)
            .order_by(month, rule)
        )
        return [RuleTotal(str(r.month), str(r.rule), int(r.points)) for r in rows]

    def lots_at(self, ends: Sequence[datetime]) -> list[MonthEndLots]:
        """At each instant of `ends`: Σ points of lots earned before it less Σ points their
        allocations dated before it took, and the same for the lots still pending then.
        The instants are a UNION ALL of one-row SELECTs: SQLite takes at most 500, and a
        report asks at most 240 (analytics/liability.MAX_MONTHS)."""
        if not ends:
            return []
        moments = union_all(*(select(self._at(end).label("end")) for end in ends)).subquery("ends")
        end = moments.c.end
        pending = _LOT.c.available_at >= end
        credited = (
            select(
                end,
                func.sum(_LOT.c.points).label("points"),
                func.sum(case((pending, _LOT.c.points), else_=0)).label("pending"),
            )
            .select_from(moments.join(_LOT, _LOT.c.earned_at < end))
            .group_by(end)
        )
        taken = (
            select(
                end,
                func.sum(_A.c.points).label("points"),
                func.sum(case((pending, _A.c.points), else_=0)).label("pending"),
            )
            .select_from(
                moments.join(_E, _E.c.occurred_at < end)
                .join(_A, _A.c.entry_id == _E.c.id)
                .join(_LOT, and_(_LOT.c.id == _A.c.lot_id, _LOT.c.earned_at < end))
            )
            .group_by(end)
        )
        given = {_key(r.end): (int(r.points or 0), int(r.pending or 0))
                 for r in self.conn.execute(credited)}  # fmt: skip
        spent = {_key(r.end): (int(r.points or 0), int(r.pending or 0))
                 for r in self.conn.execute(taken)}  # fmt: skip
        found = []
        for moment in ends:
            g, s = given.get(_key(moment), (0, 0)), spent.get(_key(moment), (0, 0))
            found.append(MonthEndLots(moment, g[0] - s[0], g[1] - s[1]))
        return found

    def point_fates(self, as_of: datetime) -> list[PointFate]:
        """What became of the lots' points by `as_of`, summed by member, cohort, cause and
        age in whole days. A cancelled redemption and its cancel are left out (its points
        went back into their lots); points that expired are dated at their lot's expiry,
        the moment they stopped being spendable, not at the run that burned them."""
        now = self._at(as_of)
        expiring = and_(_E.c.kind == EntryKind.EXPIRE.value, _LOT.c.expires_at.is_not(None))
        left_at = case((expiring, _LOT.c.expires_at), else_=_E.c.occurred_at)
        cause = case(
            (_E.c.kind == EntryKind.REDEEM.value, "redeem"),
            (_E.c.kind == EntryKind.EXPIRE.value, "expire"),
            else_="other",
        )
        kept = or_(
            _E.c.kind != EntryKind.REDEEM.value,
            _R.c.status.is_(None),
            _R.c.status != RedemptionStatus.CANCELLED.value,
        )
        left = self._fates(
            select_from=_A.join(_E, _E.c.id == _A.c.entry_id)
            .join(_LOT, _LOT.c.id == _A.c.lot_id)
            .outerjoin(_R, _R.c.id == _E.c.redemption_id),
            member=_A.c.member_id,
            cause=cause,
            age=self._days(_LOT.c.earned_at, left_at),
            points=_A.c.points,
            where=and_(
                _E.c.occurred_at <= now,
                _E.c.kind != EntryKind.REDEEM_CANCEL.value,
                kept,
            ),
        )
        past_expiry = and_(_LOT.c.expires_at.is_not(None), _LOT.c.expires_at <= now)
        still = self._fates(
            select_from=_LOT,
            member=_LOT.c.member_id,
            cause=case((past_expiry, "expire"), else_="open"),
            age=self._days(_LOT.c.earned_at, case((past_expiry, _LOT.c.expires_at), else_=now)),
            points=_LOT.c.remaining,
            where=and_(_LOT.c.remaining > 0, _LOT.c.earned_at <= now),
        )
        return left + still

    def open_points(self, as_of: datetime) -> list[OpenPoints]:
        """The points in lots at `as_of`, by age and life in whole days."""
        now = self._at(as_of)
        age = self._days(_LOT.c.earned_at, now).label("age")
        life = self._days(_LOT.c.earned_at, _LOT.c.expires_at).label("life")
        rows = self.conn.execute(
            select(age, life, func.sum(_LOT.c.remaining).label("points"))
            .where(_LOT.c.remaining > 0, _LOT.c.earned_at <= now)
            .group_by(age, life)
        )
        return [
            OpenPoints(
                max(int(r.age), 0), int(r.life) if r.life is not None else None, int(r.points)
            )
            for r in rows
        ]

    def _fates(
        self,
        *,
        select_from: Any,
        member: ColumnElement[Any],
        cause: ColumnElement[Any],
        age: ColumnElement[Any],
        points: ColumnElement[Any],
        where: ColumnElement[bool],
    ) -> list[PointFate]:
        cohort = self._month(_LOT.c.earned_at)
        columns = (member.label("member"), cohort.label("cohort"), cause.label("cause"),
                   age.label("age"))  # fmt: skip
        query = (
            select(*columns, func.sum(points).label("points"))
            .select_from(select_from)
            .where(where)
            .group_by(*columns)
        )
        return [
            PointFate(int(r.member), str(r.cohort), str(r.cause), max(int(r.age), 0), int(r.points))
            for r in self.conn.execute(query)
            if r.points
        ]

    def _postgres(self) -> bool:
        return self.conn.dialect.name == "postgresql"

    @staticmethod
    def _at(moment: datetime) -> ColumnElement[Any]:
        return literal(moment, DateTime)

    def _month(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if self._postgres():
            return func.to_char(column, "YYYY-MM")
        return func.strftime("%Y-%m", column)

    def _days(self, start: ColumnElement[Any], end: ColumnElement[Any]) -> ColumnElement[Any]:
        """Whole days from `start` to `end` (rounded down; NULL if either is)."""
        if self._postgres():
            return cast(func.floor(func.extract("epoch", end - start) / 86400.0), Integer)
        # CAST truncates toward zero: a negative age (an entry dated before its lot, which
        # the ledger does not write) reads as 0 days, as the callers clip it anyway
        return cast(func.julianday(end) - func.julianday(start), Integer)


def _key(moment: Any) -> str:
    """A month end as the query gave it back (SQLite: text) or as it was asked."""
    text = moment.isoformat(sep=" ") if isinstance(moment, datetime) else str(moment)
    return text[:19]
