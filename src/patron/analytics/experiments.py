"""An experiment's report and the power calculator, computed in the store's engine.

Per member of each arm (table `experiment_assignments`), over the report's period and the
pre-period of the same length just before it, from the store's purchases:

    revenue     Σ (total − refunded_total) of the member's purchases in the window
    purchases   the number of those purchases
    margin      Σ kept − cost × kept / total; only when every purchase of the two windows
                carries its cost (otherwise none: a partial cost would overstate it), or
                revenue × `margin_rate` when a rate is given for a store without costs
    retention   1 when the member bought in the window, else 0

A member who bought nothing counts with zeros: the arms are compared as drawn, never on
who happened to buy (that would compare after the program's own effect on buying). The
per-arm aggregates (counts, means, variances, covariance with the pre-period) are
computed by tea-tasting through Ibis in the store's engine (SQLite, PostgreSQL or an
in-memory DuckDB alike); only those few numbers come back. There is no Spark path: the
assignments live in the store, not in a purchase file. The statistics are
analytics/uplift.py's.

The program's cost over the period is the cost to the business of the rewards redeemed
by the treatment arm in the period (`redemptions.cost`, completed ones) plus `other_cost`:
the seam for what Patron does not record (communication, logistics, budget actuals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
from tea_tasting.aggr import Aggregates, read_aggregates

from patron.analytics import uplift
from patron.domain.errors import InvalidInput
from patron.domain.experiments import Arm, Experiment, Kind

METRICS = ("revenue", "purchases", "margin", "retention")
MONEY_METRICS = ("revenue", "margin")
HORIZONS_WEEKS = (1, 2, 4, 8, 13, 26, 52)
# the dates a report or a horizon may reach (a pre-period doubles the span back in time)
EARLIEST, LATEST = datetime(1971, 1, 1), datetime(2200, 1, 1)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime  # excluded

    def before(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class ArmSummary:
    arm: str
    members: int
    revenue: float
    purchases: float
    margin: float | None
    retention: float
    revenue_low: float | None  # the interval of the arm's mean revenue
    revenue_high: float | None


@dataclass(frozen=True)
class ExperimentReport:
    experiment: str
    kind: str
    period: Window
    pre_period: Window
    basis: str  # "cost" (lines' costs), "rate" (margin_rate) or "none"
    arms: list[ArmSummary]
    effects: list[uplift.Effect]  # per metric, plain and CUPED
    incremental_revenue: uplift.Money
    incremental_margin: uplift.Money
    redeemed_cost: float
    other_cost: float
    net_margin: uplift.Money
    roi: uplift.Money
    sample_ratio: uplift.SampleRatio | None
    confidence: float
    notes: list[str] = field(default_factory=list)

    @property
    def cost(self) -> float:
        return self.redeemed_cost + self.other_cost

    def effect_rows(self) -> list[dict[str, Any]]:
        """The effects as rows of `experiment_effects` (analytics/columns.py)."""
        rows = []
        for e in self.effects:
            row = e.as_dict()
            row["adjusted"] = "CUPED" if row.pop("cuped") else "none"
            rows.append({"metric": row.pop("metric"), "adjusted": row.pop("adjusted"), **row})
        return rows

    def money_rows(self) -> list[dict[str, Any]]:
        """The money as rows of `experiment_money`: incremental revenue and margin, the
        cost, the net incremental margin (intervals from the CUPED difference)."""
        cost = uplift.Money(self.cost, self.cost, self.cost)
        named = [
            ("incremental_revenue", self.incremental_revenue),
            ("incremental_margin", self.incremental_margin),
            ("program_cost", cost),
            ("net_incremental_margin", self.net_margin),
        ]
        return [{"figure": name, **money.as_dict()} for name, money in named]

    def as_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "kind": self.kind,
            "period": {"from": self.period.start, "to": self.period.end},
            "pre_period": {"from": self.pre_period.start, "to": self.pre_period.end},
            "confidence": self.confidence,
            "margin_basis": self.basis,
            "arms": [dict(vars(a)) for a in self.arms],
            "effects": [e.as_dict() for e in self.effects],
            "incremental_revenue": self.incremental_revenue.as_dict(),
            "incremental_margin": self.incremental_margin.as_dict(),
            "cost": {
                "redeemed": self.redeemed_cost,
                "other": self.other_cost,
                "total": self.cost,
            },
            "net_incremental_margin": self.net_margin.as_dict(),
            "roi": self.roi.as_dict(),
            "sample_ratio": None if self.sample_ratio is None else self.sample_ratio.as_dict(),
            "notes": self.notes,
        }


def _window_sums(purchases: ir.Table, window: Window, suffix: str) -> ir.Table:
    within = purchases.filter(
        purchases.occurred_at >= window.start, purchases.occurred_at < window.end
    )
    total = within.total.cast("float64")
    kept = total - within.refunded_total.cast("float64")
    cost_kept = ibis.cases((total > 0, within.cost.cast("float64") * kept / total), else_=0.0)
    return within.group_by(member=within.member_id).aggregate(
        **{
            f"revenue{suffix}": kept.sum(),
            f"purchases{suffix}": within.count(),
            f"margin{suffix}": (kept - cost_kept).sum(),
        }
    )


def member_outcomes(
    con: ibis.BaseBackend, experiment_id: int, period: Window, margin_rate: float | None = None
) -> ir.Table:
    """One row per member of the experiment: `arm` and each metric in the period and
    (suffix `_pre`) in the pre-period; an Ibis expression run by the store's engine."""
    assigned = con.table("experiment_assignments")
    members = assigned.filter(assigned.experiment_id == experiment_id).select(
        member_id=assigned.member_id, arm=assigned.arm
    )
    return outcomes_of(con, members, period, margin_rate)


