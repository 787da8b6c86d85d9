"""Fulfilment of a reward after its redemption: a discount's voucher, a gift or a service
handed over, and the limit of redemptions per member and period.

Design overview. A redemption of a discount, gift or service reward issues a fulfilment
with a code the member shows at the till: 12 characters of the 31-letter alphabet below
(no 0/O, 1/I/L look-alikes), each drawn by the `secrets` module, so 12 × log2(31) ≈ 59.4
bits of entropy: a guess hits one of a million live codes with probability
10^6 / 31^12 ≈ 1.3 × 10^-12. A discount's
voucher expires `voucher_days` after the redemption; a gift or a service does not. A
fulfilment starts `issued` and is used once: a discount becomes `used`, a gift or service
`handed_over`; cancelling its redemption (only while issued) makes it `cancelled`. Whether
it is expired is read off its `expires_at` against now, never stored.

Pure rules over plain values; the use cases (services/fulfil.py) read and write the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from patron.domain.errors import (
    VoucherCancelled,
    VoucherExpired,
    VoucherUnknown,
    VoucherUsed,
)
from patron.domain.program import Period, RewardKind

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 letters: no 0 O 1 I L
CODE_LENGTH = 12  # 31^12 ≈ 2^59.4 codes
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
# rewards whose redemption is fulfilled at the till (the others need no hand-over)
FULFILLED = frozenset({RewardKind.DISCOUNT, RewardKind.GIFT, RewardKind.SERVICE})


class FulfilmentState(StrEnum):
    ISSUED = "issued"
    USED = "used"  # a discount's voucher, used at the till
    HANDED_OVER = "handed_over"  # a gift or service, given to the member
    CANCELLED = "cancelled"  # its redemption was cancelled; the points are back


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """A reward's fulfilment as stored (one per redemption of a fulfilled kind)."""

    redemption_id: int
    member_id: int
    reward_id: str
    kind: str
    code: str
    state: FulfilmentState
    created_at: datetime
    expires_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    transaction_id: str | None  # the till's sale that used it, if the till named one
    reward_name: str = ""

    def shown_state(self, now: datetime) -> str:
        """The state a person reads: `expired` for an issued voucher past its moment."""
        if self.state is FulfilmentState.ISSUED and self.expired(now):
            return "expired"
        return self.state.value

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def normalise_code(text: str) -> str:
    """A code as typed (lower case, spaces or dashes between groups) in its stored form."""
    return re.sub(r"[\s-]", "", text).upper()


def well_formed(code: str) -> bool:
    """Whether `code` (normalised) could be a code at all: anything else is unknown unread."""
    return _CODE.fullmatch(code) is not None


def grouped(code: str) -> str:
    """A code in groups of four for reading aloud and printing: `ABCD-EFGH-JKMN`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def done_state(kind: str) -> FulfilmentState:
    """What using the code makes it: a discount is used, a gift or service handed over."""
    return FulfilmentState.USED if kind == RewardKind.DISCOUNT else FulfilmentState.HANDED_OVER


def expiry(kind: str, created_at: datetime, days: int) -> datetime | None:
    """A discount's voucher expires `days` after its redemption, to the second; others never."""
    return created_at + timedelta(days=days) if kind == RewardKind.DISCOUNT else None


def check_use(found: Fulfilment | None, code: str, now: datetime) -> Fulfilment:
    """Refuse a use of `code` that cannot be: unknown, cancelled, used, expired (in that
    order); the fulfilment to use otherwise."""
    if found is None:
        raise VoucherUnknown(f"no voucher with code {code!r}")
    if found.state is FulfilmentState.CANCELLED:
        raise VoucherCancelled(
            f"voucher {grouped(found.code)} was cancelled: its points were given back",
            redemption_id=found.redemption_id,
        )
    if found.state is not FulfilmentState.ISSUED:
        at = found.done_at.isoformat(sep=" ") if found.done_at else "?"
        raise VoucherUsed(
            f"voucher {grouped(found.code)} was {found.state.value.replace('_', ' ')} at {at}",
            redemption_id=found.redemption_id,
        )
    if found.expired(now):
        assert found.expires_at is not None
        raise VoucherExpired(
            f"voucher {grouped(found.code)} expired at {found.expires_at.isoformat(sep=' ')}",
            redemption_id=found.redemption_id,
        )
    return found


def period_start(per: Period, now: datetime) -> datetime | None:
    """The start of the calendar period holding `now` (UTC; a week starts on Monday);
    None for `ever`."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if per is Period.DAY:
        return day
    if per is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if per is Period.MONTH:
        return day.replace(day=1)
    if per is Period.YEAR:
        return day.replace(month=1, day=1)
    return None


@dataclass(frozen=True, slots=True)
class CauseTotal:
    """What members gave to a cause: donations (redemptions not cancelled), the points, the
    distinct members who gave, and what the donations cost the business."""

    reward_id: str
    name: str
    donations: int
    points: int
    members: int
    cost: Decimal  # in the program's currency
