"""The KPI catalogue: every KPI a goal can name, each defined once, here.

A KPI has a stable name (the id goals store), a label, a unit (a column kind of
analytics/columns.py: how its value is written), a direction (which way it improves) and
one function computing it over a population's members (analytics/populations.py) and a
window of days [start, end) in the store. W is the window's length in days, N the
population's members enrolled before `end`; "purchases" are the population's purchases
dated in the window, at their amount less what was refunded of them:

    purchase_frequency    purchases / N × 365 / W  (purchases per member per year)
    average_basket        revenue / purchases                   (analytics/kpis.py)
    repeat_purchase_rate  buyers with 2 or more purchases / buyers (kpis.py)
    retention_rate        buyers of the W days before `start` who bought again in the
                          window / buyers of those W days          (kpis.py)
    churn_rate            1 − retention_rate                        (kpis.py)
    active_members        buyers: members with a purchase in the window (kpis.py)
    revenue_per_member    revenue / N
    member_revenue_share  revenue / all revenue of the window: every member's purchases
                          and the purchases recorded without a member still waiting for
                          one (unclaimed_purchases not linked; one linked to a member is
                          one of the member's purchases, at its own date)
    redemption_rate       points redeemed / points issued in the window, by the
                          population's members, from the ledger (domain/overview.py:
                          issued = welcome + referral + earned; redeemed = spent less
                          cancellations given back)
    margin_per_member     Σ margin / N, a purchase's margin kept − cost × kept / total as
                          analytics/economics.py has it; none when a purchase of the window
                          has no cost
    nps                   Net Promoter Score of the population's answers to every NPS
                          survey given in the window: 100 × (promoters 9–10 − detractors
                          0–6) / answers, −100…100 (analytics/surveys.py, docs/surveys.md)

A KPI that cannot be measured (no member, no purchase for a basket, no points issued for a
redemption rate, no buyer in the window before for retention) is None, never 0: a goal
cannot start from it; so is NPS without an answer in the window. `PLANNED` names KPIs
not measurable yet, so that asking for one says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

import ibis
import ibis.expr.types as ir

from patron.analytics import populations
from patron.analytics.columns import Kind
from patron.analytics.economics import kept_margin, kept_revenue
from patron.analytics.frames import Source, from_store
from patron.analytics.kpis import PeriodKpis, period_kpis
from patron.analytics.store import StoreAnalytics
from patron.analytics.surveys import nps_tally
from patron.domain.goals import Direction, InvalidGoal, Population, value_of
from patron.domain.overview import points_flow
from patron.domain.surveys import SurveyKind

YEAR_DAYS = 365
PLANNED: dict[str, str] = {}


@dataclass
class Scope:
    """What a KPI is computed over: the store, the population's members, the window."""

    con: ibis.BaseBackend
    members: ir.Table  # member_id, customer_id
    start: date
    end: date  # excluded

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @cached_property
    def size(self) -> int:
        """N: the population's members."""
        return int(self.members.count().execute())

    @cached_property
    def period(self) -> PeriodKpis:
        """analytics/kpis.py's figures of the window, on the population's purchases."""
        store = from_store(self.con)
        assert store.lines is not None  # the store's source has its lines
        ids = self.members.select("customer_id")
        source = Source(
            store.purchases.semi_join(ids, "customer_id"), store.lines.semi_join(ids, "customer_id")
        )
        as_time = datetime.combine
        return period_kpis(
            source, as_time(self.start, datetime.min.time()), as_time(self.end, datetime.min.time())
        )

    def purchases(self) -> ir.Table:
        """The store's purchases table: the population's purchases in the window."""
        p = self.con.table("purchases")
        inside = _in_window(p, p.occurred_at, self)
        return inside.semi_join(self.members, inside.member_id == self.members.member_id)


Compute = Callable[[Scope], float | None]


@dataclass(frozen=True)
class Kpi:
    name: str
    label: str
    unit: Kind
    direction: Direction
    compute: Compute


def _per_member(total: float | None, scope: Scope) -> float | None:
    return None if total is None or not scope.size else total / scope.size


def purchase_frequency(scope: Scope) -> float | None:
    per = _per_member(float(scope.period.purchases), scope)
    return None if per is None else per * YEAR_DAYS / scope.days


def average_basket(scope: Scope) -> float | None:
    return scope.period.average_basket if scope.period.purchases else None


def repeat_purchase_rate(scope: Scope) -> float | None:
    return scope.period.repurchase_rate if scope.period.customers else None


def retention_rate(scope: Scope) -> float | None:
    return scope.period.retention_rate


def churn_rate(scope: Scope) -> float | None:
    return scope.period.churn_rate


