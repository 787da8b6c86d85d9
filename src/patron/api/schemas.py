"""Request and response bodies of the API (never the tables themselves).

Every field is bounded: sizes, ranges and characters are checked here against
`domain/limits.py`, the bounds the store's columns are sized for, so that no input reaches
the store in a shape it would refuse with a server error.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

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

from patron.api import examples as story
from patron.domain import limits
from patron.domain.birthdays import Birthday, parse_birthday
from patron.domain.clock import iso_utc
from patron.domain.earning import Line, amounts_problem
from patron.domain.errors import InvalidInput
from patron.domain.joining import FormRefused, checked_card, checked_phone
from patron.domain.login_links import checked_address
from patron.domain.records import EntryKind, RedemptionStatus
from patron.domain.unclaimed import CustomerKeys

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
Fingerprint = Annotated[str, Field(min_length=1, max_length=limits.FINGERPRINT_LENGTH), _Clean]
ApiKeyName = Annotated[str, Field(min_length=1, max_length=limits.API_KEY_NAME_LENGTH), _Clean]
Shop = Annotated[str, Field(min_length=1, max_length=limits.SHOP_LENGTH), _Clean]


# a time in a body: a zoned ISO 8601 string; in a query, a date or a time (UTC if no zone)
Time = Annotated[datetime, BeforeValidator(_zoned_time), AfterValidator(_sane_time)]
QueryTime = Annotated[datetime, AfterValidator(_sane_time)]
UtcTime = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]


def _birthday(value: str) -> str:
    """A birthday that exists, as written: YYYY-MM-DD or MM-DD (--MM-DD) without a year."""
    try:
        return str(parse_birthday(value, today=datetime.now(UTC).date())).removeprefix("--")
    except InvalidInput as refused:
        raise ValueError(str(refused).removeprefix("birthday: ")) from None


def birthday_value(text: str | None) -> Birthday | None:
    """The value of a birthday the schema has checked."""
    return parse_birthday(text) if text is not None else None


BirthdayText = Annotated[
    str,
    Field(min_length=4, max_length=10, examples=["1990-04-17", "04-17"]),
    AfterValidator(_birthday),
]
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


# FastAPI drops every null from the OpenAPI document, examples' included, which makes an
# example without a required nullable field; the examples travel as JSON text under this
# key too, and api/openapi.py puts them back from it.
KEEP_NULLS = "x-patron-json"


def with_nulls(**keywords: Any) -> dict[str, Any]:
    """`keywords` for a schema or a media type, restored as written by api/openapi.py."""
    return {**keywords, KEEP_NULLS: json.dumps(keywords)}


def examples(*values: dict[str, Any]) -> Any:
    """A model's examples in the OpenAPI document, from api/examples.py (one story;
    tests/e2e/test_openapi.py validates each against its model)."""
    return with_nulls(examples=list(values))


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _page_example(schema: dict[str, Any], page: type[BaseModel]) -> None:
    """A page's example: one item, from the item model's own example."""
    item = page.model_fields["data"].annotation
    models = getattr(item, "__args__", ())
    extra = getattr(models[0], "model_config", {}).get("json_schema_extra") if models else None
    if isinstance(extra, dict) and extra.get("examples"):
        fields = {
            name: field.default
            for name, field in page.model_fields.items()
            if name not in ("data", "count") and not field.is_required()
        }
        schema.update(examples({"data": [extra["examples"][0]], "count": 1, **fields}))


class Page(BaseModel, Generic[T]):
    """One page of a list: its items, how many there are on it, and the link to the next
    page (docs/api.md, "Pages")."""

    model_config = ConfigDict(json_schema_extra=_page_example)

    data: list[T] = Field(description="the items")
    count: int = Field(description="how many items `data` holds")
    next: str | None = Field(
        None,
        description="the path and query that read the next page; null on the last page",
    )


class MemberCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.MEMBER_CREATE))

    external_id: Key = Field(
        description="your customer id (1 to 128 characters), unique: name the member by it"
    )
    email: Email | None = Field(None, description="personal data: erased on request")
    name: Name | None = Field(None, description="personal data: erased on request")
    referral_code: Referral | None = Field(
        None, description="the referral code of the member who brought this one"
    )
    enrolled_at: Time | None = Field(
        None,
        description="when the member joined (default: now): a past date for members moved"
        " from another system dates their welcome and referral points and first tier; at"
        " most a day ahead of the server's clock, like a purchase's occurred_at (else 422)",
    )
    acquisition_channel: Short | None = Field(
        None, description="the channel that brought the member (CAC by channel)"
    )
    phone: Annotated[str, Field(max_length=40), _Clean] | None = Field(
        None,
        description="personal data: their phone, 6 to 15 digits (spaces, dashes and a"
        " leading + allowed); a referral is refused when it is the referrer's or another"
        " friend's of theirs",
    )

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        try:
            return None if value is None else checked_phone(value)
        except FormRefused:
            raise ValueError("not a phone number: 6 to 15 digits, a leading + allowed") from None

    birthday: BirthdayText | None = Field(
        None,
        description="personal data: YYYY-MM-DD, or MM-DD without the year, for the"
        " program's birthday bonus (erased on request)",
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
    """A member's whole profile (an admin key, or the key that enrolled them)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.MEMBER_PUBLIC))

    id: int = Field(description="Patron's member id")
    external_id: str = Field(description="your customer id")
    email: str | None = Field(description="personal data: null once erased")
    name: str | None = Field(description="personal data: null once erased")
    tier: str = Field(description="the member's tier now")
    tier_since: UtcTime = Field(description="when they reached it")
    enrolled_at: UtcTime = Field(description="when the member joined")
    referral_code: str = Field(description="the code a friend enrolls with")
    points: int = From("balance", "balance, pending points included")
    debt: int = Field(description="points owed from refunds, settled by the next earnings")
    purchase_count: int = Field(description="purchases recorded for the member")
    lifetime_spend: Decimal = Field(description="every purchase's total, refunds deducted")
    acquisition_channel: str | None = Field(None, description="the channel that brought the member")
    erased_at: UtcTime | None = Field(
        None, description="when the member's personal data was erased (docs/privacy.md)"
    )


