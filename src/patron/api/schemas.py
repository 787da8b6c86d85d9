"""Request and response bodies of the API (never the tables themselves).

Every field is bounded: sizes, ranges and characters are checked here against
`domain/limits.py`, the bounds the store's columns are sized for, so that no input reaches
the store in a shape it would refuse with a server error.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    field_validator,
    model_validator,
)

from patron.domain import limits
from patron.domain.clock import iso_utc
from patron.domain.earning import Line, amounts_problem
from patron.domain.records import EntryKind, RedemptionStatus

MAX_ID = 2**62
MAX_POINTS = limits.MAX_POINTS


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _json_whole(value: object) -> object:
    """A whole number as JSON writes one: not `true`, `"3"` or `2.0`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number written as a JSON number, e.g. 2")
    return value


def _plain_decimal(value: object) -> object:
    """An amount as a JSON number or a string of ASCII digits with an optional point:
    `"10.50"`, not `"1_000"`, `"1e3"`, `" 10"` or digits of other scripts, which
    Python's Decimal would otherwise read."""
    if isinstance(value, bool):
        raise ValueError('must be an amount such as "12.50", not true or false')
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise ValueError(
            "must be an amount written with the digits 0-9 and an optional decimal point,"
            ' e.g. "12.50"'
        )
    return value


def _zoned_time(value: object) -> object:
    """A time as an ISO 8601 string with its zone: a till's local time without one, or
    an epoch number, would be read in a zone nobody chose."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 time string with its zone, e.g. 2026-01-01T08:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            "must be an ISO 8601 time with its zone, e.g. 2026-01-01T08:00:00Z or"
            " 2026-01-01T10:00:00+02:00"
        ) from None
    if _DAY.fullmatch(value):
        return parsed.replace(tzinfo=UTC)  # a calendar day (an invoice's due date): 00:00 UTC
    if parsed.tzinfo is None:
        raise ValueError(
            f"{value!r} has no zone: add Z for UTC or the offset, e.g. {value}Z or {value}+02:00"
        )
    return parsed


Whole = BeforeValidator(_json_whole)
PlainDecimal = BeforeValidator(_plain_decimal)


def _sane_time(value: datetime) -> datetime:
    if not 1970 <= value.year <= 2200:
        raise ValueError("must be between the years 1970 and 2200")
    return value


_Clean = AfterValidator(_printable)
Key = Annotated[str, Field(min_length=1, max_length=limits.KEY_LENGTH), _Clean]
Code = Annotated[str, Field(min_length=1, max_length=limits.CODE_LENGTH), _Clean]
Label = Annotated[str, Field(max_length=limits.LABEL_LENGTH), _Clean]
Short = Annotated[str, Field(max_length=limits.SHORT_LENGTH), _Clean]
Reason = Annotated[str, Field(max_length=limits.REASON_LENGTH), _Clean]
Note = Annotated[str, Field(min_length=1, max_length=limits.NOTE_LENGTH), _Clean]
Email = Annotated[str, Field(max_length=limits.EMAIL_LENGTH), _Clean]
Name = Annotated[str, Field(max_length=limits.NAME_LENGTH), _Clean]
Referral = Annotated[str, Field(max_length=limits.REFERRAL_LENGTH), _Clean]
ApiKeyName = Annotated[str, Field(min_length=1, max_length=limits.API_KEY_NAME_LENGTH), _Clean]
Shop = Annotated[str, Field(min_length=1, max_length=limits.SHOP_LENGTH), _Clean]


# a time in a body: a zoned ISO 8601 string; in a query, a date or a time (UTC if no zone)
Time = Annotated[datetime, BeforeValidator(_zoned_time), AfterValidator(_sane_time)]
QueryTime = Annotated[datetime, AfterValidator(_sane_time)]
UtcTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]
Id = Annotated[int, Whole, Field(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
# Bare amounts, no currency (not `domain.money.Money`, which has one): a unit price or
# cost (4 decimals), and any other amount (cents).
UnitAmount = Annotated[
    Decimal,
    PlainDecimal,
    Field(ge=0, le=limits.MAX_UNIT_AMOUNT, decimal_places=limits.UNIT_PLACES),
]
Amount = Annotated[
    Decimal, PlainDecimal, Field(ge=0, le=limits.MAX_AMOUNT, decimal_places=limits.AMOUNT_PLACES)
]
Quantity = Annotated[int, Whole, Field(ge=1, le=limits.MAX_QUANTITY)]
T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="the number of items in this page")
    next: str | None = Field(
        None,
        description="the path and query that read the next page; null on the last page",
    )


class MemberCreate(_In):
    external_id: Key
    email: Email | None = None
    name: Name | None = None
    referral_code: Referral | None = None
    enrolled_at: Time | None = Field(
        None,
        description="when the member joined (default: now): a past date for members moved"
        " from another system dates their welcome and referral points and first tier; at"
        " most a day ahead of the server's clock, like a purchase's occurred_at (else 422)",
    )
    acquisition_channel: Short | None = Field(
        None, description="the channel that brought the member (CAC by channel)"
    )


class Answer(BaseModel):
    """An answer validated from a use case's result by attribute name (`from_attributes`),
    so no route copies fields by hand; a field named otherwise in the result says so with
    `From("result_name")`."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