def outcomes_of(
    con: ibis.BaseBackend, members: ir.Table, period: Window, margin_rate: float | None = None
) -> ir.Table:
    """`member_outcomes` for any table of `member_id` and `arm` (an experiment's arms, a
    campaign's holdout and treated members: analytics/campaigns.py)."""
    purchases = con.table("purchases")
    now = _window_sums(purchases, period, "")
    pre = _window_sums(purchases, period.before(), "_pre")
    joined = members.left_join(now, members.member_id == now.member).left_join(
        pre, members.member_id == pre.member
    )
    columns: dict[str, ir.Value] = {"arm": joined.arm}
    for suffix in ("", "_pre"):
        revenue = joined[f"revenue{suffix}"].fill_null(0.0)
        bought = joined[f"purchases{suffix}"].fill_null(0)
        margin = joined[f"margin{suffix}"].fill_null(0.0)
        columns[f"revenue{suffix}"] = revenue
        columns[f"purchases{suffix}"] = bought.cast("float64")
        columns[f"margin{suffix}"] = revenue * margin_rate if margin_rate is not None else margin
        # through an integer: PostgreSQL reads a literal 1.0 as NUMERIC (and Ibis drops a
        # cast to the type it believes the value has), which Arrow will not take as a double
        columns[f"retention{suffix}"] = (bought > 0).cast("int32").cast("float64")
    return joined.select(**columns)


def margin_basis(con: ibis.BaseBackend, window: Window, margin_rate: float | None) -> str:
    purchases = con.table("purchases")
    within = purchases.filter(
        purchases.occurred_at >= window.before().start, purchases.occurred_at < window.end
    )
    if margin_rate is not None:
        return "rate"
    costless = int(within.filter(within.cost.isnull()).count().execute())
    return "cost" if costless == 0 else "none"


def arm_aggregates(table: ir.Table, metrics: tuple[str, ...]) -> dict[str, Aggregates]:
    """Per arm: count, means, variances and covariances with the pre-period, in the engine."""
    pre = tuple(f"{m}_pre" for m in metrics)
    found = read_aggregates(
        table,
        "arm",
        has_count=True,
        mean_cols=(*metrics, *pre),
        var_cols=(*metrics, *pre),
        cov_cols=tuple((m, f"{m}_pre") for m in metrics),
    )
    return {str(arm): aggr for arm, aggr in found.items()}