class MemberErase(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.MEMBER_ERASE))

    reason: Note = Field(description="why the data is erased (audited); no personal data")


class ErasurePublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.ERASURE_PUBLIC))

    member_id: int = Field(description="Patron's member id (it stays)")
    external_id: str = Field(description="the pseudonym that replaces the external id")
    erased_at: UtcTime = Field(description="when the personal data was erased")
    points: int = From("balance", "points left on the books until they expire")


class MemberTill(Answer):
    """What a till needs of a member (a pos key's view): no name, e-mail or history."""

    model_config = ConfigDict(json_schema_extra=examples(*story.MEMBER_TILL))

    id: int = Field(description="Patron's member id")
    external_id: str = Field(description="your customer id")
    tier: str = Field(description="the member's tier now")
    points: int = From("balance", "balance, pending points included")
    debt: int = Field(description="points owed from refunds, settled by the next earnings")


class LineIn(_In):
    sku: Code = Field(description="the product's code (1 to 64 characters)")
    category: Label | None = Field(None, description="for category multipliers and analytics")
    quantity: Quantity = Field(1, description="how many (1 to 1,000,000; default 1)")
    unit_price: UnitAmount = Field(description='the price of one, e.g. "12.50" (4 decimals)')
    unit_cost: UnitAmount | None = Field(
        None, description="what one costs the business (margin in the A/B/C classes)"
    )


