"""Redemptions: points spent on a reward or as a discount, and their cancellation.

A redemption is written `completed` with the ledger entry that spent its points, and may
later be `cancelled` (once: services/redeem.py checks it under the member's lock). A
till's `transaction_id` is unique per member (a constraint), so a sale sent twice finds
its first redemption (`by_transaction`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update

from patron.domain.records import RedemptionStatus
from patron.domain.redemption import NewRedemption, Redemption
from patron.store import tables as t
from patron.store.base import Repo, decimal, insert_row

_R = t.redemptions


def redemption(row: Row[Any]) -> Redemption:
    """A row of `redemptions` as the record (the member's export reads them too)."""
    return Redemption(
        id=int(row.id),
        member_id=int(row.member_id),
        reward_id=row.reward_id,
        points=int(row.points),
        value=decimal(row.value),
        cost=decimal(row.cost),
        currency=row.currency,
        status=RedemptionStatus(row.status),
        entry_id=int(row.entry_id) if row.entry_id is not None else None,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        transaction_id=row.transaction_id,
        shop=row.shop,
    )


class Redemptions(Repo):
    def add(self, new: NewRedemption) -> int:
        return insert_row(
            self.conn,
            _R,
            {
                "member_id": new.member_id,
                "reward_id": new.reward_id,
                "points": new.points,
                "value": new.value,
                "cost": new.cost,
                "currency": new.currency,
                "status": RedemptionStatus.COMPLETED.value,
                "created_at": new.created_at,
                "transaction_id": new.transaction_id,
                "shop": new.shop,
            },
        )

    def get(self, redemption_id: int, *, lock: bool = False) -> Redemption | None:
        query = select(_R).where(_R.c.id == redemption_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return redemption(row) if row is not None else None

    def by_transaction(self, member_id: int, transaction_id: str) -> Redemption | None:
        """The member's redemption made under the till's `transaction_id`, if any."""
        row = self.conn.execute(
            select(_R).where(_R.c.member_id == member_id, _R.c.transaction_id == transaction_id)
        ).first()
        return redemption(row) if row is not None else None

    def spent_by(self, redemption_id: int, entry_id: int) -> None:
        """Name the ledger entry that spent the redemption's points (written after it)."""
        self.conn.execute(update(_R).where(_R.c.id == redemption_id).values(entry_id=entry_id))

    def cancel(self, redemption_id: int, at: datetime) -> None:
        self.conn.execute(
            update(_R)
            .where(_R.c.id == redemption_id)
            .values(status=RedemptionStatus.CANCELLED.value, cancelled_at=at)
        )