def redeemed_cost(con: ibis.BaseBackend, experiment_id: int, window: Window) -> float:
    redemptions, assigned = con.table("redemptions"), con.table("experiment_assignments")
    treated = assigned.filter(
        assigned.experiment_id == experiment_id, assigned.arm == Arm.TREATMENT.value
    )
    done = redemptions.filter(
        redemptions.status == "completed",
        redemptions.created_at >= window.start,
        redemptions.created_at < window.end,
    )
    joined = done.join(treated, done.member_id == treated.member_id)
    value = joined.cost.sum().execute()  # NUMERIC: a Decimal on PostgreSQL, a float on SQLite
    return 0.0 if value is None or value != value else float(value)


def report(
    con: ibis.BaseBackend,
    experiment: Experiment,
    period: Window,
    *,
    other_cost: float = 0.0,
    margin_rate: float | None = None,
    confidence: float = 0.95,
) -> ExperimentReport:
    """The experiment's report over `period` (the pre-period: the same length before it)."""
    if period.end <= period.start:
        raise InvalidInput("to: the period must end after it starts")
    if period.start < EARLIEST or period.end > LATEST:
        raise InvalidInput(f"from, to: a period between {EARLIEST:%Y} and {LATEST:%Y}")
    if not 0 < confidence < 1:
        raise InvalidInput(f"confidence: {confidence} must be strictly between 0 and 1")
    if other_cost < 0:
        raise InvalidInput(f"other cost: {other_cost} must not be negative")
    if margin_rate is not None and not 0 <= margin_rate <= 1:
        raise InvalidInput(f"margin rate: {margin_rate} must be from 0 to 1 (0.3 is 30 %)")
    basis = margin_basis(con, period, margin_rate)
    metrics = tuple(m for m in METRICS if m != "margin" or basis != "none")
    table = member_outcomes(con, experiment.id, period, margin_rate)
    arms = arm_aggregates(table, metrics)
    control = arms.get(Arm.CONTROL.value, Aggregates(count_=0))
    treatment = arms.get(Arm.TREATMENT.value, Aggregates(count_=0))
    effects = []
    for metric in metrics:
        effects.append(
            uplift.effect(control, treatment, metric, value=metric, confidence=confidence)
        )
        effects.append(
            uplift.effect(
                control, treatment, metric, value=metric, covariate=f"{metric}_pre",
                confidence=confidence,
            )
        )  # fmt: skip
    adjusted = {e.metric: e for e in effects if e.cuped}
    treated = int(treatment.count_ or 0)
    revenue = uplift.incremental(adjusted["revenue"], treated)
    margin = uplift.incremental(adjusted.get("margin"), treated)
    redeemed = redeemed_cost(con, experiment.id, period)
    cost = redeemed + other_cost
    net = uplift.net_of(margin, cost)
    notes = _notes(experiment, basis)
    ratio = None
    if experiment.kind is Kind.HOLDOUT and experiment.control_share is not None:
        ratio = uplift.sample_ratio(
            int(control.count_ or 0), treated, float(experiment.control_share)
        )
        if ratio.mismatch:
            notes.insert(0, "sample ratio mismatch: the arms' sizes do not fit the share")
    return ExperimentReport(
        experiment=experiment.name,
        kind=experiment.kind.value,
        period=period,
        pre_period=period.before(),
        basis=basis,
        arms=[summary(arm, arms.get(arm.value), metrics, confidence) for arm in Arm],
        effects=effects,
        incremental_revenue=revenue,
        incremental_margin=margin,
        redeemed_cost=redeemed,
        other_cost=other_cost,
        net_margin=net,
        roi=uplift.roi_of(net, cost),
        sample_ratio=ratio,
        confidence=confidence,
        notes=notes,
    )


def summary(
    arm: Arm, found: Aggregates | None, metrics: tuple[str, ...], confidence: float
) -> ArmSummary:
    if found is None or not found.count_:
        return ArmSummary(arm.value, 0, 0.0, 0.0, None, 0.0, None, None)
    return ArmSummary(
        arm.value,
        int(found.count_),
        float(found.mean_["revenue"]),
        float(found.mean_["purchases"]),
        float(found.mean_["margin"]) if "margin" in metrics else None,
        float(found.mean_["retention"]),
        *uplift.mean_interval(found, "revenue", confidence),
    )


def _notes(experiment: Experiment, basis: str) -> list[str]:
    notes = []
    if basis == "none":
        notes.append(
            "no margin: some purchases carry no cost; give a margin rate or record unit costs"
        )
    if experiment.kind is Kind.PILOT:
        notes.append(
            "pilot: the arms are shops' customers, not drawn at random; the CUPED figures"
            " adjust for the pre-period, not for everything else that differs"
        )
    return notes


