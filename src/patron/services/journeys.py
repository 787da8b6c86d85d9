"""Triggered journeys: the registry of the event-driven ones and their reaction to the
worker's routing pass, and the list the console shows (docs/journeys.md).

Design overview. The worker routes outbox events to webhook subscriptions in one
transaction per batch (services/webhooks.py `route_events`); `react` is the second
consumer of that pass: for each routed event, every journey of `EVENT_JOURNEYS` that
listens to its type and is switched on in the program makes its messages, which are
enqueued (services/messages.py: consent, suppressions, the frequency cap) in the same
transaction that marks the event routed. A crash before the commit leaves the event
unrouted and nothing enqueued; after it, the event is not routed again. Each message's
key names its trigger (`journey:welcome:member:42`, `journey:expiry:event:77`), so even
a replayed event enqueues nothing twice.

Time-driven journeys (win-back, birthday) are a scan: services/journey_scan.py.

A journey is a `Journey(name, event_type, handler)`; a handler `(uow, event, program) ->
list[Outgoing]` decides from the event alone. The survey invitation is the surveys'
`survey_invitation(uow, member_id, purchase_id)`, wrapped by `purchase_journey` and
listed in `EVENT_JOURNEYS` under `JourneyName.SURVEY`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from patron.domain.journeys import (
    TIME_DRIVEN,
    EventJourney,
    JourneyName,
    WinbackJourney,
    outgoing,
)
from patron.domain.messages import Outgoing
from patron.domain.program import Program
from patron.services.messages import enqueue_many
from patron.store.outbox import OutboxEvent
from patron.store.uow import UnitOfWork

J = JourneyName
Handler = Callable[[UnitOfWork, OutboxEvent, Program], list[Outgoing]]


@dataclass(frozen=True)
class Journey:
    name: JourneyName
    event_type: str
    handler: Handler


def _outgoing(
    name: JourneyName, program: Program, member_id: int, key: str, context: dict[str, Any]
) -> Outgoing:
    settings = program.journeys.get(name)
    assert settings is not None
    return outgoing(name, settings, member_id, key, context)


def _welcome(uow: UnitOfWork, event: OutboxEvent, program: Program) -> list[Outgoing]:
    key = f"journey:welcome:member:{event.member_id}"  # once per member, whatever the events
    return [_outgoing(J.WELCOME, program, event.member_id, key, {})]


def _expiry(uow: UnitOfWork, event: OutboxEvent, program: Program) -> list[Outgoing]:
    data = event.payload
    context = {"points": int(data["points"]), "expires_on": str(data["expires_on"])}
    key = f"journey:expiry:event:{event.id}"
    return [_outgoing(J.EXPIRY, program, event.member_id, key, context)]


def _tier(name: JourneyName, upward: bool) -> Handler:
    def handler(uow: UnitOfWork, event: OutboxEvent, program: Program) -> list[Outgoing]:
        old, new = str(event.payload["from"]), str(event.payload["to"])
        rank = program.tiers.rank
        if (rank(new) > rank(old)) != upward or new == old:
            return []
        key = f"journey:{name.value}:event:{event.id}"
        return [_outgoing(name, program, event.member_id, key, {"from": old, "to": new})]

    return handler


SurveyInvitation = Callable[[UnitOfWork, int, int], Outgoing | None]


def purchase_journey(invitation: SurveyInvitation) -> Handler:
    """A handler from a function of (uow, member_id, purchase_id): called for each
    `points.earned` event of a purchase (not a welcome or referral bonus)."""

    def handler(uow: UnitOfWork, event: OutboxEvent, program: Program) -> list[Outgoing]:
        purchase_id = event.payload.get("purchase_id")
        if purchase_id is None:
            return []
        found = invitation(uow, event.member_id, int(purchase_id))
        return [found] if found is not None else []

    return handler


EVENT_JOURNEYS: tuple[Journey, ...] = (
    Journey(J.WELCOME, "member.enrolled", _welcome),
    Journey(J.EXPIRY, "points.expiring_soon", _expiry),
    Journey(J.TIER_UP, "tier.changed", _tier(J.TIER_UP, upward=True)),
    Journey(J.TIER_DOWN, "tier.changed", _tier(J.TIER_DOWN, upward=False)),
    # the survey invitation (services/surveys.py), wired by the lead:
    # Journey(J.SURVEY, "points.earned", purchase_journey(surveys.survey_invitation)),
)


def react(
    uow: UnitOfWork, events: Sequence[OutboxEvent], journeys: Sequence[Journey] = EVENT_JOURNEYS
) -> int:
    """Enqueue the messages of the switched-on journeys for events being routed, in the
    routing transaction. The messages enqueued (queued or refused; duplicates not)."""
    if not events:
        return 0
    found = uow.programs.current()
    if found is None:
        return 0
    program = found[1]
    outgoing: list[Outgoing] = []
    for event in events:
        for journey in journeys:
            settings = program.journeys.get(journey.name)
            if journey.event_type != event.type or not isinstance(settings, EventJourney):
                continue
            if event.occurred_at < uow.now - timedelta(days=settings.max_age_days):
                continue
            outgoing += journey.handler(uow, event, program)
    if not outgoing:
        return 0
    return sum(not q.duplicate for q in enqueue_many(uow, outgoing))


# what the console, the API and the CLI list


@dataclass(frozen=True)
class JourneyView:
    name: str
    trigger: str  # the event type, or "scan" for a time-driven journey
    enabled: bool
    settings: dict[str, Any]  # the journey's table in the program file ({} when absent)
    counts: dict[str, int]  # messages by status, and refused ones by `refused:<reason>`


TRIGGERS = {j.name: j.event_type for j in EVENT_JOURNEYS} | {
    J.SURVEY: "points.earned",
    **dict.fromkeys(TIME_DRIVEN, "scan"),
}


def journeys(uow: UnitOfWork) -> list[JourneyView]:
    """Every journey, switched on or not, with its settings and its messages' counts."""
    found = uow.programs.current()
    policy = found[1].journeys if found is not None else None
    counts = uow.journeys.message_counts()
    views = []
    for name in JourneyName:
        settings = getattr(policy, name.value) if policy is not None else None
        views.append(
            JourneyView(
                name=name.value,
                trigger=TRIGGERS[name],
                enabled=settings is not None and settings.enabled,
                settings=settings.model_dump(mode="json") if settings is not None else {},
                counts=counts.get(name.value, {}),
            )
        )
    return views


def run_every(uow: UnitOfWork) -> timedelta | None:
    """How often the worker runs the time-driven journeys; None when none is on."""
    found = uow.programs.current()
    if found is None:
        return None
    policy = found[1].journeys
    if not any(policy.get(name) is not None for name in TIME_DRIVEN):
        return None
    return timedelta(minutes=policy.run_every_minutes)


def wants_p_alive(uow: UnitOfWork) -> bool:
    """Whether win-back is on with a P(alive) threshold (the adapter then computes it)."""
    found = uow.programs.current()
    if found is None:
        return False
    winback = found[1].journeys.get(J.WINBACK)
    return isinstance(winback, WinbackJourney) and winback.p_alive_below is not None