def From(name: str, description: str | None = None) -> Any:  # noqa: N802 - reads as a marker
    """A field filled from the result's attribute `name` (its own name works too)."""
    return Field(validation_alias=name, description=description)


class MemberPublic(Answer):
    id: int
    external_id: str
    email: str | None
    name: str | None
    tier: str
    tier_since: UtcTime
    enrolled_at: UtcTime
    referral_code: str
    points: int = From("balance", "balance, pending points included")
    debt: int
    purchase_count: int
    lifetime_spend: Decimal
    acquisition_channel: str | None = None
    erased_at: UtcTime | None = Field(
        None, description="when the member's personal data was erased (docs/privacy.md)"
    )


class MemberErase(_In):
    reason: Note = Field(description="why the data is erased (audited); no personal data")


class ErasurePublic(Answer):
    member_id: int
    external_id: str = Field(description="the pseudonym that replaces the external id")
    erased_at: UtcTime
    points: int = From("balance", "points left on the books until they expire")


class MemberTill(Answer):
    """What a till needs of a member (a pos key's view): no name, e-mail or history."""

    id: int
    external_id: str
    tier: str
    points: int = From("balance", "balance, pending points included")
    debt: int


class LineIn(_In):
    sku: Code
    category: Label | None = None
    quantity: Quantity = 1
    unit_price: UnitAmount
    unit_cost: UnitAmount | None = None


class PurchaseCreate(_In):
    member_id: Id | None = None
    external_id: Key | None = None
    order_id: Key
    occurred_at: Time
    currency: Currency
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=limits.MAX_LINES)]
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
    enroll: StrictBool = Field(
        False,
        description="enroll the customer named by external_id if they are not a member yet"
        " (a till that enrolls at the counter); the key must be allowed to enroll",
    )

    @field_validator("lines")
    @classmethod
    def _storable(cls, lines: list[LineIn]) -> list[LineIn]:
        problem = amounts_problem(
            [Line(x.sku, x.category, x.quantity, x.unit_price, x.unit_cost) for x in lines]
        )
        if problem is not None:
            raise ValueError(problem[1])
        return lines

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        if self.enroll and self.external_id is None:
            raise ValueError("enroll: name the customer by external_id, the id they are to have")
        return self


class BreakdownPublic(Answer):
    rule: str
    points: int


class PurchasePublic(Answer):
    id: int = From("purchase_id")
    enrolled: bool = Field(False, description="the purchase made its customer a member")
    member_id: int
    order_id: str
    total: Decimal
    points_earned: int
    breakdown: list[BreakdownPublic]
    available_at: UtcTime
    tier: str
    program_version: int


class PurchaseLinePublic(Answer):
    line_no: int
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal
    refunded_quantity: int = Field(description="how many of `quantity` were returned")
    points: int = Field(description="points the line earned")


class PurchaseDetail(Answer):
    """A recorded purchase as a till or a back office reads it."""

    id: int
    order_id: str
    member_id: int
    external_id: str = Field(description="the member's customer id")
    occurred_at: UtcTime
    currency: str
    total: Decimal
    refunded_total: Decimal = Field(description="the money value of the returned lines")
    points_earned: int
    bonus_points: int = Field(description="points of promotions and milestones, included")
    channel: str | None
    payment_method: str | None
    promotion_code: str | None
    shop: str | None = Field(description="the shop of the key that recorded it")
    program_version: int | None = Field(description="null for history imported by a file")
    lines: list[PurchaseLinePublic]


