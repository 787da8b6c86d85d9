"""Read-only analytics for admin keys, computed in the store's own engine."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from patron.analytics.abc import abc_classes
from patron.analytics.cohorts import cohort_retention
from patron.analytics.columns import encode_row, encode_rows
from patron.analytics.frames import Source, from_store
from patron.analytics.insights import CustomerBase, CustomerBases, encode_insights, store_base
from patron.analytics.kpis import period_kpis
from patron.analytics.lifetime import store_as_of
from patron.analytics.pareto import pareto_curve, top_share
from patron.analytics.rfm import rfm, segment_counts
from patron.analytics.summary import customer_summary
from patron.api import examples
from patron.api import problems as p
from patron.api.deps import AdminKey, By, MemberPath, PatronDep, member_named
from patron.api.schemas import QueryTime
from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput, NotFound

router = APIRouter(tags=["analytics"])
Table = Literal["summary", "rfm", "abc", "pareto", "cohorts", "kpis"]


def _records(frame: Any, table: str, limit: int, offset: int) -> dict[str, Any]:
    """A page of `frame`, each value written as its column's kind says
    (analytics/columns.py: money a decimal string, a share a fraction, a day ISO)."""
    page = frame.iloc[offset : offset + limit]
    return {"data": encode_rows(table, page.to_dict("records")), "count": len(frame)}


@router.get(
    "/v1/analytics/{table}",
    responses={
        **p.refusals(InvalidInput("kpis needs ?start=YYYY-MM-DD&end=YYYY-MM-DD")),
        **p.ok(examples.ANALYTICS, named=True),
    },
)
def analytics_table(
    table: Annotated[Table, Path(description="which table", examples=["rfm"])],
    patron: PatronDep,
    _: AdminKey,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    start: Annotated[QueryTime | None, Query(description="kpis: period start")] = None,
    end: Annotated[QueryTime | None, Query(description="kpis: period end")] = None,
) -> dict[str, Any]:
    """Customer summary, RFM, A/B/C, Pareto, cohorts or period KPIs of the store."""
    return patron.analytics().run(
        lambda con: _table(from_store(con), table, limit, offset, start, end)
    )


def _table(
    source: Source,
    table: Annotated[Table, Path(description="which table", examples=["rfm"])],
    limit: int,
    offset: int,
    start: datetime | None,
    end: datetime | None,
) -> dict[str, Any]:
    if table == "kpis":
        if start is None or end is None:
            raise InvalidInput("kpis needs ?start=YYYY-MM-DD&end=YYYY-MM-DD")
        kpis = period_kpis(source, start.replace(tzinfo=None), end.replace(tzinfo=None))
        return encode_row("kpis", kpis.as_dict())
    if source.purchases.count().execute() == 0:
        return {"data": [], "count": 0}
    if table == "pareto":
        return {
            **_records(pareto_curve(source).to_pandas(), "pareto", limit, offset),
            "top_20_percent_share": top_share(source),
        }
    if table == "rfm":
        scores = rfm(source)
        return {
            **_records(scores.to_pandas(), "rfm", limit, offset),
            "segments": _records(segment_counts(scores).to_pandas(), "segments", 100, 0)["data"],
        }
    builders = {
        "summary": lambda: customer_summary(source),
        "abc": lambda: abc_classes(source),
        "cohorts": lambda: cohort_retention(source),
    }
    return _records(builders[table]().to_pandas(), table, limit, offset)


def customer_base(request: Request, patron: Patron, as_of: date | None = None) -> CustomerBase:
    """The customer base fitted as of `as_of` (default today, UTC; a later day is refused),
    held a while per day (analytics/insights.CustomerBases): a fit costs seconds."""
    day = store_as_of(as_of, patron.clock().date()).day
    bases: CustomerBases = request.app.state.customer_bases
    return store_base(bases, patron.analytics(), day)


@router.get(
    "/v1/members/{id}/insights",
    tags=["members", "analytics"],
    responses={
        **p.refusals(
            p.NO_MEMBER,
            p.AMBIGUOUS_MEMBER,
            NotFound("customer 'C-2001' has no purchases up to 2026-01-14"),
            InvalidInput(
                "as_of 2027-01-01 is after today (2026-01-14): the store has no purchases"
                " from days to come"
            ),
        ),
        **p.ok(examples.INSIGHTS),
    },
)
def member_insights(
    id: MemberPath,
    request: Request,
    patron: PatronDep,
    _: AdminKey,
    by: By = None,
    as_of: Annotated[
        date | None, Query(description="the day to measure to, YYYY-MM-DD; default today (UTC)")
    ] = None,
) -> dict[str, Any]:
    """RFM segment, probability of being alive, expected purchases and CLV (52 weeks), as
    of a day, with the model that ranked best on a holdout (`model`, `model_basis`)."""
    member = member_named(patron, id, by)
    return encode_insights(customer_base(request, patron, as_of).insights(member.external_id))
