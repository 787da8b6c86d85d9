"""A member's personal data (admin keys only): the export of everything held about them
and the erasure of what identifies them (docs/privacy.md)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from patron.analytics.insights import member_scores
from patron.api import examples
from patron.api import problems as p
from patron.api.deps import AdminKey, By, MemberPath, PatronDep
from patron.api.idempotency import Idempotent
from patron.api.routes.analytics import customer_base
from patron.api.schemas import ErasurePublic, MemberErase
from patron.domain.errors import InvalidInput, MemberErased
from patron.services.commands import EraseMember, MemberRef
from patron.services.export import export_member
from patron.services.privacy import erase_member

router = APIRouter(prefix="/v1/members", tags=["members", "privacy"])


@router.get(
    "/{id}/export",
    responses={**p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER), **p.ok(examples.EXPORT)},
)
def export(id: MemberPath, request: Request, patron: PatronDep, _: AdminKey, by: By = None) -> Any:
    """Everything held about the member as one JSON document (GDPR Articles 15 and 20)."""
    scores = partial(member_scores, lambda: customer_base(request, patron))
    return patron.read(export_member, MemberRef.named(id, by), scores)


@router.delete(
    "/{id}",
    response_model=ErasurePublic,
    responses=p.refusals(
        p.NO_MEMBER,
        p.AMBIGUOUS_MEMBER,
        InvalidInput("reason: say why the member's data is erased (it is audited)"),
        MemberErased(
            "member 3 was already erased on 2026-01-20; an erasure is final and is not repeated"
        ),
    ),
)
def erase(
    id: MemberPath,
    body: MemberErase,
    principal: AdminKey,
    write: Idempotent,
    by: By = None,
) -> Response:
    """Erase the member's personal data (GDPR Article 17): final and audited; their
    purchases, ledger and every total stay for the books."""
    command = EraseMember(MemberRef.named(id, by), body.reason, principal.actor)

    return write(
        body, lambda uow: erase_member(uow, command), ErasurePublic.model_validate, status=200
    )
