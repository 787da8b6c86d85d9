"""The answers of `/v1/referrals` and `/v1/members/{id}/referrals` (services/referrals.py,
docs/referrals.md): a period's funnel, the opinion leaders, a member's friends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from patron.api import examples as story
from patron.api.schemas import Answer, UtcTime, examples


class ReferralFunnelPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(story.REFERRAL_FUNNEL))

    start: date = Field(alias="from", description="the period's first day")
    end: date = Field(alias="to", description="the day after its last")
    codes_shared: int = Field(description="referrers with at least one friend enrolled in it")
    enrolled: int = Field(description="friends enrolled with a code")
    qualified: int = Field(description="friends whose first qualifying purchase came in it")
    rewarded: int = Field(description="referrals whose return window ended in it, by now")
    taken_back: int = Field(description="referrals taken back for a return within the window")
    refused: int = Field(description="referrals refused at the qualifying purchase (caps, card)")


class ReferralLeaderPublic(Answer):
    member_id: int = Field(description="the referrer")
    external_id: str = Field(description="the referrer's external id")
    friends: int = Field(description="friends linked to them, not refused as the same person")
    customers: int = Field(description="of those, who bought in the period")
    revenue: Decimal = Field(description="what they spent in the period, net of returns")


class ReferralLeadersPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(story.REFERRAL_LEADERS))

    data: list[ReferralLeaderPublic] = Field(description="by revenue, then customers")
    count: int = Field(description="how many")


class ReferralFriendPublic(Answer):
    friend_id: int = Field(description="the friend's member id")
    state: str = Field(description="enrolled, qualified, rewarded, taken_back or refused")
    reason: str | None = Field(description="why a refused referral was refused")
    enrolled_at: UtcTime = Field(description="when the friend enrolled")
    qualified_at: UtcTime | None = Field(description="their qualifying purchase's time")
    rewards_at: UtcTime | None = Field(description="when the rewards become spendable")
    referrer_points: int = Field(description="points to the referrer")
    friend_points: int = Field(description="points to the friend")


class ReferralsPublic(Answer):
    model_config = ConfigDict(json_schema_extra=examples(story.MEMBER_REFERRALS))

    member_id: int = Field(description="the member")
    referral_code: str = Field(description="the code a friend enrolls with")
    referred_by: int | None = Field(description="the member who referred them")
    points_earned: int = Field(description="points from friends paid and not taken back")
    friends: list[ReferralFriendPublic] = Field(description="every friend, first enrolled first")
