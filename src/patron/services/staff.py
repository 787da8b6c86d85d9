"""Staff users: created with a role, listed, their role or password changed, disabled and
enabled again, and a login checked. Every change is audited under the acting person.

Passwords are hashed with Argon2id (RFC 9106's low-memory profile: 64 MiB, 3 passes, 4
lanes); a hash made with older parameters is replaced at the next good login. A login
answers the same way, and takes the same time, whether the e-mail is unknown, the user
disabled or the password wrong: only the user's own lock is told apart, after it is set,
so a guesser learns nothing about which addresses exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from patron.domain.audit import AuditAction
from patron.domain.errors import InvalidInput, LastOwner, NotFound, StaffUserExists
from patron.domain.staff import (
    MAX_PASSWORD,
    Role,
    StaffUser,
    after_failure,
    checked_email,
    checked_name,
    checked_password,
    checked_role,
)
from patron.store.staff import NewStaffUser
from patron.store.uow import UnitOfWork

_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so that such a login costs what a real
    one costs (made on first use: a hash takes tens of milliseconds)."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class NewUser:
    email: str
    role: str
    name: str | None = None
    password: str | None = None  # None: one is generated and shown once


@dataclass(frozen=True)
class Created:
    user: StaffUser
    password: str | None  # the generated password, shown once; None when one was given


@dataclass(frozen=True)
class Login:
    email: str
    password: str


class LoginOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # unknown e-mail, disabled user or wrong password: not told apart
    LOCKED = "locked"  # too many wrong passwords in a row: wait for the lock to end


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    user: StaffUser | None = None  # the user, for OK only


def generated_password() -> str:
    """20 characters from 15 random bytes: 120 bits, typed once and then changed."""
    return secrets.token_urlsafe(15)


def create_user(uow: UnitOfWork, new: NewUser, actor: str) -> Created:
    email = checked_email(new.email)
    role = checked_role(new.role)
    name = checked_name(new.name)
    generated = generated_password() if new.password is None else None
    password = checked_password(new.password if new.password is not None else str(generated))
    existing = uow.staff.by_email(email)
    if existing is not None:
        raise StaffUserExists(f"a staff user {email} exists", user_id=existing.id)
    uow.staff.add(NewStaffUser(email, name, role, _hasher.hash(password), uow.now))
    user = _user(uow, email)
    details = {"email": email, "role": role.value}
    uow.audit.record(uow.now, actor, AuditAction.USER_CREATED, None, None, details)
    return Created(user, generated)


def list_users(uow: UnitOfWork) -> list[StaffUser]:
    return uow.staff.all()


def log_out(uow: UnitOfWork, email: str) -> None:
    """End every session of the user issued until now (this browser's and any other)."""
    user = uow.staff.by_email(email)
    if user is not None:
        uow.staff.end_sessions(user.id, uow.now)


def active_user(uow: UnitOfWork, email: str) -> StaffUser | None:
    """The user a session names, while they may still act (None once disabled)."""
    user = uow.staff.by_email(email)
    return user if user is not None and user.disabled_at is None else None


def set_role(uow: UnitOfWork, email: str, role: str, actor: str) -> StaffUser:
    user = _user(uow, checked_email(email), lock=True)
    new_role = checked_role(role)
    if user.role is Role.OWNER and new_role is not Role.OWNER:
        _keep_an_owner(uow, user)
    uow.staff.set_role(user.id, new_role)
    details = {"email": user.email, "from": user.role.value, "to": new_role.value}
    uow.audit.record(uow.now, actor, AuditAction.USER_ROLE_CHANGED, None, None, details)
    return _user(uow, user.email)


def set_password(uow: UnitOfWork, email: str, password: str | None, actor: str) -> Created:
    """A new password (generated when None), which also lifts a lock."""
    user = _user(uow, checked_email(email), lock=True)
    generated = generated_password() if password is None else None
    checked = checked_password(password if password is not None else str(generated))
    uow.staff.set_password_hash(user.id, _hasher.hash(checked))
    uow.staff.end_sessions(user.id, uow.now)  # whoever knew the old one is logged out
    details = {"email": user.email}
    uow.audit.record(uow.now, actor, AuditAction.USER_PASSWORD_SET, None, None, details)
    return Created(_user(uow, user.email), generated)


def disable_user(uow: UnitOfWork, email: str, actor: str) -> StaffUser:
    """The user can no longer log in; the history of what they did stays theirs."""
    user = _user(uow, checked_email(email), lock=True)
    if user.disabled_at is None:
        if user.role is Role.OWNER:
            _keep_an_owner(uow, user)
        uow.staff.disable(user.id, uow.now)
        uow.staff.end_sessions(user.id, uow.now)
        details = {"email": user.email}
        uow.audit.record(uow.now, actor, AuditAction.USER_DISABLED, None, None, details)
    return _user(uow, user.email)


def enable_user(uow: UnitOfWork, email: str, actor: str) -> StaffUser:
    user = _user(uow, checked_email(email), lock=True)
    if user.disabled_at is not None:
        uow.staff.enable(user.id)
        uow.staff.end_sessions(user.id, uow.now)  # the sessions before the disable stay over
        details = {"email": user.email}
        uow.audit.record(uow.now, actor, AuditAction.USER_ENABLED, None, None, details)
    return _user(uow, user.email)


def log_in(uow: UnitOfWork, login: Login) -> LoginResult:
    """Check a password. The result is returned, never raised, so that the failure count
    is committed with it."""
    try:
        email = checked_email(login.email)
    except InvalidInput:
        email = None
    user = None if email is None else uow.staff.by_email(email, lock=True)
    if user is None or len(login.password) > MAX_PASSWORD:
        _verify(_dummy_hash(), login.password[:MAX_PASSWORD])
        return LoginResult(LoginOutcome.REFUSED)
    stored = uow.staff.password_hash(user.id)
    good = _verify(stored, login.password)
    if user.locked(uow.now):
        return LoginResult(LoginOutcome.LOCKED)
    if not good or user.disabled_at is not None:
        if user.disabled_at is None:
            failed, locked_until = after_failure(user.failed_logins, uow.now)
            uow.staff.login_failed(user.id, failed, locked_until)
            if locked_until is not None:
                return LoginResult(LoginOutcome.LOCKED)
        return LoginResult(LoginOutcome.REFUSED)
    if _hasher.check_needs_rehash(stored):
        uow.staff.set_password_hash(user.id, _hasher.hash(login.password))
    uow.staff.logged_in(user.id, uow.now)
    return LoginResult(LoginOutcome.OK, _user(uow, user.email))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _user(uow: UnitOfWork, email: str, *, lock: bool = False) -> StaffUser:
    user = uow.staff.by_email(email, lock=lock)
    if user is None:
        raise NotFound(f"no staff user {email}")
    return user


def _keep_an_owner(uow: UnitOfWork, user: StaffUser) -> None:
    if user.disabled_at is None and uow.staff.count_active_owners() <= 1:
        raise LastOwner(
            f"{user.email} is the last active owner: make another user owner first",
            user_id=user.id,
        )