class CustomerIn(_In):
    """A customer who is not a member yet, as the till knows them (at least one field)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CUSTOMER))

    email: Email | None = Field(
        None, description="their e-mail: the purchase is linked when a member proves it"
    )
    phone: Annotated[str, Field(max_length=40), _Clean] | None = Field(
        None, description="their phone, 6 to 15 digits (spaces, dashes and a leading + allowed)"
    )
    card: Annotated[str, Field(max_length=40), _Clean] | None = Field(
        None, description="their loyalty card's number, 4 to 32 letters and digits"
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        keys = self.keys()  # ValueError for a field of the wrong shape
        if not keys.any():
            raise ValueError("give the customer's email, phone or card")
        return self

    def keys(self) -> CustomerKeys:
        """The keys as the store keeps them (lower-case e-mail, phone digits, card)."""
        try:
            email = None if self.email is None else checked_address(self.email)
        except InvalidInput:
            raise ValueError("email: not an e-mail address") from None
        try:
            phone = None if self.phone is None else checked_phone(self.phone)
            card = None if self.card is None else checked_card(self.card)
        except FormRefused as refused:
            raise ValueError(f"{', '.join(refused.problems)}: {refused.message}") from None
        return CustomerKeys(email, phone, card)


class BuyerIn(_In):
    """A business's buyer, as the till knows them: exactly one field (docs/business.md)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.BUYER_IN))

    id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(None, description="Patron's buyer id")
    email: Email | None = Field(None, description="the buyer's e-mail, any case")
    phone: Annotated[str, Field(max_length=40), _Clean] | None = Field(
        None, description="the buyer's phone, as typed"
    )
    card: Annotated[str, Field(max_length=40), _Clean] | None = Field(
        None, description="the buyer's loyalty card number"
    )

    @model_validator(mode="after")
    def _one(self) -> Self:
        if sum(x is not None for x in (self.id, self.email, self.phone, self.card)) != 1:
            raise ValueError("buyer: give exactly one of id, email, phone or card")
        return self


class PurchaseCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.PURCHASE_CREATE))

    member_id: Id | None = Field(
        None, description="Patron's member id; or give external_id (or customer)"
    )
    external_id: Key | None = Field(
        None, description="your customer id; or give member_id (or customer)"
    )
    customer: CustomerIn | None = Field(
        None,
        description="a customer who is not a member: the purchase earns nothing and awaits"
        " the member who proves this e-mail (202; docs/portal.md); instead of member_id or"
        " external_id",
    )
    buyer: BuyerIn | None = Field(
        None,
        description="a business's buyer: the purchase is the business's (its points, its"
        " tier) and records the buyer (docs/business.md); instead of member_id or external_id",
    )
    order_id: Key = Field(description="your receipt or order number, unique: a repeat gets 409")
    occurred_at: Time = Field(
        description="when it was bought, with its zone; at most a day ahead of the server"
    )
    currency: Currency = Field(description="the program's currency (ISO 4217)")
    lines: Annotated[list[LineIn], Field(min_length=1, max_length=limits.MAX_LINES)] = Field(
        description="what was bought, 1 to 500 lines"
    )
    channel: Short | None = Field(None, description="where: store, web, app…")
    payment_method: Short | None = Field(None, description="how it was paid: card, cash…")
    payment_fingerprint: Fingerprint | None = Field(
        None,
        description="a hash of the card it was paid with, never the card itself: a referral"
        " whose qualifying purchase was paid with the card of the referrer or of another"
        " friend of theirs is refused (docs/referrals.md)",
    )
    promotion_code: Label | None = Field(None, description="a promotion's code, if one was used")
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
        named = [
            x
            for x in (self.member_id, self.external_id, self.customer, self.buyer)
            if x is not None
        ]
        if len(named) != 1:
            raise ValueError("give exactly one of member_id, external_id, customer or buyer")
        if self.enroll and self.external_id is None:
            raise ValueError("enroll: name the customer by external_id, the id they are to have")
        return self


class BreakdownPublic(Answer):
    rule: str = Field(description="the earning rule, promotion or milestone")
    points: int = Field(description="the points it gave")


class PurchasePublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.PURCHASE_PUBLIC))

    id: int = From("purchase_id", "the purchase's id (a refund names it, or the order id)")
    enrolled: bool = Field(False, description="the purchase made its customer a member")
    member_id: int = Field(description="Patron's member id")
    order_id: str = Field(description="your order id")
    total: Decimal = Field(description="Σ quantity × unit_price, in cents")
    points_earned: int = Field(description="the sum of `breakdown`")
    breakdown: list[BreakdownPublic] = Field(description="every rule that gave points")
    available_at: UtcTime = Field(description="when the points become spendable")
    tier: str = Field(description="the member's tier after the purchase")
    program_version: int = Field(description="the program version that priced it")