class ReturnLineIn(_In):
    # not MAX_LINES: an order imported before lines were bounded may be longer
    line_no: Annotated[int, Whole, Field(ge=1, le=10_000)]
    quantity: Quantity


class RefundCreate(_In):
    lines: (
        Annotated[list[ReturnLineIn], Field(min_length=1, max_length=limits.MAX_LINES)] | None
    ) = None
    reason: Reason | None = None


class RefundPublic(Answer):
    id: int = From("refund_id", "the refund's id")
    purchase_id: int = Field(description="the purchase the lines were returned from")
    member_id: int
    amount: Decimal = Field(description="the money value of the returned lines")
    points_taken_back: int = Field(description="points removed from the balance")
    debt: int = Field(
        description="points that could not be taken back, being spent already: the"
        " member's next points settle them first"
    )
    balance: int = Field(description="the member's balance after the refund")


class RedemptionCreate(_In):
    member_id: Id | None = Field(None, description="Patron's member id; or give external_id")
    external_id: Key | None = Field(None, description="the shop's customer id; or member_id")
    reward_id: Code | None = None
    points: Annotated[int, Whole, Field(ge=1, le=MAX_POINTS)] | None = None
    basket_total: (
        Annotated[
            Decimal,
            PlainDecimal,
            Field(gt=0, le=limits.MAX_AMOUNT, decimal_places=limits.UNIT_PLACES),
        ]
        | None
    ) = None
    transaction_id: Key | None = Field(
        None,
        description=(
            "the till's own id for the sale, unique per member: sent again (through any API"
            " key) it answers 200 with the first redemption; with other terms, 409"
            " transaction_id_reused. A quote ignores it."
        ),
    )

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        return self


class QuotePublic(Answer):
    member_id: int
    spendable: int = Field(description="the member's points that can be spent now")
    points: int = Field(description="what the redemption would cost")
    value: Decimal = Field(description="what it would be worth, in `currency`")
    currency: str
    max_points: int | None = Field(
        description="the most points the basket allows (the program's discount cap); null"
        " without a basket_total"
    )
    reward_id: str | None
    sufficient: bool = Field(description="whether `spendable` covers `points`")


class RedemptionPublic(Answer):
    id: int = From("redemption_id", "the redemption's id (to cancel it)")
    member_id: int
    reward_id: str | None = Field(description="null for points spent as a discount")
    points: int = Field(description="points spent")
    value: Decimal = Field(description="what they were worth, in `currency`")
    currency: str
    balance: int = Field(description="the member's balance after it")
    status: RedemptionStatus
    transaction_id: str | None = Field(None, description="the till's id for the sale")


class CancelCreate(_In):
    reason: Reason | None = None


class AdjustmentCreate(_In):
    points: Annotated[int, Whole, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
    reason: Note


class AdjustmentPublic(Answer):
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
    total: int = Field(description="points + pending")
    debt: int = Field(description="points owed from refunds, settled by the next earnings")
    tier: str
    next_tier: str | None = Field(description="null at the top tier")
    needed_for_next_tier: Decimal = Field(
        description="qualifying value (spend or points, as the program says) still missing"
    )
    qualifying: Decimal = Field(description="the qualifying value in the tier window")
    expiring: list[ExpiringPublic] = Field(description="points that expire soon, by date")
    point_value: Decimal = Field(description="what one point is worth, in `currency`")
    currency: str


class LedgerEntryTill(BaseModel):
    """A ledger entry as a pos key reads it: without the reason a person wrote on it."""

    id: int
    kind: EntryKind
    points: int = Field(description="positive for a credit, negative for a debit")
    occurred_at: UtcTime
    purchase_id: int | None
    redemption_id: int | None


class LedgerEntryPublic(LedgerEntryTill):
    """A ledger entry as an admin key reads it: with the reason written on it."""

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
    channel: Annotated[str, Field(min_length=1, max_length=limits.SHORT_LENGTH), _Clean]
    amount: Amount
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
