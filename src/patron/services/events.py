"""Events with seats: RSVP, cancel, the waiting list's promotions and the check-in at the
door (domain/rsvp.py holds the rules; docs/rewards.md, "Events").

Every use case that changes seats locks the event's row first, then members' rows: an
RSVP, a cancellation promoting the next in line and a check-in take their locks in that
order, so two of them never wait on each other in a circle. A seat is taken by the
conditional UPDATE of store/rsvps.py (never past the capacity) and paid by a redemption
of the event's reward (services/redeem.py, `seat=True`), unless the member's tier is in
`free_for`; a cancelled seat's redemption is cancelled, its points back in their lots.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from patron.domain import events
from patron.domain.access import check_shop
from patron.domain.audit import AuditAction
from patron.domain.errors import (
    InsufficientPoints,
    MemberErased,
    NotFound,
    RewardLimitReached,
    RewardUnavailable,
    RsvpExists,
)
from patron.domain.member import Member, ensure_not_erased
from patron.domain.money import quantize_money
from patron.domain.program import Program, Reward
from patron.domain.rsvp import (
    EventSeats,
    NewRsvp,
    Rsvp,
    RsvpState,
    check_active,
    check_can_check_in,
    check_invited,
    check_open,
    free_for,
    scheduled_event,
    waiting_place,
)
from patron.services.commands import CancelRedemption, MemberRef, Redeem
from patron.services.members import find_member
from patron.services.program import current_program
from patron.services.redeem import cancel, redeem
from patron.store.uow import UnitOfWork

# refusals of a promoted member's payment that skip them (the reason is kept) rather than
# fail the cancellation that freed the seat
_CANNOT_PAY = (InsufficientPoints, MemberErased, RewardLimitReached, RewardUnavailable)


@dataclass(frozen=True)
class RsvpTo:
    member_id: int | MemberRef
    reward_id: str
    shop: str | None = None  # the key's shop, kept with the seat's redemption


@dataclass(frozen=True)
class CancelRsvp:
    rsvp_id: int
    actor: str = "system"
    reason: str | None = None
    member_id: int | None = None  # the portal: the member's own RSVPs only
    shop: str | None = None  # a key bound to a shop cancels only its shop's paid seats


@dataclass(frozen=True)
class CheckIn:
    rsvp_id: int
    actor: str = "system"


@dataclass(frozen=True)
class EventView:
    reward_id: str
    name: str
    description: str
    starts_at: datetime
    place: str
    capacity: int
    taken: int
    left: int
    waiting: int
    points: int
    cost: Decimal
    tiers: tuple[str, ...]
    free_for: tuple[str, ...]


@dataclass(frozen=True)
class RsvpView:
    """An RSVP as read: `place_in_line` is 1 for the first member waiting (None: not
    waiting); `promoted` and `skipped`: the RSVPs a cancellation moved from the line."""

    id: int
    reward_id: str
    event_name: str
    starts_at: datetime | None
    member_id: int
    state: str
    place_in_line: int | None
    points: int
    cost: Decimal
    redemption_id: int | None
    created_at: datetime
    seated_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    reason: str | None
    promoted: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()


@dataclass(frozen=True)
class EventDetail:
    event: EventView
    attendees: list[RsvpView]  # attending and attended, in RSVP order
    waiting: list[RsvpView]  # first in line first
    others: list[RsvpView]  # cancelled and skipped


def rsvp(uow: UnitOfWork, cmd: RsvpTo) -> RsvpView:
    """A seat if one is left (paid now, or free for the tier), else a place in line."""
    _, program = current_program(uow)
    reward = scheduled_event(program, cmd.reward_id)
    check_open(reward, uow.now)
    seats = _locked_seats(uow, reward.id)
    member = find_member(uow, cmd.member_id, lock=True)
    ensure_not_erased(member, "RSVP to events")
    check_invited(reward, member.tier)
    held = uow.rsvps.active(member.id, reward.id)
    if held is not None:
        raise RsvpExists(
            f"member {member.id} already has RSVP {held.id} to event {reward.id!r}"
            f" ({held.state.value})",
            rsvp_id=held.id,
        )
    if seats.left > 0 and uow.rsvps.waiting(reward.id):
        _promote(uow, reward)  # seats added since (a capacity raised): the line goes first
    if uow.rsvps.take_seat(reward.id):
        redemption_id, points = _pay(uow, reward, member, cmd.shop)
        new = NewRsvp(
            reward.id,
            member.id,
            RsvpState.ATTENDING,
            points,
            quantize_money(reward.cost),
            uow.now,
            uow.now,
            redemption_id,
        )
    else:
        new = NewRsvp(
            reward.id, member.id, RsvpState.WAITING, 0, Decimal("0.00"), uow.now, None, None
        )
    made = _view(uow, program, _get(uow, uow.rsvps.add(new)))
    if made.place_in_line is None:
        event = events.rsvp_seated(member.id, uow.now, made.id, reward.id, made.points, False)
    else:
        event = events.rsvp_waitlisted(member.id, uow.now, made.id, reward.id, made.place_in_line)
    uow.outbox.add([event], uow.now)
    return made


def cancel_rsvp(uow: UnitOfWork, cmd: CancelRsvp) -> RsvpView:
    """Give up a seat (its points back) or a place in line, before the event; a freed seat
    goes to the first in line who can take it."""
    found = _get(uow, cmd.rsvp_id, cmd.member_id)
    _, program = current_program(uow)
    reward = scheduled_event(program, found.reward_id)
    check_open(reward, uow.now)
    _locked_seats(uow, reward.id)
    found = _get(uow, cmd.rsvp_id)  # as it stands under the event's lock
    check_active(found)
    if found.redemption_id is not None:  # a paid seat: its redemption's shop, as a cancel's
        seat = uow.redemptions.get(found.redemption_id)
        check_shop(cmd.shop, seat.shop if seat else None, f"RSVP {found.id}")
    find_member(uow, found.member_id, lock=True)
    uow.rsvps.finish(found.id, found.state, RsvpState.CANCELLED, uow.now, cmd.actor, cmd.reason)
    promoted: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()
    if found.state is RsvpState.ATTENDING:
        if found.redemption_id is not None:
            why = cmd.reason or f"RSVP {found.id} cancelled"
            cancel(uow, CancelRedemption(found.redemption_id, why, cmd.actor), seat=True)
        uow.rsvps.free_seat(reward.id)
        promoted, skipped = _promote(uow, reward)
    was = found.state.value
    cancelled = events.rsvp_cancelled(found.member_id, uow.now, found.id, reward.id, was)
    uow.outbox.add([cancelled], uow.now)
    uow.audit.record(
        uow.now,
        cmd.actor,
        AuditAction.RSVP_CANCELLED,
        found.member_id,
        cmd.reason,
        {"rsvp_id": found.id, "reward_id": reward.id, "was": found.state.value},
    )
    return replace(_view(uow, program, _get(uow, found.id)), promoted=promoted, skipped=skipped)


def check_in(uow: UnitOfWork, cmd: CheckIn) -> RsvpView:
    """Staff at the door: an attending member came."""
    found = _get(uow, cmd.rsvp_id)
    _locked_seats(uow, found.reward_id)
    found = _get(uow, cmd.rsvp_id)
    check_can_check_in(found)
    uow.rsvps.finish(found.id, RsvpState.ATTENDING, RsvpState.ATTENDED, uow.now, cmd.actor, None)
    uow.audit.record(
        uow.now,
        cmd.actor,
        AuditAction.EVENT_CHECKED_IN,
        found.member_id,
        None,
        {"rsvp_id": found.id, "reward_id": found.reward_id},
    )
    came = events.rsvp_checked_in(found.member_id, uow.now, found.id, found.reward_id)
    uow.outbox.add([came], uow.now)
    _, program = current_program(uow)
    return _view(uow, program, _get(uow, found.id))


def upcoming_events(uow: UnitOfWork) -> list[EventView]:
    """The program's events not yet begun, soonest first."""
    _, program = current_program(uow)
    return [
        _event(uow, program, seats)
        for seats in uow.rsvps.events(since=uow.now)
        if _in_program(program, seats.reward_id)
    ]