class UnclaimedPurchasePublic(Answer):
    """A purchase kept for a customer who is not a member yet."""

    model_config = ConfigDict(json_schema_extra=examples(*story.UNCLAIMED_PUBLIC))

    order_id: str = Field(description="your order id")
    status: Literal["awaiting_member"] = Field(
        description="awaiting_member: linked, and its points earned, when a member proves"
        " the customer's e-mail"
    )
    total: Decimal = Field(description="Σ quantity × unit_price, in cents")
    points_earned: int = Field(description="0: nothing is earned before it is linked")
    occurred_at: UtcTime = Field(description="when it was bought")


class PurchaseLinePublic(Answer):
    line_no: int = Field(description="the line's number (a refund names it), from 1")
    sku: str = Field(description="the product's code")
    category: str | None = Field(description="the product's category, if given")
    quantity: int = Field(description="how many were bought")
    unit_price: Decimal = Field(description="the price of one (4 decimals)")
    refunded_quantity: int = Field(description="how many of `quantity` were returned")
    points: int = Field(description="points the line earned")


class PurchaseDetail(Answer):
    """A recorded purchase as a till or a back office reads it."""

    model_config = ConfigDict(json_schema_extra=examples(*story.PURCHASE_DETAIL))

    id: int = Field(description="Patron's purchase id")
    order_id: str = Field(description="your order id")
    member_id: int = Field(description="Patron's member id")
    external_id: str = Field(description="the member's customer id")
    occurred_at: UtcTime = Field(description="when it was bought")
    currency: str = Field(description="the purchase's currency (ISO 4217)")
    total: Decimal = Field(description="Σ quantity × unit_price, in cents")
    refunded_total: Decimal = Field(description="the money value of the returned lines")
    points_earned: int = Field(description="every point it earned, bonus points included")
    bonus_points: int = Field(description="points of promotions and milestones, included")
    channel: str | None = Field(description="where it was bought")
    payment_method: str | None = Field(description="how it was paid")
    promotion_code: str | None = Field(description="the promotion code used, if one")
    shop: str | None = Field(description="the shop of the key that recorded it")
    program_version: int | None = Field(description="null for history imported by a file")
    lines: list[PurchaseLinePublic] = Field(
        description="what was bought, and what of it was returned"
    )


class ReturnLineIn(_In):
    # not MAX_LINES: an order imported before lines were bounded may be longer
    line_no: Annotated[int, Whole, Field(ge=1, le=10_000)] = Field(
        description="the purchase's line, as GET /v1/purchases/{id} numbers it"
    )
    quantity: Quantity = Field(description="how many of it come back")


class RefundCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.REFUND_CREATE))

    lines: (
        Annotated[list[ReturnLineIn], Field(min_length=1, max_length=limits.MAX_LINES)] | None
    ) = Field(None, description="the lines returned; omitted: everything not yet returned")
    reason: Reason | None = Field(None, description="why (up to 200 characters)")


class RefundPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.REFUND_PUBLIC))

    id: int = From("refund_id", "the refund's id")
    purchase_id: int = Field(description="the purchase the lines were returned from")
    member_id: int = Field(description="Patron's member id")
    amount: Decimal = Field(description="the money value of the returned lines")
    points_taken_back: int = Field(description="points removed from the balance")
    debt: int = Field(
        description="points that could not be taken back, being spent already: the"
        " member's next points settle them first"
    )
    balance: int = Field(description="the member's balance after the refund")


class RedemptionCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.REDEMPTION_CREATE))

    member_id: Id | None = Field(None, description="Patron's member id; or give external_id")
    external_id: Key | None = Field(None, description="the shop's customer id; or member_id")
    reward_id: Code | None = Field(None, description="a reward of the catalog; or give points")
    points: Annotated[int, Whole, Field(ge=1, le=MAX_POINTS)] | None = Field(
        None, description="points spent as a discount (× the point value); or give reward_id"
    )
    basket_total: (
        Annotated[
            Decimal,
            PlainDecimal,
            Field(gt=0, le=limits.MAX_AMOUNT, decimal_places=limits.UNIT_PLACES),
        ]
        | None
    ) = Field(None, description="the basket the discount is for: the program caps its share")
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
    model_config = ConfigDict(json_schema_extra=examples(*story.QUOTE_PUBLIC))

    member_id: int = Field(description="Patron's member id")
    spendable: int = Field(description="the member's points that can be spent now")
    points: int = Field(description="what the redemption would cost")
    value: Decimal = Field(description="what it would be worth, in `currency`")
    currency: str = Field(description="the program's currency (ISO 4217)")
    max_points: int | None = Field(
        description="the most points the basket allows (the program's discount cap); null"
        " without a basket_total"
    )
    reward_id: str | None = Field(description="the reward quoted; null for points as a discount")
    sufficient: bool = Field(description="whether `spendable` covers `points`")


