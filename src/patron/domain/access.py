"""Who may do what with an API key: the operations a key may run, the shop it acts for,
and the life of a key (active, expiring after a rotation, expired, revoked).

Design overview. A till's key is trusted with its own shop's business, not everyone's:

- a key names the **operations** it may run (`Operation`; none named: every operation of
  its scope). Admin keys are for people and may do everything, so they name none;
- a pos key may be bound to a **shop**. What it records (purchases, redemptions) carries
  its shop, and it may refund or cancel only what carries the same shop. A record that
  carries no shop (made before keys had shops, imported, or made by a key for every shop)
  is touched only by a key for every shop: nothing proves which shop it belongs to, and
  "any shop may" would hand every till every old purchase;
- a key rotated keeps working until its `expires_at`, then stops, as a revoked key does.

These rules are pure; services/apikeys.py stores keys and api/deps.py applies the rules
to each request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from patron.domain.errors import ForbiddenShop, InvalidInput
from patron.domain.limits import SHOP_LENGTH, text_problem

MAX_OVERLAP = timedelta(days=30)  # the longest a rotated key may keep working


class Operation(StrEnum):
    """What a pos key may be allowed to do (docs/api.md lists the paths of each)."""

    ENROLL = "enroll"
    EARN = "earn"
    REFUND = "refund"
    REDEEM = "redeem"  # quote and redeem
    CANCEL = "cancel"  # cancel a redemption
    READ_MEMBER = "read_member"  # a member's till view, balance and ledger; finding one
    CARDS = "cards"  # link, block and replace loyalty cards


class KeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"  # rotated: works until its expires_at
    EXPIRED = "expired"
    REVOKED = "revoked"


def checked_shop(shop: str | None) -> str | None:
    """The shop a key is bound to, as stored; InvalidInput naming `shop` if it cannot be."""
    if shop is None:
        return None
    problem = text_problem(shop, SHOP_LENGTH)
    if problem is None and (not shop.strip() or shop != shop.strip()):
        problem = "must be a non-empty name without spaces around it"
    if problem is not None:
        raise InvalidInput(f"shop: {problem}")
    return shop


def checked_operations(names: Iterable[str] | None) -> tuple[Operation, ...] | None:
    """The operations a key may run, each once, in the order of `Operation`; None for all.

    An empty list is refused rather than read as "all" or "nothing": a key that may do
    nothing is a mistake, and reading it as "all" would widen a key by accident."""
    if names is None:
        return None
    known = {o.value: o for o in Operation}
    wanted = [n.strip() for n in names]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise InvalidInput(
            f"operations: {', '.join(repr(n) for n in unknown)} not among {', '.join(known)}"
        )
    if not wanted:
        raise InvalidInput("operations: name at least one, or leave them out for every operation")
    return tuple(o for o in Operation if o.value in wanted)


def may_touch(key_shop: str | None, record_shop: str | None) -> bool:
    """Whether a key of `key_shop` (None: every shop) may see a record of `record_shop`."""
    return key_shop is None or record_shop == key_shop


def check_shop(key_shop: str | None, record_shop: str | None, what: str) -> None:
    """Refuse a shop-bound key a record of another shop, or of no shop (see above).

    The message names the key's shop, never the record's: a till learns that the record
    is not its own, not where the other shop's business is done."""
    if not may_touch(key_shop, record_shop):
        raise ForbiddenShop(
            f"{what} was not made at shop {key_shop!r}, this key's shop: it can be handled"
            " at the shop where it was made, or with a key for every shop"
        )


def key_status(
    revoked_at: datetime | None, expires_at: datetime | None, now: datetime
) -> KeyStatus:
    if revoked_at is not None:
        return KeyStatus.REVOKED
    if expires_at is None:
        return KeyStatus.ACTIVE
    return KeyStatus.EXPIRING if now < expires_at else KeyStatus.EXPIRED


def checked_overlap(overlap: timedelta) -> timedelta:
    """How long a rotated key keeps working: 0 (it stops at once) to MAX_OVERLAP."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidInput(
            f"overlap: {overlap.total_seconds():.0f} seconds is outside 0 to"
            f" {MAX_OVERLAP.total_seconds():.0f} (30 days)"
        )
    return overlap
