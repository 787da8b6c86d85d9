"""Tier qualification: which level a member's qualifying spend or points reach.

Upgrades take effect at once; downgrades wait for the periodic re-evaluation. `next_tier`
feeds the member's progress bar ("120 more to Gold").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from patron.domain.program import Tier, TierPolicy


def qualify(policy: TierPolicy, qualifying: Decimal) -> Tier:
    """The highest level whose threshold the qualifying value reaches."""
    reached = policy.levels[0]
    for tier in policy.levels:
        if qualifying >= tier.threshold:
            reached = tier
    return reached


def on_activity(policy: TierPolicy, current: str, qualifying: Decimal) -> str:
    """After a purchase: move up if earned, never down (that waits for re-evaluation)."""
    reached = qualify(policy, qualifying)
    if policy.rank(reached.name) > policy.rank(current):
        return reached.name
    return current


@dataclass(frozen=True, slots=True)
class Progress:
    next_tier: str | None
    needed: Decimal


def progress(policy: TierPolicy, current: str, qualifying: Decimal) -> Progress:
    rank = policy.rank(current)
    for tier in policy.levels[rank + 1 :]:
        if tier.threshold > qualifying:
            return Progress(tier.name, tier.threshold - qualifying)
    return Progress(None, Decimal(0))
