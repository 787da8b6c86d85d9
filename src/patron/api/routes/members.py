"""Members: enroll, look up, balance, ledger and (admin) manual adjustments."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from patron.api.deps import AdminKey, IdempotencyKey, PatronDep, PosKey
from patron.api.idempotency import fingerprint, run_idempotent
from patron.api.schemas import (
    AdjustmentCreate,
    AdjustmentPublic,
    BalancePublic,
    ExpiringPublic,
    LedgerEntryPublic,
    MemberCreate,
    MemberPublic,
    Page,
)
from patron.bootstrap import Patron
from patron.domain.member import Member
from patron.services.adjust import Adjusted, adjust
from patron.services.commands import Adjust, Enroll, MemberRef
from patron.services.enroll import Enrolled, enroll
from patron.services.members import find_member
from patron.services.queries import balance
from patron.store.uow import UnitOfWork

router = APIRouter(prefix="/v1/members", tags=["members"])
By = Annotated[
    Literal["id", "external_id"] | None,
    Query(description="how to read {id}: Patron id or your customer id"),
]


def present_member(member: Member) -> MemberPublic:
    return MemberPublic(
        id=member.id,
        external_id=member.external_id,
        email=member.email,
        name=member.name,
        tier=member.tier,
        tier_since=member.tier_since,
        enrolled_at=member.enrolled_at,
        referral_code=member.referral_code,
        points=member.balance,
        debt=member.debt,
        purchase_count=member.purchase_count,
        lifetime_spend=member.lifetime_spend,
        acquisition_channel=member.acquisition_channel,
        erased_at=member.erased_at,
    )


def _find(patron: Patron, ref: str, by: Literal["id", "external_id"] | None) -> Member:
    return patron.read(find_member, MemberRef.named(ref, by))


@router.post("", status_code=201, response_model=MemberPublic)
def create_member(
    body: MemberCreate, patron: PatronDep, principal: PosKey, idempotency_key: IdempotencyKey = None
) -> Response:
    """Enroll a member (welcome bonus, optional referral code)."""
    command = Enroll(
        body.external_id,
        body.email,
        body.name,
        body.referral_code,
        body.enrolled_at,
        body.acquisition_channel,
    )

    def present(result: Enrolled) -> MemberPublic:
        return present_member(result.member)

    return run_idempotent(
        patron,
        principal,
        idempotency_key,
        fingerprint("POST", "/v1/members", body),
        lambda uow: enroll(uow, command),
        present,
    )


@router.get("/{id}", response_model=MemberPublic)
def get_member(id: str, patron: PatronDep, _: PosKey, by: By = None) -> MemberPublic:
    """A member by Patron id, or by external id (non-numeric, or `?by=external_id`)."""
    return present_member(_find(patron, id, by))


@router.get("/{id}/balance", response_model=BalancePublic)
def get_balance(id: str, patron: PatronDep, _: PosKey, by: By = None) -> BalancePublic:
    """Spendable and pending points, tier and progress, points expiring soon."""
    member = _find(patron, id, by)
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


@router.get("/{id}/ledger", response_model=Page[LedgerEntryPublic])
def get_ledger(
    id: str,
    patron: PatronDep,
    _: PosKey,
    by: By = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="entry id cursor")] = None,
) -> Page[LedgerEntryPublic]:
    """The member's ledger entries, newest first (cursor: `before`)."""
    member = _find(patron, id, by)

    def query(uow: UnitOfWork) -> list[LedgerEntryPublic]:
        return [
            LedgerEntryPublic(
                id=r.id,
                kind=r.kind,
                points=r.points,
                occurred_at=r.occurred_at,
                purchase_id=r.purchase_id,
                redemption_id=r.redemption_id,
                reason=r.reason,
            )
            for r in uow.ledger.entries(member.id, limit, before)
        ]

    rows = patron.read(query)
    return Page[LedgerEntryPublic](data=rows, count=len(rows))


@router.post("/{id}/adjustments", status_code=201, response_model=AdjustmentPublic)
def create_adjustment(
    id: str,
    body: AdjustmentCreate,
    patron: PatronDep,
    principal: AdminKey,
    idempotency_key: IdempotencyKey = None,
    by: By = None,
) -> Response:
    """Credit or debit points by hand (admin); who, when and why are audited."""
    member = _find(patron, id, by)
    command = Adjust(member.id, body.points, body.reason, principal.actor)

    def present(result: Adjusted) -> AdjustmentPublic:
        return AdjustmentPublic(
            member_id=result.member_id,
            points=result.points,
            balance=result.balance,
            entry_id=result.entry_id,
        )

    return run_idempotent(
        patron,
        principal,
        idempotency_key,
        fingerprint("POST", f"/v1/members/{member.id}/adjustments", body),
        lambda uow: adjust(uow, command),
        present,
    )
