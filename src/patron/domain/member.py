"""A member as the use cases see them: identity, tier and running counters; and a member
to enroll (`NewMember`) with the state every member starts in (`starting`)."""

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


@dataclass(frozen=True, slots=True)
class NewMember:
    """Who a new member is and where they come from; what they start with is `starting`."""

    external_id: str
    tier: str  # the program's first tier
    enrolled_at: datetime
    referral_code: str
    email: str | None = None
    name: str | None = None
    referred_by: int | None = None
    acquisition_channel: str | None = None


def starting(new: NewMember, member_id: int) -> Member:
    """The member `new` is on enrolment, the one place a member's starting state is
    written: in their first tier since they enrolled, no points, no debt, no purchases
    (the welcome and referral bonuses are credited after, as ledger entries)."""
    return Member(
        id=member_id,
        external_id=new.external_id,
        email=new.email,
        name=new.name,
        tier=new.tier,
        tier_since=new.enrolled_at,
        enrolled_at=new.enrolled_at,
        referral_code=new.referral_code,
        referred_by=new.referred_by,
        balance=0,
        debt=0,
        purchase_count=0,
        lifetime_spend=Decimal("0.00"),
        acquisition_channel=new.acquisition_channel,
    )


def ensure_not_erased(member: Member, action: str) -> None:
    """Refuse `action` (earning, spending) for a member whose personal data was erased:
    the record stays for the books, the person is no longer a member (docs/privacy.md)."""
    if member.erased_at is not None:
        raise MemberErased(
            f"member {member.id} was erased on {member.erased_at:%Y-%m-%d}: they can no"
            f" longer {action}"
        )
