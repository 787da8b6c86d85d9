"""A member's phone and card, and their name as the member edits it in the portal.

Kept apart from `store/members.py`, whose statements the earn path runs: these columns
are read and written only by the portal's join and profile pages and by erasure. The
card is the member's newest active one (store/cards.py keeps every card they held)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from patron.domain.clock import utcnow
from patron.store import tables as t
from patron.store.base import Repo
from patron.store.cards import Cards

_M = t.members


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None
    card: str | None


class MemberContacts(Repo):
    def get(self, member_id: int) -> Contact:
        phone = self.conn.execute(select(_M.c.phone).where(_M.c.id == member_id)).scalar_one()
        return Contact(phone, Cards(self.conn).current(member_id))

    def set(
        self, member_id: int, *, phone: str | None, card: str | None, at: datetime | None = None
    ) -> None:
        """The phone, and a card added to the member's as it is (services/cards.py checks
        a card before it is linked)."""
        self.set_phone(member_id, phone)
        if card is not None:
            Cards(self.conn).add_linked(card, member_id, at or utcnow())

    def set_phone(self, member_id: int, phone: str | None) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(phone=phone))

    def set_name(self, member_id: int, name: str) -> None:
        self.conn.execute(update(_M).where(_M.c.id == member_id).values(name=name))

    def with_phone(self, phone: str) -> list[int]:
        """The members (not erased) who gave this phone, as kept (domain/joining.py); a
        phone is not unique, so there may be several, the newest enrolled first."""
        query = (
            select(_M.c.id)
            .where(_M.c.phone == phone, _M.c.erased_at.is_(None))
            .order_by(_M.c.enrolled_at.desc(), _M.c.id.desc())
            .limit(20)
        )
        return [int(i) for i in self.conn.execute(query).scalars()]
