"""The points liability: a monthly roll-forward of the points from the ledger, breakage
estimated from the lots, and the liability in money.

Design overview. Every change of a balance is a ledger entry (docs/ledger.md), so a
month's movement is the sum of its entries by kind: `PointsHistory.entry_totals` is one
grouped query, and this module only names the sums (`LINES`) and chains the months:
opening + Σ lines = closing, by construction. What proves it against the ledger is the
second figure of every month end, `lots_closing`, the points still in lots then
(Σ lot points − Σ allocations dated before the end, another query over other tables):
`balanced` says the two agree, which is the ledger's invariant Σ entries = Σ lots, month
by month. The liability applies the latest breakage estimate (analytics/breakage.py) to
each month's closing balance: liability = closing × point value × (1 − breakage).

`liability_changes` is what the budget reads as the actual of `points_liability`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from patron.analytics.breakage import CAUSES, DAYS_PER_MONTH, Breakage, Fates, Outstanding
from patron.analytics.breakage import cohort_shares as _cohort_shares
from patron.analytics.breakage import estimate as _estimate
from patron.domain.errors import InvalidInput, NoProgram
from patron.domain.money import CENT
from patron.domain.months import key, months_between, next_month, start_of
from patron.domain.program import Program
from patron.domain.records import EntryKind
from patron.store.points import EntryTotal, RuleTotal
from patron.store.uow import UnitOfWork

# the lines of a month, in the order the report shows them; each is the signed sum of its
# entries (credits positive), so opening + Σ lines = closing
ISSUED = ("issued_purchases", "issued_bonuses", "issued_welcome", "issued_referral")
LINES = (
    *ISSUED,
    "adjusted_up",
    "redemptions_cancelled",
    "redeemed_rewards",
    "redeemed_discounts",
    "expired",
    "refunds",
    "adjusted_down",
    "debt_settled",
)
DEFAULT_CAP_MONTHS = 36
MAX_MONTHS = 240  # twenty years a report
DEFAULT_REPLICATES = 200


def _lines_of(total: EntryTotal) -> list[tuple[str, int]]:
    """Which lines an entry total goes to, with its signed points."""
    kind, pts = total.kind, total.points
    if kind is EntryKind.EARN:
        return [
            ("issued_purchases", pts - total.bonus_points),
            ("issued_bonuses", total.bonus_points),
        ]
    if kind is EntryKind.REDEEM:
        return [("redeemed_discounts" if total.discount else "redeemed_rewards", pts)]
    if kind is EntryKind.ADJUST:
        return [("adjusted_up" if total.credit else "adjusted_down", pts)]
    named = {
        EntryKind.WELCOME: "issued_welcome",
        EntryKind.REFERRAL: "issued_referral",
        EntryKind.REDEEM_CANCEL: "redemptions_cancelled",
        EntryKind.EXPIRE: "expired",
        EntryKind.REFUND: "refunds",
        EntryKind.DEBT_SETTLEMENT: "debt_settled",
    }
    return [(named[kind], pts)]


@dataclass(frozen=True)
class MonthRoll:
    """One month of the roll-forward, in points; `lines` signed (a debit is negative)."""

    month: date
    opening: int
    lines: dict[str, int]
    closing: int
    pending: int
    lots_closing: int

    @property
    def issued(self) -> int:
        return sum(self.lines[name] for name in ISSUED)

    @property
    def balanced(self) -> bool:
        """opening + Σ lines = closing = the points in lots at the month's end."""
        return self.opening + sum(self.lines.values()) == self.closing == self.lots_closing


def roll_forward(uow: UnitOfWork, first: date | None, last: date | None) -> list[MonthRoll]:
    """The months from `first` to `last` (default: the first month with an entry, and the
    current month), each from its opening to its closing balance."""
    last = (last or uow.now.date()).replace(day=1)
    end = start_of(next_month(last))
    totals = uow.points.entry_totals(end)
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LINES, 0))
    for total in totals:
        for name, pts in _lines_of(total):
            by_month[total.month][name] += pts
    if first is None:
        first = date.fromisoformat(f"{min(by_month)}-01") if by_month else last
    first = first.replace(day=1)
    if first > last:
        raise InvalidInput(f"from: {key(first)} is after to: {key(last)}")
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        raise InvalidInput(
            f"from, to: at most {MAX_MONTHS} months at once, not {len(months)};"
            " give a later --from (from=)"
        )
    opening = sum(sum(v.values()) for m, v in by_month.items() if m < key(first))
    ends = uow.points.lots_at([start_of(next_month(m)) for m in months])
    rows = []
    for month, lots in zip(months, ends, strict=True):
        lines = dict(by_month.get(key(month), dict.fromkeys(LINES, 0)))
        closing = opening + sum(lines.values())
        rows.append(MonthRoll(month, opening, lines, closing, lots.pending, lots.remaining))
        opening = closing
    return rows


def _program(uow: UnitOfWork) -> Program:
    found = uow.programs.current()
    if found is None:
        raise NoProgram()
    return found[1]


def life_days(program: Program) -> int | None:
    """A lot's life in days under the program (None: points never expire)."""
    months = program.expiry.months
    return round(months * DAYS_PER_MONTH) if months is not None else None


