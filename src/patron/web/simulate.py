"""The console's simulation page: a program pasted or uploaded, replayed on the store's
purchases against the program in force (or alone), writing nothing; the monthly points
of both side by side as a chart with its table, and the break-even uplift.

The computation is `analytics.simulation.plan.run_on_store`, the one `POST
/v1/simulations` runs (bounded to a request's number of purchases); every role may run
it, since it changes nothing, but only with the session's token (a form like any other)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from patron.analytics.simulation.plan import Outcome, run_on_store
from patron.analytics.simulation.plan import Request as Simulation
from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput, InvalidProgram, NoProgram
from patron.domain.program import Program, parse_program
from patron.services.program import current_program
from patron.web.charts import grouped_bars, svg
from patron.web.console import Staff, StaffDep
from patron.web.i18n import _
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
MAX_TEXT = 256 * 1024


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, staff: StaffDep) -> Response:
    return _page(request, staff, {})


@router.post("/simulate", response_class=HTMLResponse)
def simulate(
    request: Request,
    staff: StaffDep,
    text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    against_current: Annotated[str, Form(max_length=10)] = "",
    start: Annotated[str, Form(max_length=10)] = "",
    end: Annotated[str, Form(max_length=10)] = "",
    redeem_rate: Annotated[str, Form(max_length=20)] = "",
    margin: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(csrf, staff.session.csrf):
        return render(request, "refused.html", {"staff": staff}, status_code=403)
    form = {"text": text, "against_current": bool(against_current), "start": start,
            "end": end, "redeem_rate": redeem_rate, "margin": margin}  # fmt: skip
    patron: Patron = request.app.state.patron
    try:
        program = parse_program(text, _("the program"))
        other = _current(patron) if against_current else None
        rate = _share(redeem_rate, _("redemption rate"))
        asked = Simulation(program, other, _day(start, _("from")), _day(end, _("to")),
                           rate or Decimal(0), None, _share(margin, _("margin")))  # fmt: skip
        outcome = patron.analytics().run(lambda con: run_on_store(con, asked, rate is not None))
    except (InvalidProgram, InvalidInput, NoProgram) as exc:
        return _page(request, staff, form, error=exc.message, status=422)
    return _page(request, staff, form, outcome=outcome)


def _current(patron: Patron) -> Program:
    return patron.read(current_program)[1]


def _day(text: str, name: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_("%(field)s: %(text)s is not a day (YYYY-MM-DD)")
                           % {"field": name, "text": text}) from None  # fmt: skip


def _share(text: str, name: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 1:
        raise InvalidInput(_("%(field)s: %(text)s is not a share from 0 to 1")
                           % {"field": name, "text": text})  # fmt: skip
    return value


def _page(
    request: Request,
    staff: Staff,
    form: dict[str, Any],
    *,
    outcome: Outcome | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context: dict[str, Any] = {"staff": staff, "form": form, "error": error, "outcome": outcome}
    if outcome is not None:
        context |= _figures(outcome)
    return render(request, "simulate.html", context, status_code=status)


def _figures(outcome: Outcome) -> dict[str, Any]:
    """The months of both programs side by side, their chart and the summary rows."""
    mine, theirs = outcome.mine, outcome.theirs
    names = [mine.summary["program"]] + ([theirs.summary["program"]] if theirs else [])
    if theirs is not None and names[0] == names[1]:
        names[1] = _("%(name)s (in force)") % {"name": names[1]}
    months: list[dict[str, Any]] = []
    for k, row in enumerate(mine.months):
        other = theirs.months[k] if theirs is not None else None
        months.append({"month": f"{row['month']:%Y-%m}", "mine": row, "other": other})
    bars = [
        {"month": m["month"], "program": name, "points": figures["points_issued"]}
        for m in months
        for name, figures in zip(names, (m["mine"], m["other"]), strict=False)
        if figures is not None
    ]
    chart = svg(
        grouped_bars(
            bars, "month", "points", "program", x_title=_("month"), y_title=_("points issued")
        ),  # fmt: skip
        _("Points issued per month under each program"),
    )
    labels = {
        "members": _("members"),
        "revenue": _("revenue"),
        "margin": _("margin"),
        "points_issued": _("points issued"),
        "points_redeemed": _("points redeemed"),
        "points_expired": _("points expired"),
        "points_outstanding": _("points outstanding"),
        "liability": _("liability at the point value"),
        "reward_cost": _("reward cost"),
        "break_even_uplift": _("break-even uplift"),
        "break_even_uplift_accrued": _("break-even uplift, outstanding points counted"),
    }
    summary = [
        (m, label, mine.summary[m], theirs.summary[m] if theirs is not None else None)
        for m, label in labels.items()
    ]
    return {"names": names, "months": months, "chart": chart, "summary": summary,
            "currency": outcome.currency, "notes": outcome.notes}  # fmt: skip
