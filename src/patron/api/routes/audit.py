"""The audit trail for admin keys: who changed what by hand, when and why (read-only;
nothing in the API changes or deletes an entry)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.pages import next_link
from patron.api.schemas import QueryId, QueryTime, UtcTime, examples
from patron.domain.audit import MAX_PAGE, AuditAction, AuditQuery
from patron.domain.clock import to_utc_naive
from patron.domain.errors import InvalidInput
from patron.services.audit import audit_trail

router = APIRouter(tags=["audit"])


_ENTRY = {
    "id": 12,
    "at": "2026-01-14T09:30:00Z",
    "actor": "apikey:alice",
    "action": "points.adjusted",
    "member_id": 1,
    "reason": "goodwill: the coffee machine was broken",
    "details": {"points": 40, "entry_id": 7},
}


class AuditEntryPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(_ENTRY))

    id: int = Field(description="the entry's id (the trail's `after` cursor)")
    at: UtcTime = Field(description="when it was done")
    actor: str = Field(description="apikey:<name>, or the CLI's user")
    action: str = Field(description="what was done (docs/audit.md lists them)")
    member_id: int | None = Field(description="the member it concerned, if one")
    reason: str | None = Field(description="why, as the actor wrote it")
    details: dict[str, Any] = Field(description="the action's own facts (docs/audit.md)")


class AuditPagePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=examples({"data": [_ENTRY], "count": 1, "next_after": None, "next": None})
    )

    data: list[AuditEntryPublic] = Field(description="the entries, oldest first")
    count: int = Field(description="how many entries `data` holds")
    next_after: int | None = Field(
        description="pass as `after` to read the next page; null when this page ends the trail"
    )
    next: str | None = Field(
        description="the path and query that read the next page; null on the last page"
    )


@router.get(
    "/v1/audit",
    response_model=AuditPagePublic,
    responses=p.refusals(InvalidInput("since: the period starts after it ends (since > until)")),
)
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
