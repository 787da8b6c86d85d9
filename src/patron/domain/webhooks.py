"""Webhooks: what a subscription may name, how a message is signed, when a failed delivery
is tried again and when it is given up (a dead letter).

Design overview. The signature follows the Standard Webhooks scheme
(https://www.standardwebhooks.com): a secret `whsec_` + base64 of random bytes, and three
headers on every request: `webhook-id` (the outbox event's id, `evt_<n>`: the same on
every retry and replay, so a receiver drops duplicates by it), `webhook-timestamp` (Unix
seconds of the attempt) and `webhook-signature`, `v1,` + the base64 HMAC-SHA256 of
`"<id>.<timestamp>.<body>"` under the secret's decoded bytes. A failed attempt is tried
again after an exponential delay with jitter, capped; after `max_attempts` the delivery
is a dead letter until someone replays it. Pure functions: the jitter's random number and
the clock are handed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from patron.domain.errors import InvalidInput, NotFound

SECRET_PREFIX = "whsec_"
URL_LENGTH = 2000
DESCRIPTION_LENGTH = 200
ERROR_LENGTH = 500
EVENT_TYPE_LENGTH = 50
# every event a use case writes (domain/events.py); "*" subscribes to all of them
EVENT_TYPES = (
    "member.enrolled",
    "points.earned",
    "points.expiring_soon",
    "points.expired",
    "points.redeemed",
    "points.adjusted",
    "purchase.refunded",
    "redemption.cancelled",
    "tier.changed",
    "survey.detractor",
    "voucher.issued",
    "voucher.used",
    "voucher.handed_over",
    "voucher.cancelled",
    "rsvp.seated",
    "rsvp.waitlisted",
    "rsvp.promoted",
    "rsvp.skipped",
    "rsvp.cancelled",
    "rsvp.checked_in",
    "club.joined",
    "club.left",
    "referral.rewarded",
    "referral.taken_back",
)
ALL = "*"


class WebhookUrlRefused(InvalidInput):
    """A subscription's URL that is not an absolute http(s) URL with a host."""

    code = "webhook_url_refused"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class DeliveryState(StrEnum):
    PENDING = "pending"  # waits for its turn or for its next attempt's time
    SENDING = "sending"  # an attempt is recorded and under way (or its worker died)
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # every attempt failed: a dead letter, until replayed


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    url: str
    event_types: tuple[str, ...]
    description: str
    active: bool
    created_at: datetime
    created_by: str

    def wants(self, event_type: str) -> bool:
        return self.active and (ALL in self.event_types or event_type in self.event_types)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts before a dead letter; the delay before attempt n+1 is
    min(cap, base·2^(n-1)), of which a random share up to `jitter` is taken off."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=10)
    cap: timedelta = timedelta(hours=1)
    jitter: float = 0.5

    def delay(self, attempts: int, draw: float) -> timedelta:
        """The wait after the `attempts`-th failed attempt; `draw` is uniform in [0, 1)."""
        full: timedelta = min(self.cap, self.base * (2 ** max(attempts - 1, 0)))
        return full * (1 - self.jitter * draw)

    def after_failure(self, attempts: int, now: datetime, draw: float) -> datetime | None:
        """When to try again, or None: the delivery is a dead letter."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delay(attempts, draw)


def checked_url(url: str) -> str:
    """An absolute http or https URL with a host and a valid port, with no space or
    control character in it, else refused naming the fix: the worker must be able to
    send to every URL it was given (a bad one once stopped every delivery)."""
    text = url.strip()
    if len(text) > URL_LENGTH:
        raise WebhookUrlRefused(f"url: longer than {URL_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise WebhookUrlRefused(f"url: {url!r} holds a space or a control character")
    try:
        parts = urlsplit(text)
        port = parts.port  # a port out of 0..65535 or not a number raises ValueError
    except ValueError as exc:
        raise WebhookUrlRefused(f"url: {url!r} is not a URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise WebhookUrlRefused(
            f"url: {url!r} is not an http(s) URL; webhooks are sent over http or https only"
            " (give https://host/path)"
        )
    if not parts.hostname:
        raise WebhookUrlRefused(f"url: {url!r} names no host")
    if port == 0:
        raise WebhookUrlRefused(f"url: {url!r} names port 0")
    return text


def checked_event_types(types: list[str]) -> tuple[str, ...]:
    """The event types a subscription names: known ones or "*", at least one."""
    wanted = tuple(dict.fromkeys(t.strip() for t in types if t.strip()))
    if not wanted:
        raise InvalidInput(f"event_types: name at least one of {', '.join(EVENT_TYPES)} or *")
    unknown = [t for t in wanted if t != ALL and t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"event_types: unknown {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)} or *"
        )
    return wanted


def message_id(event_id: int) -> str:
    """The `webhook-id`: the outbox event's id, the receiver's idempotency key."""
    return f"evt_{event_id}"


def body(event_type: str, occurred_at: datetime, member_id: int, data: dict[str, Any]) -> bytes:
    """The payload, as Standard Webhooks shapes it: type, timestamp and data; the same
    bytes on every attempt."""
    document = {
        "type": event_type,
        "timestamp": occurred_at.isoformat(timespec="seconds") + "Z",
        "data": {"member_id": member_id, **data},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, msg_id: str, timestamp: int, payload: bytes) -> str:
    """`v1,` + base64 of HMAC-SHA256 over `id.timestamp.body` under the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, payload),
    }


def secret_from(random_bytes: bytes) -> str:
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()
