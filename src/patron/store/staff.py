"""The staff users repository: users as typed records; the password hash is read only by
`password_hash`, for the login that checks it, and never leaves the store otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from patron.domain.staff import Role, StaffUser
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_U = t.staff_users
_LISTED = [c for c in _U.c if c.name != "password_hash"]


@dataclass(frozen=True, slots=True)
class NewStaffUser:
    email: str  # lower case
    name: str | None
    role: Role
    password_hash: str
    created_at: datetime


def _user(row: Row[Any]) -> StaffUser:
    return StaffUser(
        id=int(row.id),
        email=row.email,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
        last_login_at=row.last_login_at,
        failed_logins=int(row.failed_logins),
        locked_until=row.locked_until,
        sessions_after=row.sessions_after,
    )


class StaffUsers(Repo):
    def add(self, new: NewStaffUser) -> int:
        values = {
            "email": new.email,
            "name": new.name,
            "role": new.role.value,
            "password_hash": new.password_hash,
            "created_at": new.created_at,
            "failed_logins": 0,
        }
        return insert_row(self.conn, _U, values)

    def by_email(self, email: str, *, lock: bool = False) -> StaffUser | None:
        query = select(*_LISTED).where(_U.c.email == email)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _user(row) if row is not None else None

    def password_hash(self, user_id: int) -> str:
        return str(
            self.conn.execute(select(_U.c.password_hash).where(_U.c.id == user_id)).scalar_one()
        )

    def all(self) -> list[StaffUser]:
        return [_user(r) for r in self.conn.execute(select(*_LISTED).order_by(_U.c.id))]

    def count_active_owners(self) -> int:
        query = select(_U.c.id).where(_U.c.role == Role.OWNER.value, _U.c.disabled_at.is_(None))
        return len(self.conn.execute(query).all())

    def _update(self, user_id: int, values: dict[str, Any]) -> None:
        self.conn.execute(update(_U).where(_U.c.id == user_id).values(values))

    def logged_in(self, user_id: int, at: datetime) -> None:
        """A successful login: the failures in a row start again from zero."""
        self._update(user_id, {"last_login_at": at, "failed_logins": 0, "locked_until": None})

    def login_failed(self, user_id: int, failed_logins: int, locked_until: datetime | None) -> None:
        self._update(user_id, {"failed_logins": failed_logins, "locked_until": locked_until})

    def set_role(self, user_id: int, role: Role) -> None:
        self._update(user_id, {"role": role.value})

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """A new password; a lock set by wrong guesses is lifted with it."""
        self._update(
            user_id, {"password_hash": password_hash, "failed_logins": 0, "locked_until": None}
        )

    def end_sessions(self, user_id: int, at: datetime) -> None:
        """Every session issued before `at` is over (the cookies are signed, not stored)."""
        self._update(user_id, {"sessions_after": at})

    def disable(self, user_id: int, at: datetime) -> None:
        self._update(user_id, {"disabled_at": at})

    def enable(self, user_id: int) -> None:
        self._update(user_id, {"disabled_at": None})
