"""Referrals for an admin: a period's funnel, the opinion leaders, a member's friends
(services/referrals.py, docs/referrals.md). A period is [from, to), by default the
current month (UTC)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from patron.api import problems as p
from patron.api.deps import AdminKey, By, MemberPath, PatronDep, member_named
from patron.api.referral_schemas import (
    ReferralFriendPublic,
    ReferralFunnelPublic,
    ReferralLeaderPublic,
    ReferralLeadersPublic,
    ReferralsPublic,
)
from patron.domain.errors import InvalidInput
from patron.services.referrals import MAX_LEADERS, funnel, leaders, period, referrals_of

router = APIRouter(tags=["referrals"])

From = Annotated[date | None, Query(alias="from", description="first day (default: the month's)")]
To = Annotated[date | None, Query(alias="to", description="the day after the last")]
BAD_PERIOD = InvalidInput(
    "to (2026-01-01) must come after from (2026-02-01): the period is [from, to)"
)


@router.get(
    "/v1/referrals/funnel", response_model=ReferralFunnelPublic, responses=p.refusals(BAD_PERIOD)
)
def get_funnel(
    patron: PatronDep, _: AdminKey, start: From = None, end: To = None
) -> ReferralFunnelPublic:
    """The period's funnel: codes shared, friends enrolled, qualified, rewarded, taken
    back, refused."""
    first, after = patron.read(period, start, end)
    figures = patron.read(funnel, first, after)
    return ReferralFunnelPublic(start=first, end=after, **asdict(figures))


@router.get(
    "/v1/referrals/leaders", response_model=ReferralLeadersPublic, responses=p.refusals(BAD_PERIOD)
)
def get_leaders(
    patron: PatronDep,
    _: AdminKey,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LEADERS, description="how many")] = 10,
) -> ReferralLeadersPublic:
    """The opinion leaders: the referrers whose friends spent the most in the period."""
    first, after = patron.read(period, start, end)
    found = patron.read(leaders, first, after, limit)
    data = [ReferralLeaderPublic.model_validate(leader) for leader in found]
    return ReferralLeadersPublic(data=data, count=len(data))


@router.get(
    "/v1/members/{id}/referrals",
    response_model=ReferralsPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_member_referrals(
    id: MemberPath, patron: PatronDep, _: AdminKey, by: By = None
) -> ReferralsPublic:
    """A member's referral code, who referred them, and each friend's referral."""
    member = member_named(patron, id, by)
    view = patron.read(referrals_of, member.id)
    return ReferralsPublic(
        member_id=view.member_id,
        referral_code=view.referral_code,
        referred_by=view.referred_by,
        points_earned=view.points_earned,
        friends=[ReferralFriendPublic.model_validate(f) for f in view.friends],
    )
