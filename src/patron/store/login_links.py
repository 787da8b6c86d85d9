"""The portal's magic links: the SHA-256 of each token with its member and times.

The token itself never reaches the store (domain/login_links.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update

from patron.domain.login_links import LoginLink
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_L = t.login_links


@dataclass(frozen=True, slots=True)
class NewLoginLink:
    member_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime


def _link(row: Row[Any]) -> LoginLink:
    return LoginLink(
        id=int(row.id),
        member_id=int(row.member_id),
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class LoginLinks(Repo):
    def add(self, new: NewLoginLink) -> int:
        values = {
            "member_id": new.member_id,
            "token_hash": new.token_hash,
            "created_at": new.created_at,
            "expires_at": new.expires_at,
        }
        return insert_row(self.conn, _L, values)

    def by_hash(self, token_hash: str, *, lock: bool = False) -> LoginLink | None:
        query = select(_L).where(_L.c.token_hash == token_hash)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _link(row) if row is not None else None

    def count_since(self, member_id: int, since: datetime) -> int:
        """Links made for the member after `since`, used or not."""
        query = select(func.count()).where(_L.c.member_id == member_id, _L.c.created_at > since)
        return int(self.conn.execute(query).scalar_one())

    def used_before(self, member_id: int, but: int | None = None) -> bool:
        """Whether a link of the member (other than the link `but`) was used: whether
        they ever proved their address."""
        query = select(func.count()).where(_L.c.member_id == member_id, _L.c.used_at.is_not(None))
        if but is not None:
            query = query.where(_L.c.id != but)
        return int(self.conn.execute(query).scalar_one()) > 0

    def mark_used(self, link_id: int, at: datetime) -> None:
        self.conn.execute(update(_L).where(_L.c.id == link_id).values(used_at=at))
