"""The program's money for admin keys: the points roll-forward and liability (JSON, or
CSV for the accountant), breakage, and the budget's plans, spend and report."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from patron.analytics import liability as money
from patron.analytics.budget import budget_report
from patron.analytics.columns import encode_row, encode_rows
from patron.api import problems as p
from patron.api.budget_schemas import (
    BudgetSpendCreate,
    BudgetSpendPublic,
    BudgetSpendsPublic,
    PlanPublic,
    PlanSet,
    PlansPublic,
)
from patron.api.deps import AdminKey, PatronDep
from patron.api.idempotency import Idempotent
from patron.domain.budget import BudgetSpend, PlanLine
from patron.domain.errors import InvalidInput
from patron.domain.months import key, parse_month
from patron.services.budget import (
    RecordBudgetSpend,
    SetPlan,
    plan_lines,
    record_budget_spend,
    set_plan,
    spend_entries,
)

router = APIRouter(tags=["money"])
_YM = r"^\d{4}-\d{2}$"
From = Annotated[str | None, Query(alias="from", pattern=_YM, description="first month, YYYY-MM")]
To = Annotated[str | None, Query(alias="to", pattern=_YM, description="last month, YYYY-MM")]
FromNeeded = Annotated[str, Query(alias="from", pattern=_YM, description="first month, YYYY-MM")]
ToNeeded = Annotated[str, Query(alias="to", pattern=_YM, description="last month, YYYY-MM")]
BAD_MONTHS = InvalidInput("from: 2026-05 is after to: 2026-03")
BAD_MONTH = InvalidInput("from: '2026-13' is not a month; write it as YYYY-MM (2026-01)")

LIABILITY: dict[str, Any] = {
    "as_of": "2026-04-01",
    "currency": "EUR",
    "point_value": "0.01",
    "breakage": {
        "expected": 0.21,
        "low": 0.17,
        "high": 0.26,
        "on_issue": 0.3,
        "on_issue_low": 0.25,
        "on_issue_high": 0.35,
        "level": 0.95,
        "replicates": 200,
        "members": 1250,
        "life_days": 730,
        "observed_to_days": 455,
        "notes": [],
    },
    "count": 1,
    "data": [
        {
            "month": "2026-03",
            "opening": 290,
            "issued_purchases": 0,
            "issued_bonuses": 0,
            "issued_welcome": 0,
            "issued_referral": 0,
            "adjusted_up": 0,
            "redemptions_cancelled": 0,
            "redeemed_rewards": 0,
            "redeemed_discounts": 0,
            "expired": 200,
            "refunds": 0,
            "adjusted_down": 0,
            "debt_settled": 0,
            "issued": 0,
            "closing": 90,
            "pending": 0,
            "spendable": 90,
            "lots_closing": 90,
            "balanced": "yes",
            "closing_value": "0.90",
            "liability": "0.71",
            "liability_low": "0.67",
            "liability_high": "0.75",
            "liability_change": "-1.58",
        }
    ],
    "issued_by_rule": [
        {"month": "2026-03", "rule": "base", "points": 1200, "points_value": "12.00"},
        {"month": "2026-03", "rule": "tier Gold x1.5", "points": 300, "points_value": "3.00"},
    ],
}
BREAKAGE: dict[str, Any] = {
    "breakage": LIABILITY["breakage"],
    "count": 1,
    "data": [
        {
            "age_months": 6,
            "redeemed": 0.41,
            "redeemed_low": 0.37,
            "redeemed_high": 0.45,
            "expired": 0.0,
            "open": 0.57,
            "projected": "no",
        }
    ],
}
BUDGET: dict[str, Any] = {
    "currency": "EUR",
    "count": 1,
    "data": [
        {
            "month": "2026-01",
            "category": "rewards",
            "planned": "5.00",
            "actual": "4.00",
            "variance": "-1.00",
            "variance_pct": -0.2,
            "sources": {
                "rewards_redeemed": "4.00",
                "discounts_granted": "0.00",
                "free_event_seats": "0.00",
            },
        }
    ],
    "totals": [
        {
            "month": "2026-01",
            "planned": "5.00",
            "actual": "4.00",
            "variance": "-1.00",
            "variance_pct": -0.2,
        }
    ],
}


def _months(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    return (
        parse_month(first, "from") if first else None,
        parse_month(last, "to") if last else None,
    )


def _breakage(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "expected": found.expected,
        "low": found.low,
        "high": found.high,
        "on_issue": found.on_issue,
        "on_issue_low": found.on_issue_low,
        "on_issue_high": found.on_issue_high,
        "level": found.level,
        "replicates": found.replicates,
        "members": found.members,
        "life_days": found.life_days,
        "observed_to_days": found.extrapolated_from,
        "notes": list(found.notes),
    }


def _csv(table: str, rows: list[dict[str, Any]], filename: str) -> Response:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    names = list(rows[0]) if rows else []
    writer.writerow(names)
    for row in rows:
        encoded = encode_row(table, row)
        writer.writerow(["" if encoded[c] is None else encoded[c] for c in names])
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(text.getvalue(), 200, disposition, media_type="text/csv; charset=utf-8")


def _liability(
    patron: Any, first: str | None, last: str | None, fmt: str, replicates: int, cap_months: int
) -> Any:
    start, end = _months(first, last)
    found = patron.read(
        lambda uow: money.report(uow, start, end, cap_months=cap_months, replicates=replicates)
    )
    rows = found.rows()
    if fmt == "csv":
        return _csv("liability", rows, "liability.csv")
    return {
        "as_of": found.as_of.date().isoformat(),
        "currency": found.currency,
        "point_value": str(found.point_value),
        "breakage": _breakage(found.breakage),
        "count": len(rows),
        "data": encode_rows("liability", rows),
        "issued_by_rule": encode_rows("liability_rules", found.rule_rows()),
    }


Replicates = Annotated[int, Query(ge=0, le=2000, description="bootstrap replicates")]
Cap = Annotated[int, Query(ge=1, le=240, description="projection cap for points that never expire")]
_CSV_OK: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"example": "month,opening,...\n2026-03,290,...\n"}}}
}


def _json_or_csv(example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """A 200 documented as JSON (`example`) or, with `format=csv`, as CSV."""
    found = p.ok(example)
    found[200]["content"]["text/csv"] = _CSV_OK[200]["content"]["text/csv"]
    return found


@router.get(
    "/v1/liability",
    responses={**_json_or_csv(LIABILITY), **p.refusals(BAD_MONTHS, p.NO_PROGRAM)},
)
def get_liability(
    patron: PatronDep,
    _: AdminKey,
    first: From = None,
    last: To = None,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query's name
    replicates: Replicates = 200,
    cap_months: Cap = 36,
) -> Any:
    """The points roll-forward by month, in points and money, with the liability net of
    breakage (`format=csv`: the accountant's export)."""
    return _liability(patron, first, last, format, replicates, cap_months)


@router.get(
    "/v1/liability.csv",
    response_class=Response,
    responses={**_CSV_OK, **p.refusals(BAD_MONTHS, p.NO_PROGRAM)},
)
def get_liability_csv(
    patron: PatronDep,
    _: AdminKey,
    first: From = None,
    last: To = None,
    replicates: Replicates = 200,
    cap_months: Cap = 36,
) -> Response:
    """The roll-forward and liability as CSV, one row per month, every line in points and
    money."""
    found: Response = _liability(patron, first, last, "csv", replicates, cap_months)
    return found


@router.get("/v1/breakage", responses={**p.ok(BREAKAGE), **p.refusals(p.NO_PROGRAM)})
def get_breakage(
    patron: PatronDep, _: AdminKey, replicates: Replicates = 200, cap_months: Cap = 36
) -> dict[str, Any]:
    """Breakage of the outstanding points with its interval, and the shares of points
    redeemed and expired by age in months with the band of the redeemed share."""
    found = patron.read(
        lambda uow: money.breakage(uow, cap_months=cap_months, replicates=replicates)
    )
    rows = found.by_month() if found is not None else []
    return {"breakage": _breakage(found), "count": len(rows), "data": encode_rows("breakage", rows)}


def _plan(line: PlanLine) -> PlanPublic:
    return PlanPublic(
        month=key(line.month),
        category=line.category,
        amount=line.amount,
        currency=line.currency,
        note=line.note,
        set_at=line.set_at,
        set_by=line.set_by,
    )


def _spend(entry: BudgetSpend) -> BudgetSpendPublic:
    return BudgetSpendPublic(
        id=entry.id,
        month=key(entry.month),
        category=entry.category,
        amount=entry.amount,
        currency=entry.currency,
        note=entry.note,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by,
    )


_CURRENCY = InvalidInput(
    "currency: 'USD' is not the program's currency 'EUR'; convert the amount first"
    " (a budget in several currencies cannot be added up)"
)


@router.put(
    "/v1/budget/lines",
    status_code=200,
    response_model=PlanPublic,
    responses=p.refusals(_CURRENCY, p.NO_PROGRAM),
)
def put_plan(body: PlanSet, principal: AdminKey, write: Idempotent) -> Response:
    """Plan an amount for a category in a month, replacing what was planned (admin)."""
    command = SetPlan(
        parse_month(body.month),
        body.category,
        body.amount,
        body.currency,
        principal.actor,
        body.note,
    )
    return write(body, lambda uow: set_plan(uow, command), _plan, status=200)


@router.get("/v1/budget/lines", response_model=PlansPublic, responses=p.refusals(BAD_MONTHS))
def get_plans(
    patron: PatronDep,
    _: AdminKey,
    first: FromNeeded,
    last: ToNeeded,
) -> PlansPublic:
    """The plan lines of the months from `from` to `to`."""
    start, end = parse_month(first, "from"), parse_month(last, "to")
    lines = patron.read(plan_lines, start, end)
    return PlansPublic(data=[_plan(line) for line in lines], count=len(lines))


@router.post(
    "/v1/budget/actuals",
    status_code=201,
    response_model=BudgetSpendPublic,
    responses=p.refusals(_CURRENCY, p.NO_PROGRAM),
)
def post_spend(body: BudgetSpendCreate, principal: AdminKey, write: Idempotent) -> Response:
    """Record spend on a category whose actual is entered (admin; entries add up)."""
    command = RecordBudgetSpend(
        parse_month(body.month),
        body.category,
        body.amount,
        body.currency,
        principal.actor,
        body.note,
    )
    return write(body, lambda uow: record_budget_spend(uow, command), _spend)


@router.get(
    "/v1/budget/actuals", response_model=BudgetSpendsPublic, responses=p.refusals(BAD_MONTH)
)
def get_spend(
    patron: PatronDep,
    _: AdminKey,
    first: FromNeeded,
    last: ToNeeded,
) -> BudgetSpendsPublic:
    """The spend entries of the months from `from` to `to`."""
    start, end = parse_month(first, "from"), parse_month(last, "to")
    entries = patron.read(spend_entries, start, end)
    return BudgetSpendsPublic(data=[_spend(e) for e in entries], count=len(entries))


@router.get("/v1/budget/report", responses={**p.ok(BUDGET), **p.refusals(BAD_MONTHS, p.NO_PROGRAM)})
def get_budget_report(
    patron: PatronDep,
    _: AdminKey,
    first: FromNeeded,
    last: ToNeeded,
) -> dict[str, Any]:
    """Plan against actual by month and category, with the variance (actual − planned)."""
    start, end = parse_month(first, "from"), parse_month(last, "to")
    found = patron.read(lambda uow: budget_report(uow, start, end))
    rows = []
    for row in found.rows:
        shown = row.as_dict()
        sources = shown.pop("sources")
        rows.append({**encode_row("budget", shown), "sources": sources})
    return {
        "currency": found.currency,
        "count": len(rows),
        "data": rows,
        "totals": encode_rows("budget_totals", found.totals()),
    }
