"""One member's history as one list, newest first: purchases, refunds, redemptions, the
ledger's other entries (welcome, referral, adjustments, expiry, cancelled redemptions,
debts settled) and tier changes, for the console's customer page.

A purchase, a refund and a redemption each stand once, with their points (the ledger's
earn, refund and redeem entries are theirs, so they are not listed again); tier changes
are the outbox's `tier.changed` events, which are kept (nothing prunes the outbox).
Items of the same moment keep a fixed order (kind, then id), so pages never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class TimelineKind(StrEnum):
    PURCHASE = "purchase"
    REFUND = "refund"
    REDEMPTION = "redemption"
    WELCOME = "welcome"
    REFERRAL = "referral"
    ADJUST = "adjust"
    EXPIRE = "expire"
    REDEEM_CANCEL = "redeem_cancel"
    DEBT_SETTLEMENT = "debt_settlement"
    TIER = "tier"


# the ledger's kinds listed as entries of their own (earn, refund and redeem are their
# purchase's, refund's and redemption's)
LEDGER_KINDS = (
    TimelineKind.WELCOME, TimelineKind.REFERRAL, TimelineKind.ADJUST, TimelineKind.EXPIRE,
    TimelineKind.REDEEM_CANCEL, TimelineKind.DEBT_SETTLEMENT,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TimelineItem:
    kind: TimelineKind
    at: datetime
    ref: int  # the id of the purchase, refund, redemption, ledger entry or event
    amount: Decimal | None  # money: a purchase's total, a refund's amount
    points: int | None  # credits positive, debits negative; none for a tier change
    detail: str | None  # order id, reward, reason, or the tier left
    extra: str | None  # the tier reached; a redemption's status
    actor: str | None  # who made an adjustment


@dataclass(frozen=True, slots=True)
class TimelinePage:
    items: list[TimelineItem]
    more: bool  # whether older items follow
