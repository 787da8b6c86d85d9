"""The program's figures of a period, as the console's overview reads them: points issued,
redeemed, expired and taken back, from the ledger's entries of the period by kind.

Issued: welcome, referral and earned points. Redeemed: points spent on redemptions, less
those given back by cancellations. Expired: points burnt at their expiry. Taken back:
points of returned purchases. Adjustments are kept apart (net), being decisions, not the
program's working. The redemption rate is redeemed over issued in the same period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from patron.domain.records import EntryKind

ISSUED = (EntryKind.WELCOME, EntryKind.REFERRAL, EntryKind.EARN)


@dataclass(frozen=True, slots=True)
class PointsFlow:
    issued: int
    redeemed: int
    expired: int
    taken_back: int
    adjusted: int  # net: credits less debits

    @property
    def redemption_rate(self) -> Decimal | None:
        return None if not self.issued else Decimal(self.redeemed) / Decimal(self.issued)


def points_flow(by_kind: dict[str, int]) -> PointsFlow:
    """The period's flow from the sum of points of each kind of entry (debits negative)."""

    def total(*kinds: EntryKind) -> int:
        return sum(by_kind.get(kind.value, 0) for kind in kinds)

    return PointsFlow(
        issued=total(*ISSUED),
        redeemed=-total(EntryKind.REDEEM, EntryKind.REDEEM_CANCEL),
        expired=-total(EntryKind.EXPIRE),
        taken_back=-total(EntryKind.REFUND),
        adjusted=total(EntryKind.ADJUST),
    )


def change(
    now: Decimal | int | float | None, before: Decimal | int | float | None
) -> Decimal | None:
    """The relative change from `before` to `now`; None when either is unknown or before is 0."""
    if now is None or before is None or not before:
        return None
    return (Decimal(str(now)) - Decimal(str(before))) / Decimal(str(before))
