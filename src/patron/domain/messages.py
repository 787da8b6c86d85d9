"""Messages to members: what may be sent, to whom, and why not.

Design overview. Campaigns and journeys do not send: they ask for a message (`Outgoing`)
and the message core decides at once whether it may go (`refusal`), recording either a
`queued` message or a `refused` one with its reason, so a campaign can count whom it could
not reach. The worker sends the queued ones later and asks the same gate again at the
moment of sending, so an unsubscribe or a suppression that came in between still stops
the message (DESIGN.md §4: "an unsubscribe takes effect before the next send").

The gate of a marketing message, in this order:
1. the member is not erased and has an address for the channel (`no_address`, `erased`);
2. the address is not on the suppression list, which nothing bypasses (`suppressed`);
3. the member said yes to marketing on that channel (`no_consent`: a no, or nothing);
4. the member got fewer than the frequency cap's marketing messages in its window,
   counting those queued in the same batch (`capped`).
A transactional message (a receipt, a magic link, a confirmation) asks only the first.

Every message carries a `key`, unique over all messages ever: the same intention asked
twice (a rerun of a journey, a retried campaign launch) is one message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

KEY_LENGTH = 200
TEMPLATE_LENGTH = 100
ADDRESS_LENGTH = 320
ERROR_LENGTH = 500


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class Kind(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class Status(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DEFERRED = "deferred"  # a temporary refusal (SMTP 4xx): tried again later
    BOUNCED = "bounced"  # a permanent refusal (SMTP 5xx): the address is suppressed
    FAILED = "failed"  # given up: deferred too often, or the template could not render
    REFUSED = "refused"  # the gate said no; `refusal` says why


# the statuses that count against the frequency cap: what went, or is about to go
CAPPED_STATUSES = (Status.QUEUED, Status.SENDING, Status.SENT, Status.DEFERRED)


class Refusal(StrEnum):
    NO_CONSENT = "no_consent"
    SUPPRESSED = "suppressed"
    CAPPED = "capped"
    NO_ADDRESS = "no_address"
    ERASED = "erased"


class SuppressionReason(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    MANUAL = "manual"


# the consent purpose that says yes or no to marketing on each channel (domain/consent.py
# keeps the e-mail newsletter's purpose `marketing`, asked since the portal's first day)
CONSENT_PURPOSE: Mapping[Channel, str] = {
    Channel.EMAIL: "marketing",
    Channel.SMS: "marketing_sms",
    Channel.PUSH: "marketing_push",
}


@dataclass(frozen=True)
class Outgoing:
    """A message asked for. `context` holds a few JSON values the template may use beyond
    the member's fields; `not_before` schedules it (a send time, a rate limit)."""

    member_id: int
    channel: Channel
    template: str
    key: str
    kind: Kind = Kind.MARKETING
    campaign_id: int | None = None
    journey: str | None = None
    variant: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None


@dataclass(frozen=True)
class Queued:
    """What became of an `Outgoing`: its message's id (also for a refused one, which is
    recorded), the refusal if any, and whether its key had been asked before."""

    message_id: int | None
    refused: Refusal | None = None
    duplicate: bool = False


@dataclass(frozen=True)
class FrequencyCap:
    messages: int
    days: int


@dataclass(frozen=True)
class Recipient:
    """What the gate needs to know of a member for one channel."""

    erased: bool
    address: str | None  # normalised (`address_key`); None: none for the channel
    consented: bool
    recent: int  # marketing messages counted by the cap within its window


def refusal(
    kind: Kind, recipient: Recipient, suppressed: bool, cap: FrequencyCap | None
) -> Refusal | None:
    """Why the message may not go, or None (the order is the module docstring's)."""
    if recipient.erased:
        return Refusal.ERASED
    if recipient.address is None:
        return Refusal.NO_ADDRESS
    if kind is Kind.TRANSACTIONAL:
        return None
    if suppressed:
        return Refusal.SUPPRESSED
    if not recipient.consented:
        return Refusal.NO_CONSENT
    if cap is not None and recipient.recent >= cap.messages:
        return Refusal.CAPPED
    return None


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def address_problem(channel: Channel, address: str) -> str | None:
    """Why `address` is no address of `channel` as staff typed it, or None: a control
    character, longer than a stored address, an e-mail without a local part, an `@` and a
    dotted domain, a phone of other than 6 to 15 digits (E.164), an empty push target."""
    if any(ord(c) < 32 or ord(c) == 127 for c in address.strip()):
        return "holds a control character"
    key = address_key(channel, address)
    if channel is Channel.SMS and (key is None or not 6 <= len(key) - 1 <= 15):
        return "is no phone number (6 to 15 digits)"
    if key is None:
        return "is empty"
    if len(key) > ADDRESS_LENGTH:
        return f"is longer than {ADDRESS_LENGTH} characters"
    if channel is Channel.EMAIL and not _EMAIL.fullmatch(key):
        return "is no e-mail address (name@domain.tld)"
    return None


def address_key(channel: Channel, address: str | None) -> str | None:
    """The address as a suppression matches it: an e-mail stripped and lower-cased, a
    phone as its digits behind a `+` (a leading 00 read as +), a push target as given.
    None for an address that is empty once normalised."""
    if address is None:
        return None
    text = address.strip()
    if channel is Channel.EMAIL:
        text = text.lower()
    elif channel is Channel.SMS:
        digits = "".join(c for c in text if c.isdigit())
        if text.startswith("00"):
            digits = digits[2:]
        text = f"+{digits}" if digits else ""
    return text or None
