"""Consents: what a member agreed to, kept as a history that is appended to, never
rewritten; the latest record of a purpose is its state.

A member who never said anything has no record: their state is `not recorded`, which is
neither a yes nor a no (an import, or an enrolment through the API that asked nothing).
No marketing may reach a member whose state is not `granted` (DESIGN.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MARKETING = "marketing"  # news and offers by e-mail (the newsletter)
MARKETING_SMS = "marketing_sms"  # news and offers by SMS
MARKETING_PUSH = "marketing_push"  # news and offers by push notification
PURPOSES = (MARKETING, MARKETING_SMS, MARKETING_PUSH)  # one per channel (domain/messages.py)


class ConsentSource(StrEnum):
    """Where the member said it."""

    PORTAL = "portal"
    API = "api"
    CONSOLE = "console"
    # a yes given in the portal before the member proved their address (joining with an
    # address proves nothing): it counts from the moment they do, when a `portal` record
    # of it is appended (double opt-in); until then it is no yes, and a `no` replaces it
    UNCONFIRMED = "unconfirmed"
    # the member followed the confirmation link e-mailed for a yes (double opt-in)
    CONFIRMATION = "confirmation"
    # the member followed the unsubscribe link of a message (RFC 8058 one-click or the
    # page's button); the record names the message, so a campaign counts its unsubscribes
    UNSUBSCRIBE = "unsubscribe"


class ConsentState(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"
    NOT_RECORDED = "not recorded"


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    member_id: int
    purpose: str
    granted: bool
    recorded_at: datetime
    source: ConsentSource
    actor: str | None = None  # who typed it in the console; None: the member themselves
    message_id: int | None = None  # the message whose link was followed (unsubscribe)


def state_of(latest: ConsentRecord | None) -> ConsentState:
    """The state a purpose is in, from its latest record (None: never recorded)."""
    if latest is None:
        return ConsentState.NOT_RECORDED
    return ConsentState.GRANTED if latest.granted else ConsentState.DECLINED


def latest(records: Iterable[ConsentRecord], purpose: str = MARKETING) -> ConsentRecord | None:
    """The latest record of `purpose` among `records` given oldest first (the last one
    recorded wins a tie of times: it was written after)."""
    found = None
    for record in records:
        if record.purpose == purpose and record.source is not ConsentSource.UNCONFIRMED:
            found = record
    return found


def changes(current: ConsentState, granted: bool) -> bool:
    """Whether saying `granted` now changes the state (a record is appended only then)."""
    wanted = ConsentState.GRANTED if granted else ConsentState.DECLINED
    return current != wanted
