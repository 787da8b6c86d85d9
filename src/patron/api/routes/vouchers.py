"""Vouchers at the till, gifts and services handed over, and the totals of the causes.

A redemption of a discount, gift or service answers with its code (RedemptionPublic's
`voucher`); the till checks a code and uses it, once (services/fulfil.py). A code is good
at every till of the business, whichever shop redeemed it. The causes' totals are for
admin keys.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep, RedeemKey
from patron.api.idempotency import Idempotent
from patron.api.schemas import CausePublic, CausesPublic, VoucherPublic, VoucherUse
from patron.domain.errors import (
    VoucherCancelled,
    VoucherExpired,
    VoucherUnknown,
    VoucherUsed,
)
from patron.services.fulfil import UseVoucher, cause_totals, check, use

router = APIRouter(tags=["rewards and redemptions"])

Code = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="the voucher's code (case, spaces and dashes do not matter)",
        examples=["K7QM-4XT9-PR2W"],
    ),
]
UNKNOWN = VoucherUnknown("no voucher with code 'K7QM-4XT9-PR2X'")


@router.get("/v1/vouchers/{code}", response_model=VoucherPublic, responses=p.refusals(UNKNOWN))
def get_voucher(code: Code, patron: PatronDep, _: RedeemKey) -> VoucherPublic:
    """A voucher as it stands: issued, used, handed_over, expired or cancelled."""
    return VoucherPublic.model_validate(patron.read(check, code))


@router.post(
    "/v1/vouchers/{code}/use",
    response_model=VoucherPublic,
    responses=p.refusals(
        UNKNOWN,
        VoucherUsed("voucher K7QM-4XT9-PR2W was used at 2026-01-09 16:20:00", redemption_id=1),
        VoucherExpired("voucher K7QM-4XT9-PR2W expired at 2026-02-04 10:00:00", redemption_id=1),
        VoucherCancelled(
            "voucher K7QM-4XT9-PR2W was cancelled: its points were given back", redemption_id=1
        ),
    ),
)
def use_voucher(
    code: Code, principal: RedeemKey, write: Idempotent, body: VoucherUse | None = None
) -> Response:
    """Use a voucher at the till (a gift or a service: hand it over), once. The same use
    sent again (same `transaction_id`, or the same Idempotency-Key) answers the same."""
    payload = body or VoucherUse()
    command = UseVoucher(code, payload.transaction_id, principal.actor)
    return write(payload, lambda uow: use(uow, command), VoucherPublic.model_validate, status=200)


@router.get("/v1/causes", response_model=CausesPublic)
def list_causes(patron: PatronDep, _: AdminKey) -> CausesPublic:
    """Every cause of the catalog with what members gave: donations, points, members, and
    what they cost the business."""
    causes = [CausePublic.model_validate(c) for c in patron.read(cause_totals)]
    return CausesPublic(data=causes, count=len(causes))