def active_members(scope: Scope) -> float | None:
    return float(scope.period.customers)


def revenue_per_member(scope: Scope) -> float | None:
    return _per_member(scope.period.revenue, scope)


def member_revenue_share(scope: Scope) -> float | None:
    purchases = scope.con.table("purchases")
    everyone = _in_window(purchases, purchases.occurred_at, scope)
    waiting = scope.con.table("unclaimed_purchases")
    unlinked = _in_window(waiting, waiting.occurred_at, scope).filter(waiting.member_id.isnull())
    revenue = _total(kept_revenue(everyone).sum()) + _total(unlinked.total.cast("float64").sum())
    if revenue <= 0:
        return None
    return _total(kept_revenue(scope.purchases()).sum()) / revenue


def _in_window(table: ir.Table, when: ir.Value, scope: Scope) -> ir.Table:
    day = when.cast("timestamp").date()  # days compare alike in every engine (SQLite: text)
    return table.filter((day >= scope.start) & (day < scope.end))


def redemption_rate(scope: Scope) -> float | None:
    entries = scope.con.table("ledger_entries")
    inside = _in_window(entries, entries.occurred_at, scope)
    mine = inside.semi_join(scope.members, inside.member_id == scope.members.member_id)
    by_kind = mine.group_by("kind").aggregate(points=mine.points.sum()).to_pyarrow().to_pylist()
    flow = points_flow({str(r["kind"]): int(r["points"] or 0) for r in by_kind})
    rate = flow.redemption_rate
    return None if rate is None else float(rate)


def margin_per_member(scope: Scope) -> float | None:
    bought = scope.purchases()
    costless = int(bought.filter(bought.cost.isnull()).count().execute())
    if costless or not scope.size:
        return None
    return _total(kept_margin(bought).sum()) / scope.size


def nps(scope: Scope) -> float | None:
    tally = nps_tally(scope.con, scope.members, scope.start, scope.end)
    return tally.score(SurveyKind.NPS)


def _total(value: ir.Scalar) -> float:
    found = value.to_pyarrow().as_py()
    return 0.0 if found is None else float(found)


H, L = Direction.HIGHER, Direction.LOWER
CATALOGUE: dict[str, Kpi] = {
    compute.__name__: Kpi(compute.__name__, label, unit, direction, compute)
    for compute, label, unit, direction in (
        (purchase_frequency, "Purchases per member per year", Kind.NUMBER, H),
        (average_basket, "Average basket", Kind.MONEY, H),
        (repeat_purchase_rate, "Repeat-purchase rate", Kind.SHARE, H),
        (retention_rate, "Retention rate", Kind.SHARE, H),
        (churn_rate, "Churn rate", Kind.SHARE, L),
        (active_members, "Active members", Kind.COUNT, H),
        (revenue_per_member, "Revenue per member", Kind.MONEY, H),
        (member_revenue_share, "Share of revenue from members", Kind.SHARE, H),
        (redemption_rate, "Redemption rate", Kind.SHARE, H),
        (margin_per_member, "Margin per member", Kind.MONEY, H),
        (nps, "Net Promoter Score", Kind.NUMBER, H),
    )
}  # the name of each KPI is its function's


def kpi_named(name: str) -> Kpi:
    """The catalogue's KPI `name`, or InvalidGoal listing the names it knows."""
    found = CATALOGUE.get(name)
    if found is not None:
        return found
    if name in PLANNED:
        raise InvalidGoal(f"kpi: {PLANNED[name]}; measurable now: {', '.join(CATALOGUE)}")
    raise InvalidGoal(f"kpi: unknown KPI {name!r}; the catalogue has {', '.join(CATALOGUE)}")


def measure(
    con: ibis.BaseBackend, name: str, population: Population, start: date, end: date
) -> float | None:
    """KPI `name` of `population` over the days [start, end) of the store `con` reaches."""
    kpi = kpi_named(name)
    members = populations.members_of(con, population, start, end)
    return kpi.compute(Scope(con, members, start, end))


class CatalogueMeasures:
    """The catalogue as the goals' use cases ask for it (services/goals.Measures): the
    KPIs' facts, populations checked, values measured on the store, six decimals."""

    def __init__(self, analytics: StoreAnalytics) -> None:
        self._analytics = analytics

    def kpi(self, name: str) -> Kpi:
        return kpi_named(name)

    def check_population(self, population: Population) -> None:
        self._analytics.run(lambda con: populations.check(con, population))

    def measure(self, name: str, population: Population, start: date, end: date) -> Decimal | None:
        found = self._analytics.run(lambda con: measure(con, name, population, start, end))
        return None if found is None else value_of(round(found, 6))
