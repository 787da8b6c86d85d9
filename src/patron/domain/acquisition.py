"""What was spent on winning customers: one entry per month and channel, as recorded.

Entries are only added (a correction is a further entry), so the history of what was
entered, by whom and when, stays; CAC and payback are computed from them
(analytics/economics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SpendEntry:
    id: int
    month: date
    channel: str
    amount: Decimal
    currency: str
    note: str | None
    recorded_at: datetime
    recorded_by: str
