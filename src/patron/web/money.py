"""The console's money pages: the points liability (the monthly roll-forward, the
liability net of breakage, the breakage curve with its band) and the budget (plan against
actual by month and category, with the forms that set a plan and record spend).

Every figure comes from the analytics the CLI and the API use (analytics/liability.py,
analytics/budget.py); the forms run the use cases of services/budget.py under the staff
user's name (audited). Owners and marketers may change the budget; analysts read.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.analytics import liability as money
from patron.analytics.budget import budget_report
from patron.analytics.columns import encode_row
from patron.bootstrap import Patron
from patron.domain.budget import BudgetCategory, category_of
from patron.domain.errors import InvalidInput, PatronError
from patron.domain.months import key, parse_month
from patron.services.budget import RecordBudgetSpend, SetPlan, record_budget_spend, set_plan
from patron.services.program import current_program
from patron.web.app_state import current_figures
from patron.web.charts import bars_by_month, shares_with_band, svg
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
MONTHS = 12  # months shown by default: the last year
MonthText = Annotated[str | None, Query(max_length=7)]
CATEGORIES = {
    BudgetCategory.REWARDS: N_("Rewards"),
    BudgetCategory.POINTS_LIABILITY: N_("Change in points liability"),
    BudgetCategory.LOGISTICS: N_("Logistics (cards, readers, database)"),
    BudgetCategory.COMMUNICATION: N_("Communication"),
    BudgetCategory.STAFF: N_("Staff and training"),
    BudgetCategory.PLATFORM: N_("Platform"),
    BudgetCategory.OTHER: N_("Other"),
}


def _period(request: Request, first: str | None, last: str | None) -> tuple[date, date]:
    """The months asked, or the last twelve to the current month."""
    patron: Patron = request.app.state.patron
    today = patron.clock().date().replace(day=1)
    end = parse_month(last, "to") if last else today
    back = end.year * 12 + end.month - MONTHS  # the month twelve months before, 0-based
    start = parse_month(first, "from") if first else date(back // 12, back % 12 + 1, 1)
    if start > end:
        raise InvalidInput(f"from: {key(start)} is after to: {key(end)}")
    return start, end


def _liability(patron: Patron, start: date, end: date) -> money.LiabilityReport:
    return patron.read(lambda uow: money.report(uow, start, end))


@router.get("/liability", response_class=HTMLResponse)
def liability(
    request: Request, staff: StaffDep, first: MonthText = None, last: MonthText = None
) -> Response:
    try:
        start, end = _period(request, first, last)
        held = current_figures(
            request, ("liability", start, end), lambda p: _liability(p, start, end)
        )
    except PatronError as exc:
        context = {"staff": staff, "message": exc.message, "title": _("Points liability")}
        return render(request, "forbidden.html", context, 422)
    found = held.value
    rows = found.rows()
    flows = [
        {"month": r["month"], "name": name, "value": r[column]}
        for r in rows
        for column, name in (
            ("issued", _("issued")),
            ("redeemed_rewards", _("redeemed")),
            ("expired", _("expired")),
            ("closing", _("closing balance")),
        )
    ]
    chart = svg(bars_by_month(flows, y_title=_("points")), _("Points by month")) if rows else None
    curve, band = None, []
    if found.breakage is not None:
        band = found.breakage.by_month()
        values = [
            {"age": r["age_months"], "name": _("redeemed"), "value": r["redeemed"],
             "low": r["redeemed_low"], "high": r["redeemed_high"]}
            for r in band
        ] + [
            {"age": r["age_months"], "name": _("expired"), "value": r["expired"],
             "low": None, "high": None}
            for r in band
        ]  # fmt: skip
        curve = svg(
            shares_with_band(values, "age", x_title=_("age in months"), y_title=_("share")),
            _("Share of points redeemed and expired by age, with the interval of the redeemed"),
        )
    context = {
        "staff": staff,
        "report": found,
        "rows": rows,
        "chart": chart,
        "curve": curve,
        "band": band,
        "start": key(start),
        "end": key(end),
        "computed": held,
    }
    return render(request, "liability.html", context)


@router.get("/liability.csv")
def liability_csv(
    request: Request, staff: StaffDep, first: MonthText = None, last: MonthText = None
) -> Response:
    """The accountant's export, as `patron liability --format csv` writes it."""
    del staff  # a logged-in user of any role
    try:
        start, end = _period(request, first, last)
    except PatronError as exc:
        return Response(exc.message, 422, media_type="text/plain; charset=utf-8")
    rows = _liability(request.app.state.patron, start, end).rows()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(rows[0]) if rows else [])
    for row in rows:
        writer.writerow(["" if v is None else v for v in encode_row("liability", row).values()])
    name = f"liability-{key(start)}-{key(end)}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text.getvalue(), 200, headers, media_type="text/csv; charset=utf-8")


