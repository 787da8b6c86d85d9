"""The audit trail for admin keys: who changed what by hand, when and why (read-only;
nothing in the API changes or deletes an entry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from patron.api.deps import AdminKey, PatronDep
from patron.api.pages import next_link
from patron.api.schemas import QueryId, QueryTime, UtcTime
from patron.domain.audit import MAX_PAGE, AuditAction, AuditQuery
from patron.domain.clock import to_utc_naive
from patron.services.audit import audit_trail

router = APIRouter(tags=["audit"])


class AuditEntryPublic(BaseModel):
    id: int
    at: UtcTime
    actor: str
    action: str
    member_id: int | None
    reason: str | None
    details: dict[str, Any]


class AuditPagePublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int = Field(description="the number of entries in this page")
    next_after: int | None = Field(
        description="pass as `after` to read the next page; null when this page ends the trail"
    )
    next: str | None = Field(
        description="the path and query that read the next page; null on the last page"
    )


@router.get("/v1/audit", response_model=AuditPagePublic)
def get_audit(
    request: Request,
    patron: PatronDep,
    _: AdminKey,
    actor: Annotated[str | None, Query(max_length=100, description="e.g. apikey:ops")] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    member_id: Annotated[QueryId | None, Query()] = None,
    since: Annotated[QueryTime | None, Query(description="entries at or after this time")] = None,
    until: Annotated[QueryTime | None, Query(description="entries before this time")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last id already read")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AuditPagePublic:
    """Audited actions (adjustments, program loads, key changes, cancellations), oldest
    first, in pages: follow `next` (or pass `next_after` as `after`) for the next one."""
    query = AuditQuery(
        actor=actor,
        action=None if action is None else action.value,
        member_id=member_id,
        since=None if since is None else to_utc_naive(since),
        until=None if until is None else to_utc_naive(until),
        after=after,
        limit=limit,
    )
    page = patron.read(audit_trail, query)
    rows = [AuditEntryPublic.model_validate(e, from_attributes=True) for e in page.entries]
    more = None if page.next_after is None else next_link(request, after=page.next_after)
    return AuditPagePublic(data=rows, count=len(rows), next_after=page.next_after, next=more)
