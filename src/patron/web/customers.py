"""The console's customer list: search by the shop's id, name or e-mail, filter by tier,
sort by any column, page through, and export the same list as CSV.

The list comes from the same use case for every adapter (services/queries.find_members);
this module only reads the query string and lays the page out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from patron.bootstrap import Patron
from patron.domain.directory import MAX_PAGE, MAX_TEXT, MemberRow, MemberSearch, SortBy
from patron.services.program import current_program
from patron.services.queries import find_members
from patron.web.console import StaffDep
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = 50
# consents are not recorded yet (issue 16 adds them): the export says so in every row
CONSENT_NOT_RECORDED = "not recorded"

Text = Annotated[str | None, Query(max_length=MAX_TEXT)]
Tier = Annotated[str | None, Query(max_length=100)]
Sort = Annotated[SortBy, Query()]
Direction = Annotated[str, Query(pattern="^(asc|desc)$")]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]


def _search(q: str | None, tier: str | None, sort: SortBy, dir: str, page: int) -> MemberSearch:
    return MemberSearch(q, tier, sort, dir == "desc", (page - 1) * PAGE, PAGE)


@router.get("/customers", response_class=HTMLResponse)
def customers(
    request: Request,
    staff: StaffDep,
    q: Text = None,
    tier: Tier = None,
    sort: Sort = SortBy.ENROLLED,
    dir: Direction = "desc",
    page: PageNo = 1,
) -> Response:
    patron: Patron = request.app.state.patron
    found = patron.read(find_members, _search(q, tier, sort, dir, page))
    _, program = patron.read(current_program)
    kept = {"q": q or "", "tier": tier or ""}

    def link(**changes: str | int) -> str:
        params = {**kept, "sort": sort.value, "dir": dir, "page": page, **changes}
        return "/console/customers?" + urlencode({k: v for k, v in params.items() if v != ""})

    def sort_link(column: str) -> str:
        flipped = "asc" if sort.value == column and dir == "desc" else "desc"
        return link(sort=SortBy(column).value, dir=flipped, page=1)

    pages = max(1, -(-found.total // PAGE))
    context = {
        "staff": staff,
        "rows": found.rows,
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
    return render(request, "customers.html", context)


@router.get("/customers.csv")
def customers_csv(
    request: Request,
    staff: StaffDep,
    q: Text = None,
    tier: Tier = None,
    sort: Sort = SortBy.ENROLLED,
    dir: Direction = "desc",
) -> Response:
    """Every member the search matches, one page of the store at a time."""
    patron: Patron = request.app.state.patron
    _, program = patron.read(current_program)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["external_id", "name", "email", "consent", "tier", "points", "purchases",
             f"lifetime_spend_{program.currency}", "enrolled_at"]
        )  # fmt: skip
        offset = 0
        while True:
            search = MemberSearch(q, tier, sort, dir == "desc", offset, MAX_PAGE)
            found = patron.read(find_members, search)
            for row in found.rows:
                writer.writerow(_csv_row(row))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(found.rows) < MAX_PAGE:
                return
            offset += MAX_PAGE

    headers = {"Content-Disposition": 'attachment; filename="customers.csv"'}
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8", headers=headers)


def _csv_row(row: MemberRow) -> list[str | int]:
    consent = "erased" if row.erased else CONSENT_NOT_RECORDED
    return [
        row.external_id, row.name or "", row.email or "", consent, row.tier, row.balance,
        row.purchase_count, str(row.lifetime_spend), row.enrolled_at.isoformat(sep=" "),
    ]  # fmt: skip
