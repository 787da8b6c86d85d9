"""A purchase as Patron records it: the purchase, its lines and its refunds, as they are
written (`NewPurchase`, `NewLine`, `NewRefund`) and read back (`Purchase`,
`PurchaseLine`, `RefundRecord`).

A purchase is written once and then only its return counters move: `refunded_total` and
each line's `refunded_quantity`, by refunds (services/refund.py). The points a line
holds are what it earned (domain/earning.py), which a return of it takes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from patron.domain.earning import BreakdownItem


@dataclass(frozen=True, slots=True)
class NewLine:
    line_no: int  # from 1, in the order the till sent the lines
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal | None
    points: int


@dataclass(frozen=True, slots=True)
class NewPurchase:
    member_id: int
    order_id: str
    occurred_at: datetime
    currency: str
    total: Decimal
    cost: Decimal | None  # None when a line's unit cost is unknown
    channel: str | None
    payment_method: str | None
    promotion_code: str | None
    program_version: int
    points_earned: int
    bonus_points: int
    breakdown: tuple[BreakdownItem, ...]
    invoice_due_at: datetime | None
    paid_at: datetime | None
    source: str  # "api" or "import"
    created_at: datetime
    lines: tuple[NewLine, ...]
    shop: str | None  # the recording key's shop (domain/access.py); None: no shop


@dataclass(frozen=True, slots=True)
class Purchase:
    id: int
    member_id: int
    order_id: str
    occurred_at: datetime
    currency: str
    total: Decimal
    cost: Decimal | None
    refunded_total: Decimal
    channel: str | None
    payment_method: str | None
    promotion_code: str | None
    invoice_due_at: datetime | None
    paid_at: datetime | None
    program_version: int | None  # None for a purchase imported as history
    points_earned: int
    bonus_points: int
    breakdown: tuple[BreakdownItem, ...]
    source: str
    created_at: datetime
    shop: str | None  # the recording key's shop: a key of another shop cannot refund it


@dataclass(frozen=True, slots=True)
class PurchaseLine:
    id: int
    purchase_id: int
    member_id: int
    line_no: int
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal | None
    points: int
    refunded_quantity: int


@dataclass(frozen=True)
class ReturnLine:
    """A quantity of one line given back."""

    line_no: int
    quantity: int


@dataclass(frozen=True, slots=True)
class NewRefund:
    purchase_id: int
    member_id: int
    amount: Decimal
    points_taken_back: int
    debt: int  # what could not be taken back, the points being spent already
    lines: tuple[ReturnLine, ...]
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: int
    purchase_id: int
    member_id: int
    amount: Decimal
    points_taken_back: int
    debt: int
    lines: tuple[ReturnLine, ...]
    reason: str | None
    created_at: datetime