def default_period(experiment: Experiment, now: datetime) -> Window:
    """From the experiment's start to its end, or to now while it runs."""
    end = experiment.ends_at if experiment.ends_at is not None and experiment.ends_at < now else now
    if end <= experiment.starts_at:
        raise InvalidInput(
            f"experiment {experiment.name!r} starts at {experiment.starts_at.isoformat()};"
            " there is no period to report yet"
        )
    return Window(experiment.starts_at, end)


def report_document(found: ExperimentReport) -> dict[str, Any]:
    """The report as the API answers it and `--format json` prints it: every figure
    written by its kind (analytics/columns.py; money as decimal strings)."""
    from patron.analytics.columns import encode_rows

    document = found.as_dict()
    document["period"] = {k: v.isoformat() for k, v in document["period"].items()}
    document["pre_period"] = {k: v.isoformat() for k, v in document["pre_period"].items()}
    document["arms"] = encode_rows("experiment_arms", document["arms"])
    document["effects"] = encode_rows("experiment_effects", found.effect_rows())
    document["money"] = encode_rows("experiment_money", found.money_rows())
    for name in ("incremental_revenue", "incremental_margin", "net_incremental_margin", "cost"):
        del document[name]
    document["program_cost"] = {"redeemed": found.redeemed_cost, "other": found.other_cost}
    finite: dict[str, Any] = json_safe(document)
    return finite


def json_safe(value: Any) -> Any:
    """NaN and infinities (arms without variance) as null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class PowerRow:
    weeks: int
    members: int  # members enrolled before the window, not erased
    mean: float  # per member, over the window
    variance: float
    purchases_per_member_week: float
    members_needed: int | None
    enough: bool


def power_table(
    con: ibis.BaseBackend,
    as_of: datetime,
    relative_uplift: float,
    *,
    metric: str = "revenue",
    control_share: float = 0.1,
    alpha: float = 0.05,
    power: float = 0.8,
    horizons: tuple[int, ...] = HORIZONS_WEEKS,
) -> list[PowerRow]:
    """For each horizon of w weeks ending at `as_of`: the per-member mean and variance of
    `metric` measured over those w weeks, and the members needed to detect the uplift
    (uplift.members_needed). The smallest w whose need the store's members meet is how
    long an experiment on every member must run."""
    if metric not in ("revenue", "purchases"):
        raise InvalidInput(f"metric: {metric!r}; the power calculator takes revenue or purchases")
    if not EARLIEST <= as_of <= LATEST:
        raise InvalidInput(f"as_of: a day between {EARLIEST:%Y} and {LATEST:%Y}")
    uplift.members_needed(1.0, 1.0, relative_uplift, control_share=control_share, alpha=alpha,
                          power=power)  # fmt: skip  # the parameters refused before any query
    rows = []
    members_table = con.table("members")
    for weeks in horizons:
        window = Window(as_of - timedelta(weeks=weeks), as_of)
        members = members_table.filter(
            members_table.enrolled_at < window.start, members_table.erased_at.isnull()
        ).select(member_id=members_table.id)
        sums = _window_sums(con.table("purchases"), window, "")
        joined = members.left_join(sums, members.member_id == sums.member)
        values = joined.select(
            y=joined[metric].fill_null(0).cast("float64"),
            p=joined.purchases.fill_null(0).cast("float64"),
        )
        found = read_aggregates(
            values, None, has_count=True, mean_cols=("y", "p"), var_cols=("y",), cov_cols=()
        )
        n = int(found.count_ or 0)
        if n < 2:
            continue
        mean, variance = float(found.mean_["y"]), float(found.var_["y"])
        need = uplift.members_needed(
            mean, variance, relative_uplift, control_share=control_share, alpha=alpha,
            power=power,
        )  # fmt: skip
        rows.append(
            PowerRow(
                weeks, n, mean, variance, float(found.mean_["p"]) / weeks, need,
                need is not None and need <= n,
            )
        )  # fmt: skip
    if not rows:
        raise InvalidInput("power: the store has fewer than 2 members before the horizons")
    return rows