def history(uow: UnitOfWork, as_of: datetime) -> tuple[Fates, np.ndarray, Outstanding]:
    """The lots' points by member, cohort, age and fate, and what is still in lots: the
    arrays the estimator takes (members numbered 0..n−1)."""
    fates = uow.points.point_fates(as_of)
    ids = np.array([f.member_id for f in fates], np.int64)
    codes = np.unique(ids, return_inverse=True)[1]
    found = Fates(
        codes.astype(np.int64),
        np.array([f.age_days for f in fates], np.int64),
        np.array([CAUSES[f.cause] for f in fates], np.int64),
        np.array([f.points for f in fates], np.float64),
    )
    cohorts = np.array([f.cohort for f in fates], dtype=str)
    still = uow.points.open_points(as_of)
    outstanding = Outstanding(
        np.array([o.age_days for o in still], np.int64),
        np.array([o.life_days if o.life_days is not None else -1 for o in still], np.int64),
        np.array([o.points for o in still], np.float64),
    )
    return found, cohorts, outstanding


def breakage(
    uow: UnitOfWork,
    *,
    cap_months: int = DEFAULT_CAP_MONTHS,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
) -> Breakage | None:
    """The breakage estimate as of now (None: no point was ever issued)."""
    if not 1 <= cap_months <= 240:
        raise InvalidInput(f"cap_months: give 1 to 240 months, not {cap_months}")
    if not 0 <= replicates <= 2000:
        raise InvalidInput(f"replicates: give 0 to 2000, not {replicates}")
    program = _program(uow)
    fates, _, outstanding = history(uow, uow.now)
    if not len(fates.points):
        return None
    return _estimate(
        fates,
        outstanding,
        life_days=life_days(program),
        cap_days=round(cap_months * DAYS_PER_MONTH),
        replicates=replicates,
        seed=seed,
    )


def cohorts(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Share redeemed and expired by month of age, per month of issue."""
    program = _program(uow)
    fates, months, _ = history(uow, uow.now)
    life = life_days(program) or round(DEFAULT_CAP_MONTHS * DAYS_PER_MONTH)
    return _cohort_shares(months, fates, math.ceil(life / DAYS_PER_MONTH))


@dataclass(frozen=True)
class LiabilityReport:
    currency: str
    point_value: Decimal
    months: list[MonthRoll]
    breakage: Breakage | None
    as_of: datetime
    by_rule: list[RuleTotal] = field(default_factory=list)

    def value(self, points: int, breakage: float = 0.0) -> Decimal:
        exact = Decimal(points) * self.point_value * (Decimal(1) - Decimal(str(breakage)))
        return exact.quantize(CENT, ROUND_HALF_UP)

    def liability(self, points: int, which: str = "expected") -> Decimal:
        """points × value × (1 − breakage); `which`: expected, low or high liability (the
        high liability takes the low breakage). No breakage applies without an estimate
        resting on redemptions (`Breakage.applicable`)."""
        if self.breakage is None or not self.breakage.applicable:
            return self.value(points)
        rate = {"expected": self.breakage.expected, "low": self.breakage.high,
                "high": self.breakage.low}[which]  # fmt: skip
        return self.value(points, rate)

    def rule_rows(self) -> list[dict[str, Any]]:
        """The points issued with purchases, by month and the program's rule that gave
        them: each month's sum is its issued_purchases + issued_bonuses."""
        return [
            {"month": r.month, "rule": r.rule, "points": r.points,
             "points_value": self.value(r.points)}
            for r in self.by_rule
        ]  # fmt: skip

    def rows(self) -> list[dict[str, Any]]:
        """One row per month: every line in points and in money, the check, the liability."""
        found = []
        for m in self.months:
            row: dict[str, Any] = {"month": key(m.month), "opening": m.opening}
            row.update({name: _shown(name, pts) for name, pts in m.lines.items()})
            row.update(
                issued=m.issued, closing=m.closing, pending=m.pending,
                spendable=m.closing - m.pending, lots_closing=m.lots_closing,
                balanced="yes" if m.balanced else "no",
            )  # fmt: skip
            for name in ("opening", *LINES, "issued", "closing", "pending"):
                row[f"{name}_value"] = self.value(row[name])
            row["liability"] = self.liability(m.closing)
            row["liability_low"] = self.liability(m.closing, "low")
            row["liability_high"] = self.liability(m.closing, "high")
            row["liability_change"] = row["liability"] - self.liability(m.opening)
            found.append(row)
        return found


def _shown(name: str, points: int) -> int:
    """A debit line shown as the points it took out (positive), a credit as it is."""
    return points if name in ISSUED or name in ("adjusted_up", "redemptions_cancelled") else -points


def report(
    uow: UnitOfWork,
    first: date | None = None,
    last: date | None = None,
    *,
    cap_months: int = DEFAULT_CAP_MONTHS,
    replicates: int = DEFAULT_REPLICATES,
) -> LiabilityReport:
    """The roll-forward of the months asked, with the liability at each month's end."""
    program = _program(uow)
    months = roll_forward(uow, first, last)
    found = breakage(uow, cap_months=cap_months, replicates=replicates)
    shown = {key(m.month) for m in months}
    end = start_of(next_month(months[-1].month))
    rules = [r for r in uow.points.issued_by_rule(end) if r.month in shown]
    return LiabilityReport(
        program.currency, program.redemption.point_value, months, found, uow.now, rules
    )


def liability_changes(uow: UnitOfWork, months: list[date]) -> dict[date, Decimal]:
    """The change of the points liability over each month (closing − opening liability,
    at the latest breakage estimate): the budget's actual for `points_liability`."""
    if not months:
        return {}
    found = report(uow, min(months), max(months), replicates=0)
    rows = {m.month: m for m in found.months}
    return {
        month: found.liability(rows[month].closing) - found.liability(rows[month].opening)
        for month in months
    }
