"""The dates of an invoiced purchase: when it falls due and when it was paid.

They feed the payment-speed criterion of the A/B/C classification (days from purchase to
payment), so a wrong date moves a customer's class. The rules, checked by the API and by
the import alike, compare calendar days, so that a date without a time ("2026-03-10") fits
a purchase made at 14:00 the same day:

- both dates are optional; a purchase paid at the till has neither;
- an invoice does not fall due before the day of the purchase;
- a payment is not dated before the day of the purchase (a payment in advance is
  recorded as paid on the purchase day) nor later than the purchase may be dated ahead
  of the clock (`clock.MAX_AHEAD`): a payment in the future has not happened;
- a payment may come before the due date (an early payer) or after it (a late one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from patron.domain.clock import AHEAD

InvoiceField = Literal["due", "paid"]


def invoice_dates_problem(
    occurred_at: datetime, due_at: datetime | None, paid_at: datetime | None, latest: datetime
) -> tuple[InvoiceField, str] | None:
    """(which date, what is wrong with it) for the first date that breaks a rule, or None.

    All times are naive UTC; `latest` is the latest time a purchase may carry now.
    Adapters put their own field name in front of the reason.
    """
    day = occurred_at.date().isoformat()
    if due_at is not None and due_at.date() < occurred_at.date():
        return "due", (
            f"{due_at.isoformat()} is before the purchase date {day}:"
            " an invoice falls due on or after the day of the purchase"
        )
    if paid_at is not None and paid_at.date() < occurred_at.date():
        return "paid", (
            f"{paid_at.isoformat()} is before the purchase date {day}:"
            " record a payment in advance as paid on the purchase date"
        )
    if paid_at is not None and paid_at > latest:
        return "paid", f"{paid_at.isoformat()} {AHEAD}"
    return None
