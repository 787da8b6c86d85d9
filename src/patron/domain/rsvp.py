"""Events with seats: RSVPs, the waiting list and who pays (docs/rewards.md, "Events").

Design overview. A scheduled event (a reward of kind `event` with `starts_at` and
`capacity`) has `capacity` seats. A member's RSVP takes a seat if one is left (`attending`)
and joins the waiting list otherwise (`waiting`). A seat costs the reward's points (a
redemption, given back if the member cancels before the event) unless the member's tier
is in `free_for`; either way it costs the business the reward's `cost`, recorded on the
seat. Cancelling an attending RSVP frees its seat for the first member waiting (by RSVP
order), who pays then; one who cannot (too few points, a tier no longer invited, erased)
is `skipped` with the reason, and the next is tried. Staff check attendees in
(`attended`). Nothing changes once the event has begun but the check-in.

The seat count is the invariant: seats taken never exceed the capacity, kept by a
conditional UPDATE on the event's row (store/rsvps.py), under any number of concurrent
RSVPs. Pure rules over plain values here; services/events.py reads and writes the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from patron.domain.errors import EventClosed, NotFound, RewardUnavailable, RsvpNotActive
from patron.domain.program import Program, Reward


class RsvpState(StrEnum):
    ATTENDING = "attending"  # holds a seat (paid, or free for the tier)
    WAITING = "waiting"  # on the waiting list, in RSVP order
    CANCELLED = "cancelled"  # by the member or staff; a paid seat's points are back
    SKIPPED = "skipped"  # a seat freed, and the member could not take it (the reason)
    ATTENDED = "attended"  # checked in at the door


ACTIVE = (RsvpState.ATTENDING, RsvpState.WAITING)


@dataclass(frozen=True, slots=True)
class EventSeats:
    """A scheduled event as the store holds it: its seats and how many are taken."""

    reward_id: str
    starts_at: datetime
    place: str
    capacity: int
    taken: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.taken)


@dataclass(frozen=True, slots=True)
class NewRsvp:
    reward_id: str
    member_id: int
    state: RsvpState
    points: int  # paid for the seat (0: free for the tier, or waiting)
    cost: Decimal  # the business's cost of a seat (0 while waiting)
    created_at: datetime
    seated_at: datetime | None
    redemption_id: int | None  # the points paid; None: free for the tier, or waiting


@dataclass(frozen=True, slots=True)
class Rsvp:
    id: int
    reward_id: str
    member_id: int
    state: RsvpState
    points: int
    cost: Decimal
    created_at: datetime
    seated_at: datetime | None
    redemption_id: int | None
    done_at: datetime | None
    done_by: str | None
    reason: str | None


def scheduled_event(program: Program, reward_id: str) -> Reward:
    """The program's scheduled event `reward_id`; anything else is not found."""
    reward = program.reward(reward_id)
    if reward is None or not reward.scheduled:
        raise NotFound(f"no event {reward_id!r} in the program")
    return reward


def invited(reward: Reward, tier: str) -> bool:
    """Whether a member of `tier` may RSVP: the event names no tiers, or theirs, or lets
    their tier in free."""
    return not reward.tiers or tier in reward.tiers or tier in reward.free_for


def check_invited(reward: Reward, tier: str) -> None:
    if not invited(reward, tier):
        raise RewardUnavailable(
            f"event {reward.id!r} is for tiers {sorted({*reward.tiers, *reward.free_for})};"
            f" member is {tier}"
        )


def free_for(reward: Reward, tier: str) -> bool:
    """Whether a member of `tier` takes a seat without paying points."""
    return tier in reward.free_for


def check_open(reward: Reward, now: datetime) -> None:
    """Refuse an RSVP or a cancellation once the event has begun."""
    assert reward.starts_at is not None
    if now >= reward.starts_at:
        raise EventClosed(
            f"event {reward.id!r} began at {reward.starts_at.isoformat(sep=' ')}:"
            " RSVPs and cancellations are closed",
        )


def check_active(rsvp: Rsvp) -> None:
    if rsvp.state not in ACTIVE:
        raise RsvpNotActive(
            f"RSVP {rsvp.id} is {rsvp.state.value}: only an attending or waiting one changes",
            rsvp_id=rsvp.id,
        )


def check_can_check_in(rsvp: Rsvp) -> None:
    if rsvp.state is not RsvpState.ATTENDING:
        raise RsvpNotActive(
            f"RSVP {rsvp.id} is {rsvp.state.value}: only an attending member is checked in",
            rsvp_id=rsvp.id,
        )


def waiting_place(waiting: list[Rsvp], rsvp_id: int) -> int | None:
    """1 for the first member waiting (the list in RSVP order); None if not on it."""
    for place, found in enumerate(waiting, start=1):
        if found.id == rsvp_id:
            return place
    return None