def event_detail(uow: UnitOfWork, reward_id: str) -> EventDetail:
    """An event with its attendees, its waiting list and the RSVPs given up."""
    _, program = current_program(uow)
    seats = uow.rsvps.seats(reward_id)
    if seats is None or not _in_program(program, reward_id):
        raise NotFound(f"no event {reward_id!r} in the program")
    found = uow.rsvps.of_event(reward_id)
    line = [r for r in found if r.state is RsvpState.WAITING]  # in RSVP order, as the line
    views = [_view(uow, program, r, line) for r in found]
    seated = (RsvpState.ATTENDING.value, RsvpState.ATTENDED.value)
    return EventDetail(
        _event(uow, program, seats),
        [v for v in views if v.state in seated],
        [v for v in views if v.state == RsvpState.WAITING.value],
        [v for v in views if v.state not in (*seated, RsvpState.WAITING.value)],
    )


def member_rsvps(uow: UnitOfWork, member_id: int) -> list[RsvpView]:
    """The member's RSVPs, newest first, each waiting one with its place in line."""
    _, program = current_program(uow)
    return [_view(uow, program, r) for r in uow.rsvps.of_member(member_id)]


def rsvp_of(uow: UnitOfWork, rsvp_id: int) -> RsvpView:
    _, program = current_program(uow)
    return _view(uow, program, _get(uow, rsvp_id))


