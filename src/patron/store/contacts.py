"""A member's phone and card, and their name as the member edits it in the portal.

Kept apart from `store/members.py`, whose statements the earn path runs: these columns
are read and written only by the portal's join and profile pages and by erasure."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from patron.store import tables as t
from patron.store.base import Repo

_M = t.members


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    card: str | None


class MemberContacts(Repo):
    def get(self, member_id: int) -> Contact:
        row = self.conn.execute(select(_M.c.phone, _M.c.card).where(_M.c.id == member_id)).one()
        return Contact(row.phone, row.card)

    def set(self, member_id: int, *, phone: str | None, card: str | None) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(phone=phone, card=card))

    def set_phone(self, member_id: int, phone: str | None) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(phone=phone))

    def set_name(self, member_id: int, name: str) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(name=name))

    def card_holder(self, card: str) -> int | None:
        """The member who holds `card`, or None."""
        found = self.conn.execute(select(_M.c.id).where(_M.c.card == card)).scalar()
        return None if found is None else int(found)
