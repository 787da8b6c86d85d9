"""Request and response bodies of the events' and early access's paths
(api/routes/events.py), with the examples the OpenAPI document shows: the story's event is
examples/program.toml's wine tasting of 10 June 2027 (20 seats, 500 points, free for
Gold) and its autumn collection's early access."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from patron.api.schemas import Answer, Id, Key, Reason, UtcTime, _In, examples

EVENT_PUBLIC: dict[str, Any] = {
    "reward_id": "wine-tasting",
    "name": "Wine tasting with the winemaker",
    "description": "",
    "starts_at": "2027-06-10T17:00:00Z",
    "place": "Shop on Main Street",
    "capacity": 20,
    "taken": 20,
    "left": 0,
    "waiting": 1,
    "points": 500,
    "cost": "12.00",
    "tiers": [],
    "free_for": ["Gold"],
}
RSVP_CREATE: list[dict[str, Any]] = [{"member_id": 1}, {"external_id": "C-1042"}]
_RSVP: dict[str, Any] = {
    "id": 1,
    "reward_id": "wine-tasting",
    "event_name": "Wine tasting with the winemaker",
    "starts_at": "2027-06-10T17:00:00Z",
    "member_id": 1,
    "state": "attending",
    "place_in_line": None,
    "points": 500,
    "cost": "12.00",
    "redemption_id": 2,
    "created_at": "2026-11-20T10:00:00Z",
    "seated_at": "2026-11-20T10:00:00Z",
    "done_at": None,
    "done_by": None,
    "reason": None,
    "promoted": [],
    "skipped": [],
}
_WAITING: dict[str, Any] = {
    **_RSVP,
    "id": 21,
    "member_id": 2,
    "state": "waiting",
    "place_in_line": 1,
    "points": 0,
    "cost": "0.00",
    "redemption_id": None,
    "created_at": "2026-11-21T09:30:00Z",
    "seated_at": None,
}
RSVP_PUBLIC: list[dict[str, Any]] = [
    _RSVP,
    _WAITING,
    {
        **_RSVP,
        "state": "cancelled",
        "done_at": "2026-11-25T18:00:00Z",
        "done_by": "apikey:till-1",
        "reason": "cannot come",
        "promoted": [21],
    },
]
EARLY_ACCESS_PUBLIC: list[dict[str, Any]] = [
    {
        "offer_id": "autumn-collection",
        "member_id": 1,
        "allowed": True,
        "reason": "tier",
        "opens_at": "2027-09-01T08:00:00Z",
        "opens_to_all_at": "2027-09-08T08:00:00Z",
    },
    {
        "offer_id": "autumn-collection",
        "member_id": 2,
        "allowed": False,
        "reason": "not_eligible",
        "opens_at": "2027-09-01T08:00:00Z",
        "opens_to_all_at": "2027-09-08T08:00:00Z",
    },
]


class EventPublic(Answer):
    """A scheduled event: its seats, those taken and its waiting list (docs/rewards.md)."""

    model_config = ConfigDict(json_schema_extra=examples(EVENT_PUBLIC))

    reward_id: str = Field(description="the event's reward id (RSVP to it)")
    name: str = Field(description="its name, for people")
    description: str = Field(description="what it is")
    starts_at: UtcTime = Field(description="when it begins (UTC): RSVPs close then")
    place: str = Field(description="where")
    capacity: int = Field(description="seats in all")
    taken: int = Field(description="seats taken")
    left: int = Field(description="seats left")
    waiting: int = Field(description="members on the waiting list")
    points: int = Field(description="what a seat costs in points (free for `free_for` tiers)")
    cost: Decimal = Field(description="what a seat costs the business, in the currency")
    tiers: list[str] = Field(description="the tiers invited (empty: every tier)")
    free_for: list[str] = Field(description="the tiers whose seat costs no points")


class EventsPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples({"data": [EVENT_PUBLIC], "count": 1}))

    data: list[EventPublic] = Field(description="the events not yet begun, soonest first")
    count: int = Field(description="how many")


class RsvpCreate(_In):
    model_config = ConfigDict(json_schema_extra=examples(*RSVP_CREATE))

    member_id: Id | None = Field(None, description="Patron's member id; or give external_id")
    external_id: Key | None = Field(None, description="the shop's customer id; or member_id")

    @model_validator(mode="after")
    def _one_member(self) -> Self:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        return self


class RsvpCancel(_In):
    model_config = ConfigDict(json_schema_extra=examples({"reason": "cannot come"}))

    reason: Reason | None = Field(None, description="why (up to 200 characters)")


class RsvpPublic(Answer):
    """A member's RSVP: a seat (`attending`, then `attended` once checked in) or a place on
    the waiting list (`waiting`, `place_in_line` 1 first), or given up."""

    model_config = ConfigDict(json_schema_extra=examples(*RSVP_PUBLIC))

    id: int = Field(description="the RSVP's id (to cancel it or check the member in)")
    reward_id: str = Field(description="the event")
    event_name: str = Field(description="its name")
    starts_at: UtcTime | None = Field(description="when it begins (UTC)")
    member_id: int = Field(description="Patron's member id")
    state: str = Field(
        description="attending, waiting, cancelled, skipped (a seat freed and the member"
        " could not take it: `reason`) or attended"
    )
    place_in_line: int | None = Field(description="waiting: 1 for the first in line; else null")
    points: int = Field(description="points paid for the seat (0: free for the tier, or waiting)")
    cost: Decimal = Field(description="what the seat costs the business (0.00 while waiting)")
    redemption_id: int | None = Field(description="the redemption that paid the seat, if any")
    created_at: UtcTime = Field(description="when the member RSVPed (UTC)")
    seated_at: UtcTime | None = Field(description="when they got a seat (UTC)")
    done_at: UtcTime | None = Field(description="when it was cancelled, skipped or checked in")
    done_by: str | None = Field(description="who cancelled it or checked the member in")
    reason: str | None = Field(description="why it was cancelled or skipped")
    promoted: list[int] = Field(description="a cancellation: the RSVPs seated from the line")
    skipped: list[int] = Field(description="a cancellation: the RSVPs skipped (see their reason)")


class EventDetailPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"event": EVENT_PUBLIC, "attendees": [_RSVP], "waiting": [_WAITING], "others": []}
        )
    )

    event: EventPublic = Field(description="the event")
    attendees: list[RsvpPublic] = Field(description="attending and attended, in RSVP order")
    waiting: list[RsvpPublic] = Field(description="the waiting list, first in line first")
    others: list[RsvpPublic] = Field(description="RSVPs cancelled or skipped")


class EarlyAccessPublic(Answer):
    """Whether a member may buy an early-access offer now (docs/program.md)."""

    model_config = ConfigDict(json_schema_extra=examples(*EARLY_ACCESS_PUBLIC))

    offer_id: str = Field(description="the offer (`[[early_access]]` id)")
    member_id: int = Field(description="Patron's member id")
    allowed: bool = Field(description="whether the member may buy it now")
    reason: str = Field(
        description="not_open_yet, tier, club, not_eligible (the early window is open, not"
        " to this member) or open_to_all"
    )
    opens_at: UtcTime = Field(description="when it opens to the early tiers (UTC)")
    opens_to_all_at: UtcTime = Field(description="when it opens to everyone (UTC)")
