"""Rewards catalog, redemption quotes, redemptions and their cancellation.

A redemption records the shop of the key that made it; a key bound to a shop cancels only
its shop's redemptions (domain/access.py). The catalog is open to every key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import CancelKey, PatronDep, PosKey, RedeemKey
from patron.api.idempotency import Idempotent
from patron.api.pages import INVALID_CURSOR, Cursor, Limit, page_of
from patron.api.schemas import (
    MAX_ID,
    CancelCreate,
    Page,
    QuotePublic,
    RedemptionCreate,
    RedemptionPublic,
    RewardPublic,
)
from patron.domain.errors import (
    Conflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
    RedemptionCancelled,
    RewardForClubs,
    RewardLimitReached,
    RewardUnavailable,
    TransactionIdReused,
    VoucherUsed,
)
from patron.services.commands import CancelRedemption, MemberRef, Redeem
from patron.services.queries import active_rewards
from patron.services.redeem import cancel, quote, redeem

router = APIRouter(tags=["rewards and redemptions"])
PRICING = (
    p.NO_MEMBER,
    NotFound("no reward 'spa-day' in the catalog"),
    InvalidInput("points: at least 100 points per redemption"),
    RewardUnavailable("reward 'coffee' is out of stock"),
    RewardLimitReached(
        "reward 'coffee' may be redeemed 1 time(s) per month; member 1 has had it 1 time(s)",
        limit=1,
        per="month",
    ),
    RewardForClubs(
        "reward 'kids-party' is for the members of clubs ['kids']; the member is in none of them",
        clubs=["kids"],
    ),
    p.ERASED,
    p.NO_PROGRAM,
)


def _command(body: RedemptionCreate, shop: str | None) -> Redeem:
    return Redeem(
        MemberRef(id=body.member_id, external_id=body.external_id),
        body.reward_id,
        body.points,
        body.basket_total,
        body.transaction_id,
        shop=shop,
    )


@router.get("/v1/rewards", response_model=Page[RewardPublic], responses=p.refusals(INVALID_CURSOR))
def list_rewards(
    request: Request,
    patron: PatronDep,
    _: PosKey,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[RewardPublic]:
    """The active rewards catalog, cheapest first, in pages (follow `next`)."""
    catalog = patron.read(active_rewards)
    shown, more = page_of(catalog, lambda r: (r.points, r.id), limit, cursor, request)
    rewards = [RewardPublic.model_validate(r, from_attributes=True) for r in shown]
    return Page[RewardPublic](data=rewards, count=len(rewards), next=more)


@router.post("/v1/redemptions/quote", response_model=QuotePublic, responses=p.refusals(*PRICING))
def quote_redemption(
    body: RedemptionCreate, patron: PatronDep, principal: RedeemKey
) -> QuotePublic:
    """What a redemption would cost and be worth, and the most points a basket allows."""
    return QuotePublic.model_validate(patron.read(quote, _command(body, principal.shop)))


@router.post(
    "/v1/redemptions",
    status_code=201,
    response_model=RedemptionPublic,
    responses={
        200: {
            "model": RedemptionPublic,
            "description": "The member's redemption already made under this transaction_id",
        },
        **p.refusals(
            *PRICING,
            InsufficientPoints(500, 140),
            TransactionIdReused(
                "transaction_id 'T1-0042-R' is already redemption 1 of member 1 (reward"
                " 'coffee'); this request asks for 200 points: a new redemption needs a new"
                " transaction_id",
                redemption_id=1,
            ),
            p.OTHER_SHOP,
        ),
    },
)
def create_redemption(
    body: RedemptionCreate,
    principal: RedeemKey,
    write: Idempotent,
) -> Response:
    """Spend points on a reward or as a discount; 409 when points are short; 200 with the
    first redemption when its transaction_id was already redeemed with the same terms."""
    command = _command(body, principal.shop)
    return write(
        body,
        lambda uow: redeem(uow, command),
        RedemptionPublic.model_validate,
        status=lambda r: 200 if r.repeated else 201,
    )


@router.post(
    "/v1/redemptions/{id}/cancel",
    status_code=201,
    response_model=RedemptionPublic,
    responses=p.refusals(
        NotFound("no redemption with id 9999"),
        p.OTHER_SHOP,
        RedemptionCancelled("redemption 1 is already cancelled", redemption_id=1),
        Conflict(
            "redemption 7 is a voucher given as a bonus: it spent no points to give back;"
            " left unused, it lapses on its date"
        ),
        VoucherUsed(
            "redemption 1 cannot be cancelled: its gift was handed over at 2026-01-05 10:20:00",
            redemption_id=1,
        ),
        Conflict(
            "redemption 2 pays a seat at event 'wine-tasting': cancel the RSVP instead, which"
            " gives the points back and frees the seat",
            redemption_id=2,
        ),
    ),
)
def cancel_redemption(
    id: Annotated[int, Path(ge=1, le=MAX_ID, description="the redemption's id", examples=[1])],
    principal: CancelKey,
    write: Idempotent,
    body: CancelCreate | None = None,
) -> Response:
    """Cancel a redemption: points return to the lots they came from; refused once its
    voucher was used or its gift or service handed over."""
    payload = body or CancelCreate()
    command = CancelRedemption(id, payload.reason, principal.actor, shop=principal.shop)
    return write(payload, lambda uow: cancel(uow, command), RedemptionPublic.model_validate)
