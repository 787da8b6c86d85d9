"""Magic links: how a member logs in to the portal without a password.

Design overview. A member asks for a link with their e-mail address; the link carries a
random token of `TOKEN_BYTES` bytes that is stored only as its SHA-256 (`token_hash`), so
a copy of the database opens no account. A link works once, for `VALID_FOR` after it was
made (`refusal`). At most `MAX_LINKS` links are made for one address within `WINDOW`
(`may_send`): beyond that a request is dropped without a word, so that the form cannot be
used to flood somebody's inbox, nor to learn whether an address belongs to a member.

Which member an address names when several members share it is the use case's rule
(services/login_links.py: the most recently enrolled one that is not erased).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from patron.domain.errors import InvalidInput
from patron.domain.limits import EMAIL_LENGTH
from patron.domain.staff import EMAIL_PATTERN

TOKEN_BYTES = 32  # 256 random bits, 43 URL-safe characters
VALID_FOR = timedelta(minutes=15)
MAX_LINKS = 3  # links made for one address within WINDOW
WINDOW = timedelta(minutes=15)
# a token as sent: URL-safe base64 of TOKEN_BYTES bytes is 43 characters; a longer text is
# no token of ours and is not hashed
MAX_TOKEN_LENGTH = 100


class Refusal(StrEnum):
    """Why a link does not log in, each told apart: none of them reveals anything."""

    UNKNOWN = "unknown"  # no link has this token (mistyped, cut, or from another server)
    USED = "used"  # the link logged in once already
    EXPIRED = "expired"  # VALID_FOR has passed since it was made
    ERASED = "erased"  # the member's personal data was erased since


@dataclass(frozen=True, slots=True)
class LoginLink:
    id: int
    member_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def checked_address(text: str) -> str:
    """The address a member typed, as it is looked up: trimmed and lower-cased (members'
    addresses are compared without regard to case). Its shape is checked, not whether a
    member has it: that is never told."""
    address = text.strip().lower()
    if len(address) > EMAIL_LENGTH or not EMAIL_PATTERN.fullmatch(address):
        raise InvalidInput(f"email: {text.strip()[:100]!r} is not an e-mail address")
    return address


def token_hash(token: str) -> str:
    """The SHA-256 of a token, in hex: all the store keeps of it. A token has 256 random
    bits, so a plain hash (no salt, no stretching) is as strong as the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(created_at: datetime) -> datetime:
    return created_at + VALID_FOR


def refusal(link: LoginLink | None, now: datetime) -> Refusal | None:
    """Why `link` cannot log in at `now`, or None when it can. A used link is told as used
    even once it has expired too: that is what the member did."""
    if link is None:
        return Refusal.UNKNOWN
    if link.used_at is not None:
        return Refusal.USED
    if now >= link.expires_at:
        return Refusal.EXPIRED
    return None


def window_start(now: datetime) -> datetime:
    """Links made after this moment count against the limit: a link made at 09:00 counts
    until 09:15, when it leaves the window."""
    return now - WINDOW


def may_send(links_in_window: int) -> bool:
    """Whether one more link may be made for an address that had `links_in_window` made
    for it since `window_start`."""
    return links_in_window < MAX_LINKS
