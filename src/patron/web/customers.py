"""The console's customer list: search by the shop's id, name or e-mail, filter by tier,
RFM segment, churn risk and A/B/C class (the last three from the day's customer base),
sort by any column, page through, and export the same list as CSV.

The list comes from the same use case for every adapter (services/queries.find_members);
this module only reads the query string and lays the page out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from patron.analytics.insights import CustomerBase, ready_base, store_base
from patron.analytics.rfm import SEGMENTS
from patron.bootstrap import Patron
from patron.domain.consent import ConsentState
from patron.domain.directory import MAX_PAGE, MAX_TEXT, MemberRow, MemberSearch, SortBy
from patron.domain.errors import PatronError
from patron.files.cells import safe_text
from patron.services.consents import consent_states
from patron.services.program import current_program
from patron.services.queries import data_version, find_members
from patron.web.console import StaffDep
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50

Text = Annotated[str | None, Query(max_length=MAX_TEXT)]
Tier = Annotated[str | None, Query(max_length=100)]
Sort = Annotated[SortBy, Query()]
Direction = Annotated[str, Query(pattern="^(asc|desc)$")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


# empty (the form's "every segment", "any risk") means no filter
Segment = Annotated[Literal["", *SEGMENTS] | None, Query()]  # type: ignore[valid-type]
Risk = Annotated[Literal["", "high", "medium", "low"] | None, Query()]
Abc = Annotated[Literal["", "A", "B", "C"] | None, Query()]


def _base(request: Request) -> CustomerBase:
    """The day's customer base (the member insights'), held for this version of the data."""
    patron: Patron = request.app.state.patron
    bases, day = request.app.state.customer_bases, patron.clock().date()
    return store_base(bases, patron.analytics(), day, patron.read(data_version))


def _chosen(
    request: Request, segment: str | None, risk: str | None, abc: str | None
) -> frozenset[str] | None:
    """The customers an RFM segment, a churn risk and an A/B/C class pick, from the day's
    customer base; None without such a filter."""
    if not segment and not risk and not abc:
        return None
    return _base(request).matching(segment or None, risk or None, abc or None)


def _classes(request: Request, rows: list[MemberRow]) -> dict[str, str]:
    """The A/B/C class of the listed customers who bought; none while the store's history
    is too short for a customer base, or while the day's first fit runs (the column then
    shows a dash): the list never waits for a fit."""
    patron: Patron = request.app.state.patron
    bases, day = request.app.state.customer_bases, patron.clock().date()
    try:
        base = ready_base(bases, patron.analytics(), day, patron.read(data_version))
    except PatronError:
        return {}
    return {} if base is None else base.classes([row.external_id for row in rows])


@router.get("/customers", response_class=HTMLResponse)
def customers(
    request: Request,
    staff: StaffDep,
    q: Text = None,
    tier: Tier = None,
    sort: Sort = SortBy.ENROLLED,
    dir: Direction = "desc",
    page: PageNo = 1,
    segment: Segment = None,
    risk: Risk = None,
    abc: Abc = None,
) -> Response:
    patron: Patron = request.app.state.patron
    _, program = patron.read(current_program)
    kept = {
        "q": q or "", "tier": tier or "", "segment": segment or "", "risk": risk or "",
        "abc": abc or "",
    }  # fmt: skip
    context: dict[str, Any] = {
        "staff": staff,
        "segments": SEGMENTS,
        "segment": segment or "",
        "risk": risk or "",
        "abc": abc or "",
        "error": None,
    }
    status = 200
    try:
        ids = _chosen(request, segment, risk, abc)
    except PatronError as exc:  # too little history for the filter: say so, list nobody
        ids, status, context["error"] = frozenset(), 422, exc.message
    search = MemberSearch(q, tier, sort, dir == "desc", (page - 1) * PAGE, PAGE, ids)
    found = patron.read(find_members, search)

    def link(**changes: str | int) -> str:
        params = {**kept, "sort": sort.value, "dir": dir, "page": page, **changes}
        return "/console/customers?" + urlencode({k: v for k, v in params.items() if v != ""})

    def sort_link(column: str) -> str:
        flipped = "asc" if sort.value == column and dir == "desc" else "desc"
        return link(sort=SortBy(column).value, dir=flipped, page=1)

    pages = max(1, -(-found.total // PAGE))
    context |= {
        "rows": found.rows,
        "classes": _classes(request, found.rows),
        "total": found.total,
        "first": (page - 1) * PAGE + 1 if found.rows else 0,
        "last": (page - 1) * PAGE + len(found.rows),
        "q": q or "",
        "tier": tier or "",
        "tiers": [level.name for level in program.tiers.levels],
        "currency": program.currency,
        "sort": sort.value,
        "dir": dir,
        "sort_link": sort_link,
        "previous": link(page=page - 1) if page > 1 else None,
        "next": link(page=page + 1) if page < pages else None,
        "export": "/console/customers.csv?" + urlencode({k: v for k, v in kept.items() if v}),
    }
    return render(request, "customers.html", context, status_code=status)


@router.get("/customers.csv")
def customers_csv(
    request: Request,
    staff: StaffDep,
    q: Text = None,
    tier: Tier = None,
    sort: Sort = SortBy.ENROLLED,
    dir: Direction = "desc",
    segment: Segment = None,
    risk: Risk = None,
    abc: Abc = None,
) -> Response:
    """Every member the search matches, one page of the store at a time."""
    patron: Patron = request.app.state.patron
    _, program = patron.read(current_program)
    ids = _chosen(request, segment, risk, abc)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["external_id", "name", "email", "consent", "tier", "points", "purchases",
             f"lifetime_spend_{program.currency}", "enrolled_at"]
        )  # fmt: skip
        offset = 0
        while True:
            search = MemberSearch(q, tier, sort, dir == "desc", offset, MAX_PAGE, ids)
            found = patron.read(find_members, search)
            # the latest marketing consent of each: granted, declined or not recorded
            consents = patron.read(consent_states, [row.id for row in found.rows])
            for row in found.rows:
                writer.writerow(_csv_row(row, consents[row.id]))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(found.rows) < MAX_PAGE:
                return
            offset += MAX_PAGE

    headers = {
        "Content-Disposition": 'attachment; filename="customers.csv"',
        "Cache-Control": "no-store",  # the whole customer list: no copy in any cache
    }
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


def _text(value: str | None) -> str:
    """A text cell a spreadsheet will not run (files/cells.py)."""
    return safe_text(value)


def _csv_row(row: MemberRow, state: ConsentState) -> list[str | int]:
    consent = "erased" if row.erased else state.value
    return [
        _text(row.external_id), _text(row.name), _text(row.email), consent, row.tier, row.balance,
        row.purchase_count, str(row.lifetime_spend), row.enrolled_at.isoformat(sep=" "),
    ]  # fmt: skip