class VoucherPublic(Answer):
    """A reward's code for the till: a discount's voucher, or a gift or service to hand
    over (docs/rewards.md)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.VOUCHER_PUBLIC))

    code: str = Field(description="12 characters; case, spaces and dashes do not matter")
    redemption_id: int = Field(description="the redemption that issued it")
    member_id: int = Field(description="Patron's member id")
    reward_id: str = Field(description="the reward redeemed")
    reward_name: str = Field(description="its name, for people")
    kind: str = Field(description="discount, gift or service")
    state: str = Field(
        description="issued, used (a discount), handed_over (a gift or service), expired"
        " (issued, past expires_at) or cancelled (the points were given back)"
    )
    created_at: UtcTime = Field(description="when the redemption issued it (UTC)")
    expires_at: UtcTime | None = Field(description="a discount's last moment (UTC); null: none")
    used_at: UtcTime | None = Field(description="when it was used or handed over (UTC)")
    transaction_id: str | None = Field(description="the till's sale that used it")


class VoucherUse(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.VOUCHER_USE))

    transaction_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        None, description="the till's sale: the same use sent again answers the same"
    )


class CausePublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.CAUSE_PUBLIC))

    reward_id: str = Field(description="the cause reward")
    name: str = Field(description="the cause's name")
    donations: int = Field(description="redemptions of it not cancelled")
    points: int = Field(description="points given")
    members: int = Field(description="distinct members who gave")
    cost: Decimal = Field(description="what the donations cost the business, in the currency")


class CausesPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=examples({"data": story.CAUSE_PUBLIC, "count": len(story.CAUSE_PUBLIC)})
    )

    data: list[CausePublic] = Field(description="every cause, by reward id")
    count: int = Field(description="how many")


class RedemptionPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.REDEMPTION_PUBLIC))

    id: int = From("redemption_id", "the redemption's id (to cancel it)")
    member_id: int = Field(description="Patron's member id")
    reward_id: str | None = Field(description="null for points spent as a discount")
    points: int = Field(description="points spent")
    value: Decimal = Field(description="what they were worth, in `currency`")
    currency: str = Field(description="the program's currency (ISO 4217)")
    balance: int = Field(description="the member's balance after it")
    status: RedemptionStatus = Field(description="completed, or cancelled (points returned)")
    transaction_id: str | None = Field(None, description="the till's id for the sale")
    voucher: VoucherPublic | None = Field(
        None, description="the code for the till (a discount, gift or service); else null"
    )


class CancelCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.CANCEL_CREATE))

    reason: Reason | None = Field(None, description="why (up to 200 characters)")


class AdjustmentCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.ADJUSTMENT_CREATE))

    points: Annotated[int, Whole, Field(ge=-MAX_POINTS, le=MAX_POINTS)] = Field(
        description="a credit (positive) or a debit (negative, at most the spendable points)"
    )
    reason: Note = Field(description="why, audited with who and when (1 to 500 characters)")
    valid_days: Annotated[int, Whole, Field(ge=1, le=3660)] | None = Field(
        None,
        description="a credit that burns on its own: valid this many days, spent before"
        ' older points and named in the expiry warnings ("200 points, valid 14 days")',
    )


class BirthdaySet(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.BIRTHDAY_SET))

    birthday: BirthdayText | None = Field(
        description="YYYY-MM-DD, or MM-DD without the year; null forgets it"
    )


class BirthdayPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.BIRTHDAY_PUBLIC))

    member_id: int = Field(description="Patron's member id")
    birthday: str | None = Field(description="YYYY-MM-DD or MM-DD; null: none given")


class AdjustmentPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(*story.ADJUSTMENT_PUBLIC))

    member_id: int = Field(description="Patron's member id")
    points: int = Field(description="the points credited (negative: debited)")
    balance: int = Field(description="the member's balance after it")
    entry_id: int = Field(description="the ledger entry it made")
    expires_at: UtcTime | None = Field(
        None, description="when a credit with valid_days burns (UTC); null: as any point"
    )


class ExpiringPublic(BaseModel):
    points: int = Field(description="points that expire on the day")
    expires_at: date = Field(description="the day they expire")


class BalancePublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.BALANCE_PUBLIC))

    member_id: int = Field(description="Patron's member id")
    points: int = Field(description="spendable now")
    pending: int = Field(description="earned, spendable after the return window")
    total: int = Field(description="points + pending")
    debt: int = Field(description="points owed from refunds, settled by the next earnings")
    tier: str = Field(description="the member's tier now")
    next_tier: str | None = Field(description="null at the top tier")
    needed_for_next_tier: Decimal = Field(
        description="qualifying value (spend or points, as the program says) still missing"
    )
    qualifying: Decimal = Field(description="the qualifying value in the tier window")
    expiring: list[ExpiringPublic] = Field(description="points that expire soon, by date")
    point_value: Decimal = Field(description="what one point is worth, in `currency`")
    currency: str = Field(description="the program's currency (ISO 4217)")


class LedgerEntryTill(BaseModel):
    """A ledger entry as a pos key reads it: without the reason a person wrote on it."""

    model_config = ConfigDict(json_schema_extra=examples(*story.LEDGER_ENTRY_TILL))

    id: int = Field(description="the entry's id (the ledger's `before` cursor)")
    kind: EntryKind = Field(description="why the balance changed (docs/ledger.md)")
    points: int = Field(description="positive for a credit, negative for a debit")
    occurred_at: UtcTime = Field(description="when the balance changed")
    purchase_id: int | None = Field(
        description="the purchase that earned or refunded the points, if one"
    )
    redemption_id: int | None = Field(
        description="the redemption that spent or gave back the points, if one"
    )


class LedgerEntryPublic(LedgerEntryTill):
    """A ledger entry as an admin key reads it: with the reason written on it."""

    model_config = ConfigDict(json_schema_extra=examples(*story.LEDGER_ENTRY_PUBLIC))

    reason: str | None = Field(description="what staff wrote on an adjustment or a refund")


class RewardPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.REWARD_PUBLIC))

    id: str = Field(description="what a redemption names as reward_id")
    name: str = Field(description="the reward's name, for people")
    kind: str = Field(description="gift, service, discount, event, cause…")
    points: int = Field(description="its price in points")
    value: Decimal | None = Field(description="what it is worth to the member")
    stock: int | None = Field(description="how many are left; null: no limit")
    tiers: list[str] = Field(description="the tiers that may redeem it; empty: every tier")
    description: str = Field(description="what the member gets")


class SpendCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.SPEND_CREATE))

    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
    channel: Annotated[str, Field(min_length=1, max_length=limits.SHORT_LENGTH), _Clean] = Field(
        description="the acquisition channel, as members' acquisition_channel names it"
    )
    amount: Amount = Field(description="what was spent, in cents")
    currency: Currency = Field(description="the program's currency")
    note: Note | None = Field(None, description="what the spend was (1 to 500 characters)")


class SpendPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.SPEND_PUBLIC))

    id: int = Field(description="the entry's id")
    month: str = Field(description="YYYY-MM")
    channel: str = Field(description="the acquisition channel")
    amount: Decimal = Field(description="what was spent, in cents")
    currency: str = Field(description="the program's currency (ISO 4217)")
    note: str | None = Field(description="what the spend was")
    recorded_at: UtcTime = Field(description="when it was recorded")
    recorded_by: str = Field(description="the actor: apikey:<name> or the CLI's user")


# ------------------------------------------------------------------ loyalty cards

CardNumber = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        description="the card's number as printed or typed: spaces and dashes are dropped",
    ),
]


class CardPublic(Answer):
    """A loyalty card: its number, its state and the member it finds (docs/cards.md)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_PUBLIC))

    number: str = Field(description="the card's number, digits (or letters) only")
    status: str = Field(description="issued (linked to nobody), active (finds its member), blocked")
    member_id: int | None = Field(description="the member it is linked to; null while issued")
    batch: str | None = Field(description="the printing batch; null for a card made otherwise")
    created_at: UtcTime = Field(description="when the card was made")
    linked_at: UtcTime | None = Field(description="when it was linked to its member")
    blocked_at: UtcTime | None = Field(description="when it was blocked")
    replaced_by: str | None = Field(description="the card that replaced it, once replaced")


