"""How members redeem, measured on the store's own ledger: the monthly redemption rate.

The simulation lets each member redeem, at each month's end, a share `rate` of the
points they can spend then. The same share is measured on the ledger: in month m,
R_m points were redeemed (redemptions less cancellations) and C_m were left at the end
of it, so R_m + C_m were there to spend and the share is R_m / (R_m + C_m). Pooled over
the months of the ledger, weighted by the points there were:

    rate = Σ R_m / Σ (R_m + C_m)

Only months with points in them count. The balance includes pending points (the ledger
does not say which were spendable), so the rate is a little below the share of the
spendable points; with a short return window the difference is small.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from patron.domain.records import EntryKind


@dataclass(frozen=True)
class RedemptionRate:
    rate: Decimal
    months: int  # months of the ledger with points in them
    redeemed: int
    at_hand: int  # Σ (R_m + C_m)

    def describe(self) -> str:
        if not self.months:
            return "no points on the store's ledger: rate 0"
        return (
            f"measured on the store's ledger: {self.redeemed:,} points redeemed of"
            f" {self.at_hand:,} at hand over {self.months} months"
        )


def measured_rate(con: Any) -> RedemptionRate:
    """The pooled monthly redemption rate of the store's ledger (an Ibis connection)."""
    entries = con.table("ledger_entries")
    month = entries.occurred_at.truncate("M").name("month")
    redeem = (entries.kind == str(EntryKind.REDEEM)) | (
        entries.kind == str(EntryKind.REDEEM_CANCEL)
    )
    by_month = (
        entries.group_by(month)
        .aggregate(
            change=entries.points.sum(),
            redeemed=(-redeem.ifelse(entries.points, 0)).sum(),
        )
        .order_by("month")
        .execute()
    )
    balance = redeemed_total = at_hand = months = 0
    for change, redeemed in zip(by_month["change"], by_month["redeemed"], strict=True):
        balance += int(change)
        there = balance + int(redeemed)
        if there > 0:
            months += 1
            redeemed_total += int(redeemed)
            at_hand += there
    rate = Decimal(redeemed_total) / Decimal(at_hand) if at_hand else Decimal(0)
    return RedemptionRate(rate.quantize(Decimal("0.000001")), months, redeemed_total, at_hand)
