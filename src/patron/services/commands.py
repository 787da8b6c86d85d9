"""Commands: what a caller asks a use case to do, as plain immutable values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from patron.domain.birthdays import Birthday
from patron.domain.earning import Line
from patron.domain.purchases import ReturnLine as ReturnLine  # a command's part
from patron.domain.unclaimed import CustomerKeys

_NUMERIC = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class MemberRef:
    """A member named by Patron's id or by the business's own customer id; both set means
    the text could be either (a number, read without `by`): services/members.find_member
    refuses it when it names two members."""

    id: int | None = None
    external_id: str | None = None

    @classmethod
    def named(cls, text: str, by: Literal["id", "external_id"] | None = None) -> MemberRef:
        """A member as the API's `{id}` and the CLI's MEMBER name them: `by` says which id
        the text is. Without it, a text that is not a number can only be an external id;
        a number may be either, and is refused when it is Patron's id of one member and
        the external id of another. A non-number read as an id is id 0, which no member
        has (ids start at 1)."""
        numeric = _NUMERIC.fullmatch(text) is not None
        if by == "external_id" or (by is None and not numeric):
            return cls(external_id=text.replace("\x00", ""))
        if by is None:
            return cls(id=int(text), external_id=text)
        return cls(id=int(text) if numeric else 0)


@dataclass(frozen=True)
class PurchaseRef:
    """A purchase named by Patron's id or by the shop's order id; both set means the text
    could be either (a number, read without `by`), as for a member (MemberRef)."""

    id: int | None = None
    order_id: str | None = None

    @classmethod
    def named(cls, text: str, by: Literal["id", "order_id"] | None = None) -> PurchaseRef:
        numeric = _NUMERIC.fullmatch(text) is not None
        if by == "order_id" or (by is None and not numeric):
            return cls(order_id=text)
        if by is None:
            return cls(id=int(text), order_id=text)
        return cls(id=int(text) if numeric else 0)


@dataclass(frozen=True)
class Enroll:
    external_id: str
    email: str | None = None
    name: str | None = None
    referral_code: str | None = None
    enrolled_at: datetime | None = None
    acquisition_channel: str | None = None
    phone: str | None = None  # kept on the member; compared with the referrer's friends'
    birthday: Birthday | None = None  # for the birthday bonus (services/birthdays.py)


@dataclass(frozen=True)
class BuyerRef:
    """A business's buyer as a till names them: exactly one of Patron's buyer id, their
    e-mail, phone or card (services/business.find_buyer)."""

    id: int | None = None
    email: str | None = None
    phone: str | None = None
    card: str | None = None


@dataclass(frozen=True)
class RecordPurchase:
    member: MemberRef
    order_id: str
    occurred_at: datetime
    currency: str
    lines: tuple[Line, ...]
    channel: str | None = None
    payment_method: str | None = None
    promotion_code: str | None = None
    invoice_due_at: datetime | None = None
    paid_at: datetime | None = None
    award_points: bool = True
    source: str = "api"
    shop: str | None = None  # the recording key's shop, kept with the purchase
    buyer: BuyerRef | None = None  # a business's buyer: the purchase is the business's
    # a hash of the card paid with, when the till sends one (docs/referrals.md)
    payment_fingerprint: str | None = None


@dataclass(frozen=True)
class Refund:
    purchase_id: int
    lines: tuple[ReturnLine, ...] | None = None  # None: everything not yet returned
    reason: str | None = None
    shop: str | None = None  # the caller's shop: only its purchases; None: every shop


@dataclass(frozen=True)
class Redeem:
    member_id: int | MemberRef  # Patron's id, or a reference by the shop's customer id
    reward_id: str | None = None
    points: int | None = None
    basket_total: Decimal | None = None
    # the till's own id for the sale, unique per member: the same sale sent again (through
    # any API key) is answered with its first redemption, never spent twice
    transaction_id: str | None = None
    shop: str | None = None  # the redeeming key's shop, kept with the redemption


@dataclass(frozen=True)
class CancelRedemption:
    redemption_id: int
    reason: str | None = None
    actor: str = "system"  # who cancels, for the audit log: `apikey:<name>` from the API
    shop: str | None = None  # the caller's shop: only its redemptions; None: every shop


@dataclass(frozen=True)
class Adjust:
    member_id: int
    points: int
    reason: str
    actor: str
    valid_days: int | None = None  # a credit that burns this many days after it is made


@dataclass(frozen=True)
class Expire:
    as_of: datetime
    batch_size: int = 500


@dataclass(frozen=True)
class ReevaluateTiers:
    as_of: datetime
    batch_size: int = 500


@dataclass(frozen=True)
class EraseMember:
    member: MemberRef
    reason: str
    actor: str


@dataclass(frozen=True)
class RecordUnclaimed:
    """A purchase of a customer who is not a member, named by their e-mail, phone or card
    (domain/unclaimed.py): it earns nothing until a member proves the address."""

    keys: CustomerKeys
    order_id: str
    occurred_at: datetime
    currency: str
    lines: tuple[Line, ...]
    channel: str | None = None
    payment_method: str | None = None
    promotion_code: str | None = None
    invoice_due_at: datetime | None = None
    paid_at: datetime | None = None
    shop: str | None = None


@dataclass(frozen=True)
class UpdateProfile:
    """A member's own change of their profile in the portal."""

    member_id: int
    name: str
    phone: str
    marketing: bool
    birthday: str | None = None  # as typed (YYYY-MM-DD or MM-DD; empty: forget); None: as is
