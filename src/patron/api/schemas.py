"""Request and response bodies of the API (never the tables themselves).

Every field is bounded: sizes, ranges and characters are checked here, so that no input
reaches the store in a shape it would refuse with a server error.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from patron.domain.clock import iso_utc
from patron.domain.records import EntryKind, RedemptionStatus

MAX_ID = 2**62
MAX_POINTS = 10**9
MAX_TOTAL = Decimal("99999999999")


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _sane_time(value: datetime) -> datetime:
    if not 1970 <= value.year <= 2200:
        raise ValueError("must be between the years 1970 and 2200")
    return value


_Clean = AfterValidator(_printable)
Key = Annotated[str, Field(min_length=1, max_length=128), _Clean]
Code = Annotated[str, Field(min_length=1, max_length=64), _Clean]
Label = Annotated[str, Field(max_length=64), _Clean]
Short = Annotated[str, Field(max_length=50), _Clean]
Reason = Annotated[str, Field(max_length=200), _Clean]
Note = Annotated[str, Field(min_length=1, max_length=500), _Clean]
Email = Annotated[str, Field(max_length=320), _Clean]
Referral = Annotated[str, Field(max_length=32), _Clean]


Time = Annotated[datetime, AfterValidator(_sane_time)]
UtcTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
# A bare amount, at most 4 decimals and no currency (not `domain.money.Money`, which has one).
DecimalAmount = Annotated[Decimal, Field(ge=0, le=MAX_TOTAL, max_digits=15, decimal_places=4)]
T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int


class MemberCreate(_In):
    external_id: Key
    email: Email | None = None
    name: Annotated[str, Field(max_length=200), _Clean] | None = None
    referral_code: Referral | None = None
    enrolled_at: Time | None = None
    acquisition_channel: Short | None = Field(
        None, description="the channel that brought the member (CAC by channel)"
    )


class MemberPublic(BaseModel):
    id: int
    external_id: str
    email: str | None
    name: str | None
    tier: str
    tier_since: UtcTime
    enrolled_at: UtcTime
    referral_code: str
    points: int = Field(description="balance, pending points included")
    debt: int
    purchase_count: int
    lifetime_spend: Decimal
    acquisition_channel: str | None = None
    erased_at: UtcTime | None = Field(
        None, description="when the member's personal data was erased (docs/privacy.md)"
    )


class MemberErase(_In):
    reason: Note = Field(description="why the data is erased (audited); no personal data")


class ErasurePublic(BaseModel):
    member_id: int
    external_id: str = Field(description="the pseudonym that replaces the external id")
    erased_at: UtcTime
    points: int = Field(description="points left on the books until they expire")


class LineIn(_In):
    sku: Code
    category: Label | None = None
    quantity: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    unit_price: DecimalAmount
    unit_cost: DecimalAmount | None = None


class PurchaseCreate(_In):
    member_id: Id | None = None
    external_id: Key | None = None
    order_id: Key
    occurred_at: Time
    currency: Currency
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=500)]
    channel: Short | None = None
    payment_method: Short | None = None
    promotion_code: Label | None = None
    invoice_due_at: Time | None = Field(
        None, description="invoiced purchases: when the invoice falls due (not before the purchase)"
    )
    paid_at: Time | None = Field(
        None,
        description="invoiced purchases: when it was paid (not before the purchase day);"
        " feeds the payment-speed criterion of the A/B/C classes",
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        total = sum((line.unit_price * line.quantity for line in self.lines), Decimal(0))
        if total > MAX_TOTAL:
            raise ValueError(f"the purchase total must not exceed {MAX_TOTAL}")
        return self


class BreakdownPublic(BaseModel):
    rule: str
    points: int


class PurchasePublic(BaseModel):
    id: int
    member_id: int
    order_id: str
    total: Decimal
    points_earned: int
    breakdown: list[BreakdownPublic]
    available_at: UtcTime
    tier: str
    program_version: int


class ReturnLineIn(_In):
    line_no: Annotated[int, Field(ge=1, le=10_000)]
    quantity: Annotated[int, Field(ge=1, le=1_000_000)]


class RefundCreate(_In):
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=500)] | None = None
    reason: Reason | None = None


class RefundPublic(BaseModel):
    id: int
    purchase_id: int
    member_id: int
    amount: Decimal
    points_taken_back: int
    debt: int
    balance: int


class RedemptionCreate(_In):
    member_id: Id
    reward_id: Code | None = None
    points: Annotated[int, Field(ge=1, le=MAX_POINTS)] | None = None
    basket_total: (
        Annotated[Decimal, Field(gt=0, le=MAX_TOTAL, max_digits=15, decimal_places=4)] | None
    ) = None


class QuotePublic(BaseModel):
    member_id: int
    spendable: int
    points: int
    value: Decimal
    currency: str
    max_points: int | None
    reward_id: str | None
    sufficient: bool


class RedemptionPublic(BaseModel):
    id: int
    member_id: int
    reward_id: str | None
    points: int
    value: Decimal
    currency: str
    balance: int
    status: RedemptionStatus


class CancelCreate(_In):
    reason: Reason | None = None


class AdjustmentCreate(_In):
    points: Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
    reason: Note


class AdjustmentPublic(BaseModel):
    member_id: int
    points: int
    balance: int
    entry_id: int


class ExpiringPublic(BaseModel):
    points: int
    expires_at: date


class BalancePublic(BaseModel):
    member_id: int
    points: int = Field(description="spendable now")
    pending: int = Field(description="earned, spendable after the return window")
    total: int
    debt: int
    tier: str
    next_tier: str | None
    needed_for_next_tier: Decimal
    qualifying: Decimal
    expiring: list[ExpiringPublic]
    point_value: Decimal
    currency: str


class LedgerEntryPublic(BaseModel):
    id: int
    kind: EntryKind
    points: int
    occurred_at: UtcTime
    purchase_id: int | None
    redemption_id: int | None
    reason: str | None


class RewardPublic(BaseModel):
    id: str
    name: str
    kind: str
    points: int
    value: Decimal | None
    stock: int | None
    tiers: list[str]
    description: str


class SpendCreate(_In):
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
    channel: Annotated[str, Field(min_length=1, max_length=50), _Clean]
    amount: Annotated[Decimal, Field(ge=0, le=MAX_TOTAL, max_digits=13, decimal_places=2)]
    currency: Currency
    note: Note | None = None


class SpendPublic(BaseModel):
    id: int
    month: str
    channel: str
    amount: Decimal
    currency: str
    note: str | None
    recorded_at: UtcTime
    recorded_by: str
