"""Staff users: the people who run the program in the console, each with a role.

An owner does everything, including managing staff and API keys; a marketer changes the
program's data (members' points, rewards, campaigns) but not who has access; an analyst
reads. Every change a person makes is audited under `user:<email>`, so staff are named by
their e-mail, compared without regard to case.

Logins are limited per user: after `MAX_FAILED_LOGINS` wrong passwords in a row the user
is locked for `LOCKOUT` (a correct password during the lock is refused too, or the lock
would tell a guesser when they were right); a successful login clears the count. The
console adds a limit per client address on top (issue 13).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from patron.domain.errors import InvalidInput
from patron.domain.limits import ACTOR_LENGTH

ACTOR_PREFIX = "user:"
EMAIL_LENGTH = ACTOR_LENGTH - len(ACTOR_PREFIX)  # the actor must fit the audit log
NAME_LENGTH = 200
MIN_PASSWORD = 12
# Argon2 hashes whatever it is given; a cap keeps a login form from being a way to make
# the server hash megabytes
MAX_PASSWORD = 1024
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

# one @, something on both sides, a dot in the domain, no spaces or angle brackets: a
# sanity check, not RFC 5322 (the magic links of issue 13 prove an address works)
EMAIL_PATTERN = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")


class Role(StrEnum):
    OWNER = "owner"
    MARKETER = "marketer"
    ANALYST = "analyst"

    @property
    def may_change(self) -> bool:
        """Whether this role may change data (adjust points, load a program...)."""
        return self is not Role.ANALYST

    @property
    def may_manage_access(self) -> bool:
        """Whether this role may create, change or disable staff users and API keys."""
        return self is Role.OWNER


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    email: str
    name: str | None
    role: Role
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None
    failed_logins: int
    locked_until: datetime | None
    sessions_after: datetime | None = None  # sessions issued before it are over

    def session_valid(self, issued_at: datetime) -> bool:
        """Whether a session issued at `issued_at` still stands: not before a logout, a new
        password or a disable ended the earlier ones (and the user is not disabled)."""
        if self.disabled_at is not None:
            return False
        return self.sessions_after is None or issued_at >= self.sessions_after

    @property
    def actor(self) -> str:
        return f"{ACTOR_PREFIX}{self.email}"

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def checked_email(text: str) -> str:
    """The address as staff are named by: trimmed and lower-cased."""
    email = text.strip().lower()
    if len(email) > EMAIL_LENGTH:
        raise InvalidInput(f"email: at most {EMAIL_LENGTH} characters, not {len(email)}")
    if not EMAIL_PATTERN.fullmatch(email):
        raise InvalidInput(f"email: {text!r} is not an e-mail address")
    return email


def checked_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"role: {text!r} is not one of {roles}") from None


def checked_name(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    name = text.strip()
    if len(name) > NAME_LENGTH or any(ord(c) < 32 for c in name):
        raise InvalidInput(f"name: at most {NAME_LENGTH} printable characters")
    return name


def checked_password(password: str) -> str:
    """A password long enough to resist guessing (NIST SP 800-63B: length, not character
    classes) and short enough to hash."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: at least {MIN_PASSWORD} characters, not {len(password)}")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"password: at most {MAX_PASSWORD} characters")
    if password != password.strip() or "\x00" in password:
        raise InvalidInput("password: no leading or trailing spaces and no NUL character")
    return password


def after_failure(failed_logins: int, now: datetime) -> tuple[int, datetime | None]:
    """The count of failures in a row after one more, and the lock it sets (None: none)."""
    failed = failed_logins + 1
    return failed, now + LOCKOUT if failed >= MAX_FAILED_LOGINS else None
