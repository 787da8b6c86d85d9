"""Members' birthdays and the birthday bonuses granted (services/birthdays.py).

A birthday is one row per member, replaced when the member or staff change it and
deleted on erasure. A grant is one row per member and year, its primary key the backstop
that keeps two runs from granting the same year twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select

from patron.domain.birthdays import Birthday
from patron.store import tables as t
from patron.store.base import Repo

_B, _G, _M = t.member_birthdays, t.birthday_grants, t.members


@dataclass(frozen=True, slots=True)
class BirthdayGrant:
    member_id: int
    year: int
    granted_at: datetime
    points: int
    entry_id: int | None
    redemption_id: int | None


class Birthdays(Repo):
    def of(self, member_id: int) -> Birthday | None:
        row = self.conn.execute(select(_B).where(_B.c.member_id == member_id)).first()
        return Birthday(int(row.month), int(row.day), row.year) if row is not None else None

    def set(self, member_id: int, birthday: Birthday | None) -> None:
        """Replace the member's birthday (None: forget it)."""
        self.conn.execute(delete(_B).where(_B.c.member_id == member_id))
        if birthday is not None:
            self.conn.execute(
                insert(_B).values(
                    member_id=member_id,
                    month=birthday.month,
                    day=birthday.day,
                    year=birthday.year,
                )
            )

    def of_members_not_erased(self) -> list[tuple[int, Birthday]]:
        """Every member with a birthday whose personal data is not erased, by id."""
        rows = self.conn.execute(
            select(_B.c.member_id, _B.c.month, _B.c.day, _B.c.year)
            .join(_M, _M.c.id == _B.c.member_id)
            .where(_M.c.erased_at.is_(None))
            .order_by(_B.c.member_id)
        )
        return [(int(r.member_id), Birthday(int(r.month), int(r.day), r.year)) for r in rows]

    def granted(self, member_id: int, year: int) -> bool:
        found = select(_G.c.year).where(_G.c.member_id == member_id, _G.c.year == year)
        return self.conn.execute(found).first() is not None

    def grant(self, grant: BirthdayGrant) -> None:
        self.conn.execute(
            insert(_G).values(
                member_id=grant.member_id,
                year=grant.year,
                granted_at=grant.granted_at,
                points=grant.points,
                entry_id=grant.entry_id,
                redemption_id=grant.redemption_id,
            )
        )

    def grants_of(self, member_id: int) -> list[BirthdayGrant]:
        rows = self.conn.execute(select(_G).where(_G.c.member_id == member_id).order_by(_G.c.year))
        return [
            BirthdayGrant(
                int(r.member_id), int(r.year), r.granted_at, int(r.points), r.entry_id,
                r.redemption_id,
            )
            for r in rows
        ]  # fmt: skip

    def forget(self, member_id: int) -> None:
        """Erasure: the birthday goes (the grants stay: they are the ledger's)."""
        self.conn.execute(delete(_B).where(_B.c.member_id == member_id))
