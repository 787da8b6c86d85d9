"""Purchases (points are earned) and refunds (points are taken back).

A purchase records the shop of the key that sent it; a key bound to a shop refunds only
its shop's purchases (domain/access.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from patron.api.deps import EarnKey, RefundKey
from patron.api.idempotency import Idempotent
from patron.api.schemas import (
    MAX_ID,
    PurchaseCreate,
    PurchasePublic,
    RefundCreate,
    RefundPublic,
)
from patron.domain.earning import Line
from patron.services.commands import MemberRef, RecordPurchase, Refund, ReturnLine
from patron.services.earn import record_purchase
from patron.services.refund import refund

router = APIRouter(prefix="/v1/purchases", tags=["purchases"])


@router.post("", status_code=201, response_model=PurchasePublic)
def create_purchase(
    body: PurchaseCreate,
    principal: EarnKey,
    write: Idempotent,
) -> Response:
    """Record a purchase; the answer says the points earned and every rule that applied."""
    command = RecordPurchase(
        member=MemberRef(id=body.member_id, external_id=body.external_id),
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
    )
    return write(body, lambda uow: record_purchase(uow, command), PurchasePublic.model_validate)


@router.post("/{id}/refunds", status_code=201, response_model=RefundPublic)
def create_refund(
    id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: RefundCreate,
    principal: RefundKey,
    write: Idempotent,
) -> Response:
    """Return some lines (or all, when `lines` is omitted); their points are taken back."""
    lines = tuple(ReturnLine(x.line_no, x.quantity) for x in body.lines) if body.lines else None
    command = Refund(id, lines, body.reason, shop=principal.shop)

    return write(body, lambda uow: refund(uow, command), RefundPublic.model_validate)
