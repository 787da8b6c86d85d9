"""The signed links of a message: one-click unsubscribe and the newsletter's confirmation.

Design overview. A link must work without a login (a member reads the mail on a phone
where they never logged in) and must not be forgeable (nobody may unsubscribe, or
subscribe, somebody else by changing a number). The token names what it does (`u`
unsubscribe, `c` confirm), the member, the consent purpose (the list) and the message it
came in (0 for none: a campaign's unsubscribes are counted by it), and carries an
HMAC-SHA256 of these under the server's secret (services/secrets.py), truncated to 128
bits. An unsubscribe link works as long as the secret does (RFC 8058 asks that it keep
working); a confirmation link for `CONFIRM_DAYS` (an old yes is no yes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CONFIRM_DAYS = 7
_SHAPE = re.compile(
    r"^(u|c)\.(\d{1,18})\.([a-z_]{1,40})\.(\d{1,18})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$"
)


class LinkAction(StrEnum):
    UNSUBSCRIBE = "u"
    CONFIRM = "c"


@dataclass(frozen=True, slots=True)
class MessageLink:
    action: LinkAction
    member_id: int
    purpose: str
    message_id: int | None
    issued: datetime  # to the second, UTC without a zone as the store keeps times


class BadLink(Exception):
    """The token is not one Patron signed, or its time is past."""


def sign(secret: str, link: MessageLink) -> str:
    body = _body(link)
    return f"{body}.{_mac(secret, body)}"


def verify(secret: str, token: str, now: datetime) -> MessageLink:
    """The link a token stands for, or BadLink (forged, altered, or an expired confirm)."""
    found = _SHAPE.match(token)
    if found is None:
        raise BadLink("this link is not complete: copy the whole link from the message")
    body = token.rpartition(".")[0]
    if not hmac.compare_digest(_mac(secret, body), found.group(6)):
        raise BadLink("this link is not one we sent")
    action, member, purpose, message, issued = found.groups()[:5]
    link = MessageLink(
        LinkAction(action),
        int(member),
        purpose,
        int(message) or None,
        datetime(1970, 1, 1) + timedelta(seconds=int(issued)),
    )
    if link.action is LinkAction.CONFIRM and now - link.issued > timedelta(days=CONFIRM_DAYS):
        raise BadLink(f"this confirmation link is older than {CONFIRM_DAYS} days: ask again")
    return link


def _body(link: MessageLink) -> str:
    seconds = int((link.issued.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds())
    return f"{link.action.value}.{link.member_id}.{link.purpose}.{link.message_id or 0}.{seconds}"


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"patron-message-link:{body}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).rstrip(b"=").decode()
