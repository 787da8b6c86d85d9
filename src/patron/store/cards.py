"""Loyalty cards in the store: batches printed, cards linked, blocked and replaced.

Every change of a card is one conditional statement (its RETURNING says whether it
changed a row), so two tills racing for one card
cannot both win, on SQLite or PostgreSQL: linking an issued card updates it only while it
is still `issued`, linking an external card inserts it only while no row has its number
(ON CONFLICT DO NOTHING), and blocking updates it only while it is not blocked. Each
answers whether it changed the row; the use case (services/cards.py) says why not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.cards import Card, CardStatus
from patron.store import tables as t
from patron.store.base import Repo

_C, _M = t.cards, t.members
_INSERT_NEW = {
    name: dialect.insert(_C)
    .on_conflict_do_nothing(index_elements=[_C.c.number])
    .returning(_C.c.number)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
ISSUED, ACTIVE, BLOCKED = CardStatus.ISSUED.value, CardStatus.ACTIVE.value, CardStatus.BLOCKED.value


def _card(row: Any) -> Card:
    return Card(
        number=row.number,
        status=CardStatus(row.status),
        member_id=None if row.member_id is None else int(row.member_id),
        batch=row.batch,
        created_at=row.created_at,
        linked_at=row.linked_at,
        blocked_at=row.blocked_at,
        replaced_by=row.replaced_by,
    )


class Cards(Repo):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._insert_new = _INSERT_NEW[conn.dialect.name]

    def add_issued(self, numbers: Sequence[str], batch: str, at: datetime) -> None:
        """A printing batch: the numbers, issued to nobody yet."""
        rows = [{"number": n, "status": ISSUED, "batch": batch, "created_at": at} for n in numbers]
        if rows:
            self.conn.execute(_C.insert(), rows)

    def taken(self, numbers: Iterable[str]) -> set[str]:
        """Those of `numbers` that some card already has."""
        wanted = list(numbers)
        found: set[str] = set()
        for i in range(0, len(wanted), 1000):
            query = select(_C.c.number).where(_C.c.number.in_(wanted[i : i + 1000]))
            found.update(self.conn.execute(query).scalars())
        return found

    def get(self, number: str) -> Card | None:
        row = self.conn.execute(select(_C).where(_C.c.number == number)).first()
        return _card(row) if row else None

    def holder(self, number: str) -> int | None:
        """The member an active card finds (not an erased one), or None."""
        query = (
            select(_C.c.member_id)
            .join(_M, _M.c.id == _C.c.member_id)
            .where(_C.c.number == number, _C.c.status == ACTIVE, _M.c.erased_at.is_(None))
        )
        found = self.conn.execute(query).scalar()
        return None if found is None else int(found)

    def link_issued(self, number: str, member_id: int, at: datetime) -> bool:
        """Link an issued card to the member, if it is still issued."""
        done = self.conn.execute(
            update(_C)
            .where(_C.c.number == number, _C.c.status == ISSUED)
            .values(status=ACTIVE, member_id=member_id, linked_at=at)
            .returning(_C.c.number)
        )
        return done.first() is not None

    def add_linked(
        self, number: str, member_id: int, at: datetime, batch: str | None = None
    ) -> bool:
        """A card of the member's that no batch holds (an external card, or a digital one
        made for them), if no card has its number yet."""
        values = {
            "number": number,
            "status": ACTIVE,
            "member_id": member_id,
            "batch": batch,
            "created_at": at,
            "linked_at": at,
        }
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT
        return self.conn.execute(self._insert_new, values).first() is not None

    def block(self, number: str, at: datetime, replaced_by: str | None = None) -> bool:
        """Block a card that is not blocked yet; it finds nobody from now on."""
        done = self.conn.execute(
            update(_C)
            .where(_C.c.number == number, _C.c.status != BLOCKED)
            .values(status=BLOCKED, blocked_at=at, replaced_by=replaced_by)
            .returning(_C.c.number)
        )
        return done.first() is not None

    def set_replaced_by(self, number: str, new: str) -> None:
        self.conn.execute(update(_C).where(_C.c.number == number).values(replaced_by=new))

    def of_member(self, member_id: int) -> list[Card]:
        """The member's cards, the newest linked first."""
        query = (
            select(_C)
            .where(_C.c.member_id == member_id)
            .order_by(_C.c.linked_at.desc(), _C.c.id.desc())
        )
        return [_card(r) for r in self.conn.execute(query)]

    def current(self, member_id: int) -> str | None:
        """The member's newest active card, or None."""
        return next(
            (c.number for c in self.of_member(member_id) if c.status is CardStatus.ACTIVE), None
        )

    def batch(self, batch: str) -> list[Card]:
        query = select(_C).where(_C.c.batch == batch).order_by(_C.c.id)
        return [_card(r) for r in self.conn.execute(query)]

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(_C)).scalar_one())

    def erase_member(self, member_id: int, at: datetime) -> list[str]:
        """Erasure: the member's cards are blocked and linked to nobody (the numbers stay,
        so a card found later is never linked to someone else); their numbers."""
        numbers = [c.number for c in self.of_member(member_id)]
        self.conn.execute(
            update(_C)
            .where(_C.c.member_id == member_id)
            .values(
                status=BLOCKED,
                member_id=None,
                blocked_at=func.coalesce(_C.c.blocked_at, at),
            )
        )
        return numbers
