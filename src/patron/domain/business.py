"""Business customers: a member that is a company, the buyers who buy for it, and the
entitlements its tier gives (visits, a hotline, payment terms) with what is left of them.

Design overview. A business is a member like any other: it holds the points, the lots
and the tier, so every rule of the ledger applies to it unchanged. Its buyers are
contacts, not members: a till finds the business through a buyer's e-mail, phone or
card, and a purchase a buyer makes is the business's purchase, with the buyer recorded
beside it. A removed buyer finds nothing any more; the purchases they made keep them.

An entitlement is counted, not credited: its uses in the current calendar period
(month, quarter or year, UTC) are the record, and what is left is the tier's quantity
minus them (never below zero). Whether one more use fits is decided with the business's
row locked, so two staff recording the last visit at once cannot both succeed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from patron.domain.errors import InvalidInput, VatNumberInvalid
from patron.domain.joining import has_control
from patron.domain.limits import NAME_LENGTH
from patron.domain.program import Entitlement, EntitlementPeriod, Tier

VAT_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]{2,13}")
VAT_LENGTH = 15
_VAT_SEPARATORS = re.compile(r"[\s.\-/]")


@dataclass(frozen=True, slots=True)
class Business:
    member_id: int
    company_name: str
    vat_number: str
    account_manager: str | None  # a staff user's e-mail
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Buyer:
    id: int
    member_id: int  # the business they buy for
    name: str
    email: str | None
    phone: str | None
    card: str | None
    added_at: datetime
    removed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True, slots=True)
class EntitlementUse:
    id: int
    member_id: int
    entitlement: str
    used_at: datetime
    actor: str
    note: str | None


@dataclass(frozen=True, slots=True)
class EntitlementLeft:
    """An entitlement of the business's tier and its use in the current period."""

    id: str
    name: str
    quantity: int | None  # None: unlimited
    per: str
    period_start: datetime
    period_end: datetime
    used: int

    @property
    def left(self) -> int | None:
        return None if self.quantity is None else max(self.quantity - self.used, 0)


def checked_vat(text: str) -> str:
    """A VAT number as kept: separators dropped, upper case; two letters of a country
    (the EU's VIES prefix: RO, DE, EL…) then 2 to 13 letters and digits."""
    vat = _VAT_SEPARATORS.sub("", text).upper()
    if not VAT_PATTERN.fullmatch(vat):
        raise VatNumberInvalid(
            f"vat_number: {text.strip()[:40]!r} is not a VAT number; it starts with the"
            " country's two letters, then 2 to 13 letters and digits (RO18547290)"
        )
    return vat


def checked_company(text: str) -> str:
    name = text.strip()
    if not name or len(name) > NAME_LENGTH or has_control(name):
        raise InvalidInput("company_name: give the company's name (1 to 200 characters)")
    return name


def period_bounds(per: EntitlementPeriod, now: datetime) -> tuple[datetime, datetime]:
    """The calendar period (UTC, naive) that holds `now`: its first moment and the next's."""
    if per is EntitlementPeriod.MONTH:
        first_month, months = now.month, 1
    elif per is EntitlementPeriod.QUARTER:
        first_month, months = 3 * ((now.month - 1) // 3) + 1, 3
    else:
        first_month, months = 1, 12
    start = datetime(now.year, first_month, 1)
    end_month = first_month + months
    end = datetime(now.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def entitlement_of(tier: Tier, entitlement_id: str) -> Entitlement:
    for ent in tier.entitlements:
        if ent.id == entitlement_id:
            return ent
    have = ", ".join(e.id for e in tier.entitlements) or "none"
    raise InvalidInput(
        f"entitlement: the tier {tier.name!r} has no entitlement {entitlement_id!r}"
        f" (it has: {have})"
    )


def left_of(ent: Entitlement, used: int, now: datetime) -> EntitlementLeft:
    start, end = period_bounds(ent.per, now)
    return EntitlementLeft(ent.id, ent.name, ent.quantity, ent.per.value, start, end, used)
