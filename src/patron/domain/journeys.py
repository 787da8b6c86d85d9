"""Triggered journeys: the messages the program sends on its own, and when.

Design overview. A journey is switched on by its table in the program file's `[journeys]`
section (absent, or `enabled = false`: off); each names its channel and the rule that
triggers it. Two kinds:

- *event-driven* (welcome, expiry, tier_up, tier_down, survey): a reaction to an outbox
  event, made in the worker's routing pass (services/journeys.py);
- *time-driven* (winback, birthday): a scan over the members, `patron journeys run`, which
  the worker also runs every `run_every_minutes`.

Every message a journey makes has a key that names what triggered it (the event, the
member and year, the member and the date of their last purchase), so a rerun or a second
worker enqueues nothing twice (domain/messages.py: a key is unique over all messages).
The rules here are pure: `winback_due` decides a lapse from a member's purchase dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from patron.domain.messages import Channel, Outgoing


class JourneyName(StrEnum):
    WELCOME = "welcome"
    EXPIRY = "expiry"
    TIER_UP = "tier_up"
    TIER_DOWN = "tier_down"
    BIRTHDAY = "birthday"
    WINBACK = "winback"
    SURVEY = "survey"


TIME_DRIVEN = (JourneyName.WINBACK, JourneyName.BIRTHDAY)


class JourneyChannel(StrEnum):
    """The channels a journey may use (the values of domain/messages.py `Channel`)."""

    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class JourneySettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: StrictBool = True
    channel: JourneyChannel = JourneyChannel.EMAIL


class EventJourney(JourneySettings):
    """A reaction to an outbox event; an event older than `max_age_days` when the worker
    routes it (an imported history, a worker that was down for weeks) sends nothing."""

    max_age_days: Annotated[int, Field(ge=1, le=365)] = 7


class BirthdayJourney(JourneySettings):
    """A greeting once a year, on the birthday or up to `days_before` it."""

    days_before: Annotated[int, Field(ge=0, le=90)] = 0


class WinbackJourney(JourneySettings):
    """A lapse: no purchase for `multiple` times the member's usual interval (the mean
    interval between their purchases; `default_interval_days` for one purchase), or
    P(alive) below `p_alive_below` when set (computed by the adapter from the lifetime
    model). At most one message per lapse: the key holds the last purchase's date."""

    multiple: Annotated[Decimal, Field(gt=0, le=100)] = Decimal(2)
    default_interval_days: Annotated[int, Field(ge=1, le=3660)] = 90
    p_alive_below: Annotated[Decimal, Field(gt=0, lt=1)] | None = None


class JourneysPolicy(BaseModel):
    """`[journeys]` (docs/journeys.md). A journey's table switches it on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_every_minutes: Annotated[int, Field(ge=1, le=10_080)] = 60
    welcome: EventJourney | None = None
    expiry: EventJourney | None = None
    tier_up: EventJourney | None = None
    tier_down: EventJourney | None = None
    survey: EventJourney | None = None
    birthday: BirthdayJourney | None = None
    winback: WinbackJourney | None = None

    def get(self, name: JourneyName) -> JourneySettings | None:
        """The journey's settings when it is switched on, else None."""
        found: JourneySettings | None = getattr(self, name.value)
        return found if found is not None and found.enabled else None


@dataclass(frozen=True, slots=True)
class PurchaseDates:
    """What win-back reads of a member: how many purchases, the first and the last."""

    member_id: int
    purchases: int
    first: datetime
    last: datetime


def usual_interval_days(dates: PurchaseDates, default_days: int) -> Decimal:
    """The mean interval between a member's purchases, in days: (last − first) / (n − 1);
    the configured default for a single purchase (or several on one day)."""
    if dates.purchases < 2 or dates.last <= dates.first:
        return Decimal(default_days)
    span = Decimal((dates.last - dates.first).total_seconds()) / Decimal(86_400)
    return span / (dates.purchases - 1)


def winback_due(dates: PurchaseDates, today: date, policy: WinbackJourney) -> bool:
    """Whether the days since the last purchase reach `multiple` × the usual interval."""
    since = (today - dates.last.date()).days
    return since >= policy.multiple * usual_interval_days(dates, policy.default_interval_days)


def winback_key(member_id: int, last: datetime) -> str:
    return f"journey:winback:member:{member_id}:since:{last.date().isoformat()}"


def outgoing(
    name: JourneyName, settings: JourneySettings, member_id: int, key: str, context: dict[str, Any]
) -> Outgoing:
    """The message a journey asks for: a marketing one on its channel, with its packaged
    template `journey/<name>` (docs/journeys.md, "Templates")."""
    return Outgoing(
        member_id=member_id,
        channel=Channel(settings.channel.value),
        template=f"journey/{name.value}",
        key=key,
        journey=name.value,
        context=context,
    )