def _promote(uow: UnitOfWork, reward: Reward) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Seat the members waiting, first in line first, while seats are left; one who cannot
    take the seat (too few points, a tier no longer invited, erased) is skipped with the
    reason. The RSVPs seated and skipped."""
    seated: list[int] = []
    skipped: list[int] = []
    for waiting in uow.rsvps.waiting(reward.id):
        if not uow.rsvps.take_seat(reward.id):
            break
        member = find_member(uow, waiting.member_id, lock=True)
        try:
            ensure_not_erased(member, "RSVP to events")
            check_invited(reward, member.tier)
            redemption_id, points = _pay(uow, reward, member, None)
        except _CANNOT_PAY as exc:
            uow.rsvps.free_seat(reward.id)
            reason = f"{exc.code}: {exc.message}"
            uow.rsvps.finish(
                waiting.id, RsvpState.WAITING, RsvpState.SKIPPED, uow.now, None, reason
            )
            skipped.append(waiting.id)
            event = events.rsvp_skipped(member.id, uow.now, waiting.id, reward.id, reason)
            uow.outbox.add([event], uow.now)
            continue
        cost = quantize_money(reward.cost)
        uow.rsvps.seat(waiting.id, uow.now, points, cost, redemption_id)
        seated.append(waiting.id)
        event = events.rsvp_seated(member.id, uow.now, waiting.id, reward.id, points, True)
        uow.outbox.add([event], uow.now)
    return tuple(seated), tuple(skipped)


def _pay(
    uow: UnitOfWork, reward: Reward, member: Member, shop: str | None
) -> tuple[int | None, int]:
    """The redemption paying a seat and its points; (None, 0) when free for the tier."""
    if free_for(reward, member.tier):
        return None, 0
    paid = redeem(uow, Redeem(member.id, reward_id=reward.id, shop=shop), seat=True)
    return paid.redemption_id, paid.points


def _locked_seats(uow: UnitOfWork, reward_id: str) -> EventSeats:
    seats = uow.rsvps.seats(reward_id, lock=True)
    if seats is None:
        raise NotFound(f"no event {reward_id!r} in the program")
    return seats


def _get(uow: UnitOfWork, rsvp_id: int, member_id: int | None = None) -> Rsvp:
    found = uow.rsvps.get(rsvp_id)
    if found is None or (member_id is not None and found.member_id != member_id):
        raise NotFound(f"no RSVP with id {rsvp_id}")
    return found


def _in_program(program: Program, reward_id: str) -> bool:
    reward = program.reward(reward_id)
    return reward is not None and reward.scheduled


def _event(uow: UnitOfWork, program: Program, seats: EventSeats) -> EventView:
    reward = program.reward(seats.reward_id)
    assert reward is not None
    return EventView(
        seats.reward_id,
        reward.name,
        reward.description,
        seats.starts_at,
        seats.place,
        seats.capacity,
        seats.taken,
        seats.left,
        len(uow.rsvps.waiting(seats.reward_id)),
        reward.points,
        quantize_money(reward.cost),
        tuple(reward.tiers),
        tuple(reward.free_for),
    )


def _view(
    uow: UnitOfWork, program: Program, found: Rsvp, line: list[Rsvp] | None = None
) -> RsvpView:
    """An RSVP as read; `line`: the event's waiting list when the caller has read it."""
    reward = program.reward(found.reward_id)
    place = None
    if found.state is RsvpState.WAITING:
        waiting = line if line is not None else uow.rsvps.waiting(found.reward_id)
        place = waiting_place(waiting, found.id)
    return RsvpView(
        found.id,
        found.reward_id,
        reward.name if reward is not None else found.reward_id,
        reward.starts_at if reward is not None else None,
        found.member_id,
        found.state.value,
        place,
        found.points,
        found.cost,
        found.redemption_id,
        found.created_at,
        found.seated_at,
        found.done_at,
        found.done_by,
        found.reason,
    )
