"""Events with seats (RSVP, cancel, check in at the door) and early access for the shop.

A till or the web shop RSVPs for a member (`redeem` scope: a seat is paid in points), and
cancels (`cancel` scope) or checks an attendee in (`redeem`); an admin key reads an event
with its attendees and waiting list. The shop asks whether a member may buy an
early-access offer now (`read_member` scope). docs/rewards.md, "Events"; docs/program.md,
"Early access".
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import (
    AdminKey,
    By,
    CancelKey,
    MemberPath,
    PatronDep,
    PosKey,
    ReadMemberKey,
    RedeemKey,
    member_named,
)
from patron.api.event_schemas import (
    EarlyAccessPublic,
    EventDetailPublic,
    EventPublic,
    EventsPublic,
    RsvpCancel,
    RsvpCreate,
    RsvpPublic,
)
from patron.api.idempotency import Idempotent
from patron.api.schemas import MAX_ID
from patron.domain.errors import (
    EventClosed,
    InsufficientPoints,
    NotFound,
    RewardUnavailable,
    RsvpExists,
    RsvpNotActive,
)
from patron.services.commands import MemberRef
from patron.services.early_access import check_early_access
from patron.services.events import (
    CancelRsvp,
    CheckIn,
    RsvpTo,
    cancel_rsvp,
    check_in,
    event_detail,
    rsvp,
    upcoming_events,
)

router = APIRouter(tags=["events and early access"])

EventId = Annotated[
    str,
    Path(
        min_length=1, max_length=64, description="the event's reward id", examples=["wine-tasting"]
    ),
]
RsvpId = Annotated[int, Path(ge=1, le=MAX_ID, description="the RSVP's id", examples=[1])]
NO_EVENT = NotFound("no event 'wine-tastin' in the program")
NO_RSVP = NotFound("no RSVP with id 9999")
CLOSED = EventClosed(
    "event 'wine-tasting' began at 2027-06-10 17:00:00: RSVPs and cancellations are closed"
)
NOT_ACTIVE = RsvpNotActive(
    "RSVP 1 is cancelled: only an attending or waiting one changes", rsvp_id=1
)


@router.get("/v1/events", response_model=EventsPublic, responses=p.refusals(p.NO_PROGRAM))
def list_events(patron: PatronDep, _: PosKey) -> EventsPublic:
    """The events not yet begun, soonest first, with their seats left and waiting list."""
    events = [EventPublic.model_validate(e) for e in patron.read(upcoming_events)]
    return EventsPublic(data=events, count=len(events))


@router.get(
    "/v1/events/{reward_id}",
    response_model=EventDetailPublic,
    responses=p.refusals(NO_EVENT, p.NO_PROGRAM),
)
def get_event(reward_id: EventId, patron: PatronDep, _: AdminKey) -> EventDetailPublic:
    """An event with its attendees, its waiting list in order and the RSVPs given up."""
    return EventDetailPublic.model_validate(
        patron.read(event_detail, reward_id), from_attributes=True
    )


@router.post(
    "/v1/events/{reward_id}/rsvps",
    status_code=201,
    response_model=RsvpPublic,
    responses=p.refusals(
        NO_EVENT,
        p.NO_MEMBER,
        CLOSED,
        RewardUnavailable("event 'wine-tasting' is for tiers ['Gold', 'Silver']; member is Member"),
        RsvpExists("member 1 already has RSVP 1 to event 'wine-tasting' (attending)", rsvp_id=1),
        InsufficientPoints(500, 140),
        p.ERASED,
        p.NO_PROGRAM,
    ),
)
def create_rsvp(
    reward_id: EventId, body: RsvpCreate, principal: RedeemKey, write: Idempotent
) -> Response:
    """RSVP for a member: a seat if one is left (paid in points now, or free for the
    tier), else a place on the waiting list (`waiting`, with `place_in_line`)."""
    command = RsvpTo(
        MemberRef(id=body.member_id, external_id=body.external_id), reward_id, principal.shop
    )
    return write(body, lambda uow: rsvp(uow, command), RsvpPublic.model_validate)


@router.post(
    "/v1/rsvps/{id}/cancel",
    status_code=201,
    response_model=RsvpPublic,
    responses=p.refusals(NO_RSVP, p.OTHER_SHOP, CLOSED, NOT_ACTIVE, p.NO_PROGRAM),
)
def cancel_an_rsvp(
    id: RsvpId, principal: CancelKey, write: Idempotent, body: RsvpCancel | None = None
) -> Response:
    """Give up a seat (its points come back) or a place in line, before the event; the
    freed seat goes to the first in line who can pay (`promoted`; `skipped` the others)."""
    payload = body or RsvpCancel()
    command = CancelRsvp(id, principal.actor, payload.reason, shop=principal.shop)
    return write(payload, lambda uow: cancel_rsvp(uow, command), RsvpPublic.model_validate)


@router.post(
    "/v1/rsvps/{id}/check-in",
    status_code=201,
    response_model=RsvpPublic,
    responses=p.refusals(
        NO_RSVP,
        RsvpNotActive("RSVP 21 is waiting: only an attending member is checked in", rsvp_id=21),
        p.NO_PROGRAM,
    ),
)
def check_in_rsvp(id: RsvpId, principal: RedeemKey, write: Idempotent) -> Response:
    """Staff at the door: the member of an attending RSVP came (`attended`); audited."""
    payload = RsvpCancel()
    return write(
        payload,
        lambda uow: check_in(uow, CheckIn(id, principal.actor)),
        RsvpPublic.model_validate,
    )


@router.get(
    "/v1/members/{id}/early-access/{offer}",
    response_model=EarlyAccessPublic,
    responses=p.refusals(
        p.NO_MEMBER,
        p.AMBIGUOUS_MEMBER,
        NotFound("no early access offer 'spring' in the program (known: autumn-collection)"),
        p.NO_PROGRAM,
    ),
)
def get_early_access(
    id: MemberPath,
    offer: Annotated[
        str,
        Path(
            min_length=1,
            max_length=64,
            description="the offer's id",
            examples=["autumn-collection"],
        ),
    ],
    patron: PatronDep,
    _: ReadMemberKey,
    by: By = None,
) -> EarlyAccessPublic:
    """Whether the member may buy the offer now: `allowed`, the `reason` and the window."""
    member = member_named(patron, id, by)
    return EarlyAccessPublic.model_validate(patron.read(check_early_access, member.id, offer))
