"""Purchases awaiting a member: recorded under the customer's e-mail, phone or card, and
marked with the member and purchase they became once linked (domain/unclaimed.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update

from patron.domain.unclaimed import CustomerKeys, UnclaimedPurchase
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row

_U = t.unclaimed_purchases


def _unclaimed(row: Row[Any]) -> UnclaimedPurchase:
    return UnclaimedPurchase(
        id=int(row.id),
        order_id=row.order_id,
        occurred_at=row.occurred_at,
        total=decimal(row.total),
        currency=row.currency,
        keys=CustomerKeys(row.email, row.phone, row.card),
        body=dict(row.body),
        shop=row.shop,
        created_at=row.created_at,
        member_id=None if row.member_id is None else int(row.member_id),
        purchase_id=None if row.purchase_id is None else int(row.purchase_id),
        linked_at=row.linked_at,
    )


class UnclaimedPurchases(Repo):
    def add(self, new: UnclaimedPurchase) -> int:
        return insert_row(
            self.conn,
            _U,
            {
                "order_id": new.order_id,
                "occurred_at": new.occurred_at,
                "currency": new.currency,
                "total": new.total,
                "email": new.keys.email,
                "phone": new.keys.phone,
                "card": new.keys.card,
                "body": new.body,
                "shop": new.shop,
                "created_at": new.created_at,
            },
        )

    def by_order_id(self, order_id: str) -> UnclaimedPurchase | None:
        row = self.conn.execute(select(_U).where(_U.c.order_id == order_id)).first()
        return _unclaimed(row) if row else None

    def open_order(self, order_id: str) -> bool:
        """Whether `order_id` is held by a purchase that still awaits a member."""
        query = select(_U.c.id).where(_U.c.order_id == order_id, _U.c.member_id.is_(None))
        return self.conn.execute(query).first() is not None

    def open_for_email(self, email: str, *, lock: bool = False) -> list[UnclaimedPurchase]:
        """Purchases awaiting a member recorded with `email` (lower case), oldest first."""
        query = (
            select(_U)
            .where(func.lower(_U.c.email) == email.lower(), _U.c.member_id.is_(None))
            .order_by(_U.c.occurred_at, _U.c.id)
        )
        if lock:
            query = query.with_for_update()
        return [_unclaimed(r) for r in self.conn.execute(query)]

    def mark_linked(self, unclaimed_id: int, member_id: int, at: datetime) -> None:
        self.conn.execute(
            update(_U).where(_U.c.id == unclaimed_id).values(member_id=member_id, linked_at=at)
        )

    def set_purchase(self, unclaimed_id: int, purchase_id: int) -> None:
        self.conn.execute(update(_U).where(_U.c.id == unclaimed_id).values(purchase_id=purchase_id))

    def linked_to(self, member_id: int) -> list[UnclaimedPurchase]:
        query = select(_U).where(_U.c.member_id == member_id).order_by(_U.c.occurred_at, _U.c.id)
        return [_unclaimed(r) for r in self.conn.execute(query)]
