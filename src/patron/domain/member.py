"""A member as the use cases see them: identity, tier and running counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from patron.domain.errors import MemberErased


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
    erased_at: datetime | None = None  # personal data erased (docs/privacy.md); never undone


def ensure_not_erased(member: Member, action: str) -> None:
    """Refuse `action` (earning, spending) for a member whose personal data was erased:
    the record stays for the books, the person is no longer a member (docs/privacy.md)."""
    if member.erased_at is not None:
        raise MemberErased(
            f"member {member.id} was erased on {member.erased_at:%Y-%m-%d}: they can no"
            f" longer {action}"
        )