class CardLink(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_LINK))

    member_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="the member by Patron's id"
    )
    external_id: Key | None = Field(None, description="the member by your customer id")

    @model_validator(mode="after")
    def _one(self) -> CardLink:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give the member as member_id or external_id, one of them")
        return self


class CardBlock(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_BLOCK))

    reason: Reason | None = Field(None, description="why (up to 200 characters), audited")


class CardReplace(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_REPLACE))

    new_card: CardNumber | None = Field(
        None, description="the printed card handed over; left out: a new digital card is made"
    )


class CardReplaced(BaseModel):
    """A replacement: the old card, blocked, and the new one, linked to the same member."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_REPLACED))

    blocked: CardPublic = Field(description="the card replaced, now blocked")
    card: CardPublic = Field(description="the member's new card")


class CardBatchCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_BATCH_CREATE))

    count: Annotated[int, Field(ge=1, le=10_000)] = Field(description="how many cards to make")


class CardBatchPublic(Answer):
    """A printing batch: its id and its numbers, for the printer."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CARD_BATCH_PUBLIC))

    batch: str = Field(description="the batch's id")
    count: int = Field(description="how many cards it holds")
    created_at: UtcTime = Field(description="when it was made")
    numbers: list[str] = Field(description="the card numbers, each with its check digit")


class ExperimentCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.EXPERIMENT_CREATE))

    name: Annotated[str, Field(min_length=1, max_length=limits.SHORT_LENGTH), _Clean] = Field(
        description="unique; names the experiment in the paths"
    )
    kind: Literal["holdout", "pilot"] = Field(
        description="holdout: a drawn share of members earns nothing; pilot: the program"
        " only for the customers of `shops`"
    )
    control_share: Decimal | None = Field(
        None, description="a holdout's share in control, strictly between 0 and 1 (0.1)"
    )
    shops: list[Annotated[str, Field(min_length=1, max_length=limits.SHOP_LENGTH)]] = Field(
        default_factory=list, max_length=100, description="a pilot's shops"
    )
    starts_at: datetime | None = Field(None, description="default: now")
    ends_at: datetime | None = Field(None, description="default: none (open-ended)")
    salt: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="the draw's salt; default: 16 random hex digits (never shown)"
    )


class ExperimentEdit(_In):
    model_config = ConfigDict(json_schema_extra=examples(*story.EXPERIMENT_EDIT))

    control_share: Decimal | None = Field(None, description="before the start only")
    salt: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="before the start only"
    )
    ends_at: datetime | None = Field(None, description="the end; not in the past once started")


class ExperimentPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.EXPERIMENT_PUBLIC))

    name: str = Field(description="the experiment's name")
    kind: str = Field(description="holdout or pilot")
    control_share: Decimal | None = Field(description="a holdout's; null for a pilot")
    shops: list[str] = Field(description="a pilot's shops")
    starts_at: UtcTime = Field(description="from when the control earns nothing")
    ends_at: UtcTime | None = Field(description="until when; null: open-ended")
    created_at: UtcTime = Field(description="when it was created")
    created_by: str = Field(description="the actor: apikey:<name> or the CLI's user")
    members: dict[str, int] = Field(description="members with an arm stored, by arm")


class ExperimentArmPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(*story.EXPERIMENT_ARM))

    experiment: str = Field(description="the experiment's name")
    member_id: int = Field(description="the member, by Patron's id")
    arm: Literal["control", "treatment"] | None = Field(
        description="null: not decided yet (a pilot's member before their first purchase)"
    )