@router.get("/budget", response_class=HTMLResponse)
def budget(
    request: Request, staff: StaffDep, first: MonthText = None, last: MonthText = None
) -> Response:
    return _budget_page(request, staff, first, last)


def _budget_page(
    request: Request,
    staff: Staff,
    first: str | None,
    last: str | None,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    patron: Patron = request.app.state.patron
    try:
        start, end = _period(request, first, last)
        found = patron.read(lambda uow: budget_report(uow, start, end))
    except PatronError as exc:
        context = {"staff": staff, "message": exc.message, "title": _("Budget")}
        return render(request, "forbidden.html", context, 422)
    totals = found.totals()
    values = [
        {"month": t["month"], "name": name, "value": float(t[column])}
        for t in totals
        for column, name in (("planned", _("planned")), ("actual", _("actual")))
    ]
    chart = (
        svg(bars_by_month(values, y_title=found.currency), _("Plan against actual by month"))
        if totals
        else None
    )
    context = {
        "staff": staff,
        "rows": found.rows,
        "totals": totals,
        "currency": found.currency,
        "chart": chart,
        "categories": CATEGORIES,
        "entered": [c for c in BudgetCategory if c not in _COMPUTED],
        "may_change": staff.user.role.may_change,
        "start": key(start),
        "end": key(end),
        "error": error,
    }
    return render(request, "budget.html", context, status_code=status)


_COMPUTED = (BudgetCategory.REWARDS, BudgetCategory.POINTS_LIABILITY)


def _amount(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(f"amount: {text!r} is not a number (write 1200.00)") from None


@router.post("/budget/lines")
def plan_line(
    request: Request,
    staff: StaffDep,
    month: Annotated[str, Form(max_length=7)],
    category: Annotated[str, Form(max_length=32)],
    amount: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        currency = _currency(patron)
        cmd = SetPlan(parse_month(month), category_of(category), _amount(amount), currency,
                      staff.user.actor, note or None)  # fmt: skip
        patron.run(set_plan, cmd)
    except PatronError as exc:
        return _budget_page(request, staff, None, None, error=exc.message, status=422)
    return RedirectResponse(f"/console/budget?first={month}&last={month}", status_code=303)


@router.post("/budget/actuals")
def spend_entry(
    request: Request,
    staff: StaffDep,
    month: Annotated[str, Form(max_length=7)],
    category: Annotated[str, Form(max_length=32)],
    amount: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    try:
        currency = _currency(patron)
        cmd = RecordBudgetSpend(parse_month(month), category_of(category), _amount(amount),
                                currency, staff.user.actor, note or None)  # fmt: skip
        patron.run(record_budget_spend, cmd)
    except PatronError as exc:
        return _budget_page(request, staff, None, None, error=exc.message, status=422)
    return RedirectResponse(f"/console/budget?first={month}&last={month}", status_code=303)


def _currency(patron: Patron) -> str:
    """The program's currency: the forms' amounts are in it."""
    return patron.read(current_program)[1].currency
