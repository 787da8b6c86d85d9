"""Customer economics for admin keys: acquisition spend in, CAC, CLV/CAC and payback out;
and cross-selling (category pairs bought together).

Mounted before the generic `/v1/analytics/{table}` route so that its fixed paths win.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from patron.analytics.columns import encode_rows
from patron.analytics.crosssell import category_pairs
from patron.analytics.economics import economics
from patron.analytics.frames import from_store
from patron.api import examples
from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.idempotency import Idempotent
from patron.api.pages import INVALID_CURSOR, Cursor, Limit, page_of
from patron.api.schemas import Page, SpendCreate, SpendPublic
from patron.domain.acquisition import SpendEntry
from patron.domain.errors import InvalidInput
from patron.services.acquisition import RecordSpend, list_spend, parse_month, record_spend

router = APIRouter(tags=["analytics"])


def _public(entry: SpendEntry) -> SpendPublic:
    return SpendPublic(
        id=entry.id,
        month=f"{entry.month:%Y-%m}",
        channel=entry.channel,
        amount=entry.amount,
        currency=entry.currency,
        note=entry.note,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by,
    )


@router.post(
    "/v1/acquisition-spend",
    status_code=201,
    response_model=SpendPublic,
    responses=p.refusals(
        InvalidInput(
            "currency: 'USD' is not the program's currency 'EUR'; convert the amount first"
            " (spend in several currencies cannot be added up)"
        ),
        p.NO_PROGRAM,
    ),
)
def create_spend(
    body: SpendCreate,
    principal: AdminKey,
    write: Idempotent,
) -> Response:
    """Record acquisition spend for a month and channel (admin)."""
    command = RecordSpend(
        parse_month(body.month),
        body.channel,
        body.amount,
        body.currency,
        principal.actor,
        body.note,
    )
    return write(body, lambda uow: record_spend(uow, command), _public)


@router.get(
    "/v1/acquisition-spend",
    response_model=Page[SpendPublic],
    responses=p.refusals(INVALID_CURSOR),
)
def get_spend(
    request: Request, patron: PatronDep, _: AdminKey, limit: Limit = 100, cursor: Cursor = None
) -> Page[SpendPublic]:
    """Every acquisition spend entry, by month and channel, in pages (follow `next`)."""
    entries, more = page_of(
        patron.read(list_spend),
        lambda e: (e.month.isoformat(), e.channel, e.id),
        limit,
        cursor,
        request,
    )
    rows = [_public(e) for e in entries]
    return Page[SpendPublic](data=rows, count=len(rows), next=more)


@router.get("/v1/analytics/economics", responses=p.ok(examples.ECONOMICS))
def get_economics(
    patron: PatronDep,
    _: AdminKey,
    by: Annotated[Literal["cohort", "channel", "both"], Query()] = "both",
) -> dict[str, Any]:
    """CAC, value per member, CLV/CAC and payback months by cohort and/or channel."""
    found = patron.analytics().run(lambda con: economics(con, by).as_dict())
    return {**found, "data": encode_rows("economics", found["data"])}


@router.get("/v1/analytics/crosssell", responses=p.ok(examples.CROSSSELL))
def get_crosssell(
    patron: PatronDep,
    _: AdminKey,
    min_support: Annotated[float, Query(ge=0, le=1)] = 0.0,
    top: Annotated[int, Query(ge=1, le=10_000)] = 20,
) -> dict[str, Any]:
    """Category pairs bought together (baskets = purchases): support, confidence, lift."""
    rows = patron.analytics().run(
        lambda con: (
            category_pairs(from_store(con), min_support=min_support, top=top)
            .to_pyarrow()
            .to_pylist()
        )
    )
    return {"data": encode_rows("crosssell", rows), "count": len(rows)}
