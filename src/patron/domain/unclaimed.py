"""Purchases recorded before their customer was a member, and the rule that gives them to
the member who joins.

Design overview. A till that does not know the customer as a member may still record the
sale under the customer's e-mail, phone or card (what the customer told the cashier). It
earns nothing then: it awaits a member. When a member proves an address (by opening a
link mailed to it), the purchases recorded with that address become theirs, through the
normal earn, at their own dates. A phone or a card is never proof: anyone can type
another person's number into a form, and a phone or card recorded without an e-mail is
not linked by itself (docs/portal.md, "Earlier purchases"). A purchase recorded with both
an address and a phone is linked by its address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from patron.domain.errors import Conflict


class PurchaseUnclaimed(Conflict):
    """A refund or a read names a purchase that awaits a member (no points, no member)."""

    code = "purchase_unclaimed"


@dataclass(frozen=True, slots=True)
class CustomerKeys:
    """How the till named a customer who is not a member: any of the three, at least one."""

    email: str | None = None  # lower case
    phone: str | None = None  # as domain/joining.checked_phone keeps it
    card: str | None = None  # as domain/joining.checked_card keeps it

    def any(self) -> bool:
        return bool(self.email or self.phone or self.card)


@dataclass(frozen=True, slots=True)
class UnclaimedPurchase:
    id: int
    order_id: str
    occurred_at: datetime
    total: Decimal
    currency: str
    keys: CustomerKeys
    body: dict[str, object]  # the purchase as recorded, to earn on when it is linked
    shop: str | None
    created_at: datetime
    member_id: int | None = None  # set when linked
    purchase_id: int | None = None
    linked_at: datetime | None = None


def may_link(keys: CustomerKeys, proven_email: str) -> bool:
    """Whether a purchase recorded under `keys` may go to the member who proved
    `proven_email`: only by the address, compared without regard to case."""
    return keys.email is not None and keys.email.lower() == proven_email.lower()
