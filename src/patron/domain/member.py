"""A member as the use cases see them: identity, tier and running counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    external_id: str
    email: str | None
    name: str | None
    tier: str
    tier_since: datetime
    enrolled_at: datetime
    referral_code: str
    referred_by: int | None
    balance: int
    debt: int
    purchase_count: int
    lifetime_spend: Decimal
    acquisition_channel: str | None = None  # the channel that brought them (CAC by channel)
