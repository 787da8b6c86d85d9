"""Purchases (points are earned) and refunds (points are taken back).

A purchase records the shop of the key that sent it; a key bound to a shop refunds only
its shop's purchases (domain/access.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import EarnKey, PatronDep, PosKey, RefundKey
from patron.api.errors import ApiProblem
from patron.api.idempotency import Idempotent
from patron.api.schemas import (
    PurchaseCreate,
    PurchaseDetail,
    PurchasePublic,
    RefundCreate,
    RefundPublic,
    UnclaimedPurchasePublic,
)
from patron.domain.access import Operation
from patron.domain.cards import CardMistyped
from patron.domain.earning import Line
from patron.domain.errors import InvalidInput, NothingToReturn, OrderTaken, PurchaseLimit
from patron.domain.unclaimed import PurchaseUnclaimed
from patron.services.commands import (
    BuyerRef,
    MemberRef,
    PurchaseRef,
    RecordPurchase,
    RecordUnclaimed,
    Refund,
    ReturnLine,
)
from patron.services.earn import record_purchase
from patron.services.first_purchase import FirstPurchase, record_enrolling
from patron.services.purchases import find_purchase, purchase_view
from patron.services.refund import refund
from patron.services.unclaimed import member_for_keys, record_unclaimed

router = APIRouter(prefix="/v1/purchases", tags=["purchases"])
PurchasePath = Annotated[
    str,
    Path(
        description="the purchase: Patron's id or your order id (`by` says which)",
        examples=["T1-0042"],
    ),
]
By = Annotated[
    Literal["id", "order_id"] | None,
    Query(description="how to read {id}: Patron's purchase id or your order id"),
]


UNCLAIMED = PurchaseUnclaimed(
    "order 'T1-0044' awaits a member: it earned no points, so there is nothing to take"
    " back; once a member is linked to it, refund it like any purchase"
)
AWAITING: dict[int | str, dict[str, Any]] = {
    202: {
        "model": UnclaimedPurchasePublic,
        "description": "recorded for a customer who is not a member (`customer`): no points"
        " until a member proves the customer's e-mail",
    }
}

ENROLL_FORBIDDEN = ApiProblem(
    403,
    "forbidden_operation",
    "enroll: true needs a key that may enroll; this one may not (ask an admin)",
)


@router.post(
    "",
    status_code=201,
    response_model=PurchasePublic,
    responses=AWAITING
    | p.refusals(
        p.NO_MEMBER,
        ENROLL_FORBIDDEN,
        InvalidInput(
            "occurred_at 2027-03-01T10:30:00+00:00 is more than a day ahead of the server's clock"
        ),
        OrderTaken("order 'T1-0042' is already recorded as purchase 1", purchase_id=1),
        p.ERASED,
        PurchaseLimit(
            "member 3 has 2147483647 purchases, the most one member may have; record this"
            " purchase under another member"
        ),
        p.NO_PROGRAM,
        CardMistyped("card: the check digit is wrong (a digit mistyped?); check the number"),
    ),
)
def create_purchase(
    body: PurchaseCreate,
    principal: EarnKey,
    write: Idempotent,
    patron: PatronDep,
) -> Response:
    """Record a purchase; the answer says the points earned and every rule that applied.
    With `customer` instead of a member: the purchase of the member whose card or address
    it names (201), else kept until a member proves the address (202)."""
    member = MemberRef(id=body.member_id, external_id=body.external_id)
    buyer = None
    if body.buyer is not None:  # a business's buyer: the purchase is the business's
        b = body.buyer
        buyer = BuyerRef(id=b.id, email=b.email, phone=b.phone, card=b.card)
    if body.customer is not None:
        if body.enroll:
            raise InvalidInput("enroll: name the customer by external_id, not customer")
        known = patron.read(member_for_keys, body.customer.keys())
        if known is None:
            return write(
                body,
                lambda uow: record_unclaimed(uow, _unclaimed(body, principal.shop)),
                UnclaimedPurchasePublic.model_validate,
                status=202,
            )
        member = MemberRef(id=known)
    command = RecordPurchase(
        member=member,
        order_id=body.order_id,
        occurred_at=body.occurred_at,
        currency=body.currency,
        lines=tuple(
            Line(x.sku, x.category, x.quantity, x.unit_price, x.unit_cost) for x in body.lines
        ),
        channel=body.channel,
        payment_method=body.payment_method,
        promotion_code=body.promotion_code,
        invoice_due_at=body.invoice_due_at,
        paid_at=body.paid_at,
        shop=principal.shop,
        buyer=buyer,
        payment_fingerprint=body.payment_fingerprint,
    )
    if not body.enroll:
        return write(body, lambda uow: record_purchase(uow, command), PurchasePublic.model_validate)
    if not principal.may(Operation.ENROLL):
        raise ENROLL_FORBIDDEN

    def present(first: FirstPurchase) -> PurchasePublic:
        answer = PurchasePublic.model_validate(first.recorded)
        return answer.model_copy(update={"enrolled": first.enrolled})

    return write(body, lambda uow: record_enrolling(uow, command), present)


@router.get(
    "/{id}",
    response_model=PurchaseDetail,
    responses=p.refusals(p.NO_PURCHASE, p.AMBIGUOUS_PURCHASE, p.OTHER_SHOP, UNCLAIMED),
)
def get_purchase(
    id: PurchasePath, patron: PatronDep, principal: PosKey, by: By = None
) -> PurchaseDetail:
    """A purchase by Patron's id or by your order id (`?by=order_id`), with its lines and
    what was returned of them; a key bound to a shop reads only its shop's purchases."""
    view = patron.read(purchase_view, PurchaseRef.named(id, by), principal.shop)
    return PurchaseDetail.model_validate(
        {**asdict(view.purchase), "external_id": view.external_id, "lines": view.lines}
    )


@router.post(
    "/{id}/refunds",
    status_code=201,
    response_model=RefundPublic,
    responses=p.refusals(
        p.NO_PURCHASE,
        p.AMBIGUOUS_PURCHASE,
        p.OTHER_SHOP,
        InvalidInput("lines[0].line_no: the purchase has no line 4"),
        NothingToReturn("every line of this purchase has already been returned"),
        UNCLAIMED,
    ),
)
def create_refund(
    id: PurchasePath,
    body: RefundCreate,
    patron: PatronDep,
    principal: RefundKey,
    write: Idempotent,
    by: By = None,
) -> Response:
    """Return some lines (or all, when `lines` is omitted); their points are taken back.
    The purchase is named by Patron's id or by your order id (`?by=order_id`)."""
    purchase = patron.read(find_purchase, PurchaseRef.named(id, by), principal.shop)
    lines = tuple(ReturnLine(x.line_no, x.quantity) for x in body.lines) if body.lines else None
    command = Refund(purchase.id, lines, body.reason, shop=principal.shop)

    return write(
        body,
        lambda uow: refund(uow, command),
        RefundPublic.model_validate,
        resource=f"/v1/purchases/{purchase.id}/refunds",
    )


def _unclaimed(body: PurchaseCreate, shop: str | None) -> RecordUnclaimed:
    assert body.customer is not None
    return RecordUnclaimed(
        keys=body.customer.keys(),
        order_id=body.order_id,
        occurred_at=body.occurred_at,
        currency=body.currency,
        lines=tuple(
            Line(x.sku, x.category, x.quantity, x.unit_price, x.unit_cost) for x in body.lines
        ),
        channel=body.channel,
        payment_method=body.payment_method,
        promotion_code=body.promotion_code,
        invoice_due_at=body.invoice_due_at,
        paid_at=body.paid_at,
        shop=shop,
    )
