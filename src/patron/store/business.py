"""Business customers in the store: the company a member is, its buyers (removed ones
kept, so a purchase keeps its buyer), the buyer of each purchase, and the uses of the
entitlements of its tier.

Counting an entitlement's uses and adding one are two statements: the use case
(services/business.py) runs them with the business's member row locked, which is what
keeps concurrent uses within the quantity on PostgreSQL (SQLite's writers queue on
BEGIN IMMEDIATE anyway).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from patron.domain.business import Business, Buyer, EntitlementUse
from patron.store import tables as t
from patron.store.base import Repo

_B, _U, _P, _E, _S = (
    t.businesses,
    t.business_buyers,
    t.buyer_purchases,
    t.entitlement_uses,
    t.staff_users,
)
_BUSINESS = select(_B, _S.c.email.label("manager")).outerjoin(
    _S, _S.c.id == _B.c.account_manager_id
)


def _business(row: Any) -> Business:
    return Business(
        member_id=int(row.member_id),
        company_name=row.company_name,
        vat_number=row.vat_number,
        account_manager=row.manager,
        created_at=row.created_at,
    )


def _buyer(row: Any) -> Buyer:
    return Buyer(
        id=int(row.id),
        member_id=int(row.member_id),
        name=row.name,
        email=row.email,
        phone=row.phone,
        card=row.card,
        added_at=row.added_at,
        removed_at=row.removed_at,
    )


def _use(row: Any) -> EntitlementUse:
    return EntitlementUse(
        id=int(row.id),
        member_id=int(row.member_id),
        entitlement=row.entitlement,
        used_at=row.used_at,
        actor=row.actor,
        note=row.note,
    )


class Businesses(Repo):
    def add(
        self,
        member_id: int,
        company_name: str,
        vat_number: str,
        manager_id: int | None,
        at: datetime,
    ) -> None:
        values = {
            "member_id": member_id,
            "company_name": company_name,
            "vat_number": vat_number,
            "account_manager_id": manager_id,
            "created_at": at,
        }
        self.conn.execute(insert(_B), values)

    def get(self, member_id: int) -> Business | None:
        row = self.conn.execute(_BUSINESS.where(_B.c.member_id == member_id)).first()
        return _business(row) if row else None

    def set_manager(self, member_id: int, manager_id: int | None) -> None:
        self.conn.execute(
            update(_B).where(_B.c.member_id == member_id).values(account_manager_id=manager_id)
        )

    def add_buyer(
        self,
        member_id: int,
        name: str,
        email: str | None,
        phone: str | None,
        card: str | None,
        at: datetime,
    ) -> int:
        values = {
            "member_id": member_id,
            "name": name,
            "email": email,
            "phone": phone,
            "card": card,
            "added_at": at,
        }
        return int(self.conn.execute(insert(_U).returning(_U.c.id), values).scalar_one())

    def buyer(self, buyer_id: int) -> Buyer | None:
        row = self.conn.execute(select(_U).where(_U.c.id == buyer_id)).first()
        return _buyer(row) if row else None

    def buyers(self, member_id: int, *, removed: bool = False) -> list[Buyer]:
        """The business's buyers in the order they were added (`removed`: those too)."""
        query = select(_U).where(_U.c.member_id == member_id)
        if not removed:
            query = query.where(_U.c.removed_at.is_(None))
        return [_buyer(r) for r in self.conn.execute(query.order_by(_U.c.id))]

    def active_buyers(
        self, *, email: str | None = None, phone: str | None = None, card: str | None = None
    ) -> list[Buyer]:
        """The buyers not removed who have this e-mail, phone or card (the one given)."""
        query = select(_U).where(_U.c.removed_at.is_(None))
        if email is not None:
            query = query.where(_U.c.email == email)
        elif phone is not None:
            query = query.where(_U.c.phone == phone)
        else:
            query = query.where(_U.c.card == card)
        return [_buyer(r) for r in self.conn.execute(query.order_by(_U.c.id))]

    def remove_buyer(self, buyer_id: int, at: datetime) -> bool:
        """Remove a buyer still active; whether one was."""
        done = self.conn.execute(
            update(_U)
            .where(_U.c.id == buyer_id, _U.c.removed_at.is_(None))
            .values(removed_at=at)
            .returning(_U.c.id)
        )
        return done.first() is not None

    def record_purchase(self, purchase_id: int, member_id: int, buyer_id: int) -> None:
        values = {"purchase_id": purchase_id, "member_id": member_id, "buyer_id": buyer_id}
        self.conn.execute(insert(_P), values)

    def buyer_of(self, purchase_id: int) -> int | None:
        found = self.conn.execute(
            select(_P.c.buyer_id).where(_P.c.purchase_id == purchase_id)
        ).scalar()
        return None if found is None else int(found)

    def purchases_by_buyer(self, member_id: int) -> dict[int, int]:
        """How many of the business's purchases each buyer made, by buyer id."""
        query = (
            select(_P.c.buyer_id, func.count())
            .where(_P.c.member_id == member_id)
            .group_by(_P.c.buyer_id)
        )
        return {int(b): int(n) for b, n in self.conn.execute(query)}

    def uses_between(self, member_id: int, start: datetime, end: datetime) -> dict[str, int]:
        """The number of uses of each entitlement in [start, end), by entitlement id."""
        query = (
            select(_E.c.entitlement, func.count())
            .where(_E.c.member_id == member_id, _E.c.used_at >= start, _E.c.used_at < end)
            .group_by(_E.c.entitlement)
        )
        return {str(e): int(n) for e, n in self.conn.execute(query)}

    def count_uses(self, member_id: int, entitlement: str, start: datetime, end: datetime) -> int:
        query = (
            select(func.count())
            .select_from(_E)
            .where(
                _E.c.member_id == member_id,
                _E.c.entitlement == entitlement,
                _E.c.used_at >= start,
                _E.c.used_at < end,
            )
        )
        return int(self.conn.execute(query).scalar_one())

    def add_use(
        self, member_id: int, entitlement: str, at: datetime, actor: str, note: str | None
    ) -> EntitlementUse:
        values = {
            "member_id": member_id,
            "entitlement": entitlement,
            "used_at": at,
            "actor": actor,
            "note": note,
        }
        new_id = self.conn.execute(insert(_E).returning(_E.c.id), values).scalar_one()
        return EntitlementUse(int(new_id), member_id, entitlement, at, actor, note)

    def uses(self, member_id: int, limit: int = 50) -> list[EntitlementUse]:
        """The business's latest uses of its entitlements, the newest first."""
        query = (
            select(_E)
            .where(_E.c.member_id == member_id)
            .order_by(_E.c.used_at.desc(), _E.c.id.desc())
            .limit(limit)
        )
        return [_use(r) for r in self.conn.execute(query)]

    def erase_buyers(self, member_id: int, at: datetime) -> int:
        """Erasure of the business: its buyers' personal data blanked, each removed (their
        rows stay, so its purchases keep a buyer); how many there were."""
        done = self.conn.execute(
            update(_U)
            .where(_U.c.member_id == member_id)
            .values(
                name="",
                email=None,
                phone=None,
                card=None,
                removed_at=func.coalesce(_U.c.removed_at, at),
            )
        )
        return int(done.rowcount or 0)
