"""Early access: may this member buy this offer now? (docs/program.md, `[[early_access]]`)

Design overview. An offer opens at `opens_at` to the members of its `tiers` (and of its
`clubs`) and at `opens_to_all_at` to everyone. The shop asks with a
member and an offer and gets a yes or a no with the reason:

- before `opens_at`: no, `not_open_yet`;
- from `opens_at` until just before `opens_to_all_at`: yes for a member of a named tier
  (`tier`) or club (`club`), no for the others (`not_eligible`);
- from `opens_to_all_at`: yes, `open_to_all`.

Both edges belong to the later period: at `opens_at` exactly the early window is open, at
`opens_to_all_at` exactly it is open to all. Pure: the caller gives the time and the
member's tier and clubs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from patron.domain.program import EarlyAccess


class Reason(StrEnum):
    NOT_OPEN_YET = "not_open_yet"
    TIER = "tier"
    CLUB = "club"
    NOT_ELIGIBLE = "not_eligible"
    OPEN_TO_ALL = "open_to_all"


@dataclass(frozen=True, slots=True)
class Decision:
    offer_id: str
    member_id: int
    allowed: bool
    reason: Reason
    opens_at: datetime
    opens_to_all_at: datetime


def decide(
    offer: EarlyAccess, member_id: int, tier: str, clubs: Collection[str], now: datetime
) -> Decision:
    """Whether the member (of `tier`, in `clubs`) may buy `offer` at `now`, and why."""

    def answer(allowed: bool, reason: Reason) -> Decision:
        return Decision(offer.id, member_id, allowed, reason, offer.opens_at, offer.opens_to_all_at)

    if now >= offer.opens_to_all_at:
        return answer(True, Reason.OPEN_TO_ALL)
    if now < offer.opens_at:
        return answer(False, Reason.NOT_OPEN_YET)
    if tier in offer.tiers:
        return answer(True, Reason.TIER)
    if set(offer.clubs) & set(clubs):
        return answer(True, Reason.CLUB)
    return answer(False, Reason.NOT_ELIGIBLE)
