"""Members: enroll, look up, balance, ledger and (admin) manual adjustments.

A pos key reads what a till needs and no personal data: a member's till view (id,
external id, tier, points, debt), their balance, and ledger entries without the reasons
people wrote on them. An admin key reads the whole profile.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import (
    AdminKey,
    By,
    EnrollKey,
    MemberPath,
    PatronDep,
    ReadMemberKey,
    member_named,
)
from patron.api.idempotency import Idempotent
from patron.api.pages import Limit, next_link
from patron.api.schemas import (
    AdjustmentCreate,
    AdjustmentPublic,
    BalancePublic,
    ExpiringPublic,
    LedgerEntryPublic,
    LedgerEntryTill,
    MemberCreate,
    MemberPublic,
    MemberTill,
    Page,
    birthday_value,
)
from patron.domain.errors import InvalidInput, MemberExists, ReferralRefused
from patron.services.adjust import adjust
from patron.services.apikeys import Principal, Scope
from patron.services.commands import Adjust, Enroll
from patron.services.enroll import Enrolled, enroll
from patron.services.queries import balance, ledger_entries

router = APIRouter(prefix="/v1/members", tags=["members"])


@router.post(
    "",
    status_code=201,
    response_model=MemberPublic,
    responses=p.refusals(
        MemberExists("a member with external_id 'C-1042' already exists (member 1)", member_id=1),
        InvalidInput("referral_code 'ZZ-404' belongs to no member"),
        ReferralRefused(
            "referral refused: the new member's e-mail or phone is the referrer's own",
            reason="self_referral",
        ),
        p.NO_PROGRAM,
    ),
)
def create_member(
    body: MemberCreate,
    _: EnrollKey,
    write: Idempotent,
) -> Response:
    """Enroll a member (welcome bonus, optional referral code); the answer is the whole
    member, whose personal data the caller has just sent."""
    command = Enroll(
        body.external_id,
        body.email,
        body.name,
        body.referral_code,
        body.enrolled_at,
        body.acquisition_channel,
        body.phone,
        birthday_value(body.birthday),
    )

    def present(result: Enrolled) -> MemberPublic:
        return MemberPublic.model_validate(result.member)

    return write(body, lambda uow: enroll(uow, command), present)


def _admin(principal: Principal) -> bool:
    return principal.scope is Scope.ADMIN


@router.get(
    "/{id}",
    response_model=MemberPublic | MemberTill,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_member(
    id: MemberPath, patron: PatronDep, principal: ReadMemberKey, by: By = None
) -> MemberPublic | MemberTill:
    """A member by Patron id, or by external id (non-numeric, or `?by=external_id`): the
    whole profile for an admin key, the till view (no personal data) for a pos key."""
    member = member_named(patron, id, by)
    view = MemberPublic if _admin(principal) else MemberTill
    return view.model_validate(member)


@router.get(
    "/{id}/balance",
    response_model=BalancePublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER, p.NO_PROGRAM),
)
def get_balance(
    id: MemberPath, patron: PatronDep, _: ReadMemberKey, by: By = None
) -> BalancePublic:
    """Spendable and pending points, tier and progress, points expiring soon."""
    member = member_named(patron, id, by)
    view = patron.read(balance, member.id)
    return BalancePublic(
        member_id=view.member_id,
        points=view.points,
        pending=view.pending,
        total=view.total,
        debt=view.debt,
        tier=view.tier,
        next_tier=view.next_tier,
        needed_for_next_tier=view.needed_for_next_tier,
        qualifying=view.qualifying,
        expiring=[ExpiringPublic(points=p, expires_at=d) for d, p in view.expiring],
        point_value=view.point_value,
        currency=view.currency,
    )


@router.get(
    "/{id}/ledger",
    response_model=Page[LedgerEntryPublic] | Page[LedgerEntryTill],
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_ledger(
    id: MemberPath,
    request: Request,
    patron: PatronDep,
    principal: ReadMemberKey,
    by: By = None,
    limit: Limit = 100,
    before: Annotated[
        int | None,
        Query(ge=1, le=2**62, description="entry id cursor: entries older than this one"),
    ] = None,
) -> Page[LedgerEntryPublic] | Page[LedgerEntryTill]:
    """The member's ledger entries, newest first, in pages: follow `next` (it sets
    `before`); a pos key gets them without their `reason`, free text that may name people.

    One entry more than the page is read, so the answer knows whether another follows."""
    member = member_named(patron, id, by)
    rows = patron.read(ledger_entries, member.id, limit + 1, before)
    more = next_link(request, before=rows[limit - 1].id) if len(rows) > limit else None
    if not _admin(principal):
        till = [LedgerEntryTill.model_validate(r, from_attributes=True) for r in rows[:limit]]
        return Page[LedgerEntryTill](data=till, count=len(till), next=more)
    entries = [LedgerEntryPublic.model_validate(r, from_attributes=True) for r in rows[:limit]]
    return Page[LedgerEntryPublic](data=entries, count=len(entries), next=more)


@router.post(
    "/{id}/adjustments",
    status_code=201,
    response_model=AdjustmentPublic,
    responses=p.refusals(
        p.NO_MEMBER,
        p.AMBIGUOUS_MEMBER,
        InvalidInput("points: an adjustment of 0 points changes nothing"),
        p.SHORT,
        p.NO_PROGRAM,
    ),
)
def create_adjustment(
    id: MemberPath,
    body: AdjustmentCreate,
    patron: PatronDep,
    principal: AdminKey,
    write: Idempotent,
    by: By = None,
) -> Response:
    """Credit or debit points by hand (admin); who, when and why are audited."""
    member = member_named(patron, id, by)
    command = Adjust(member.id, body.points, body.reason, principal.actor, body.valid_days)

    return write(
        body,
        lambda uow: adjust(uow, command),
        AdjustmentPublic.model_validate,
        resource=f"/v1/members/{member.id}/adjustments",
    )
