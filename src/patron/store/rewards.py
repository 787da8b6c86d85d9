"""The rewards catalog: what the program file offers, with the stock left of each.

The catalog is the program's rewards as of the last load (`sync`), plus what the store
alone knows: how many of a limited reward are left after redemptions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, insert, select, update

from patron.domain.program import Program
from patron.domain.redemption import CatalogReward
from patron.store import tables as t
from patron.store.base import Repo, decimal

_R = t.rewards


def _reward(row: Row[Any]) -> CatalogReward:
    return CatalogReward(
        id=row.id,
        name=row.name,
        kind=row.kind,
        points=int(row.points),
        cost=decimal(row.cost),
        value=decimal(row.value) if row.value is not None else None,
        stock=int(row.stock) if row.stock is not None else None,
        tiers=tuple(row.tiers or ()),
        description=row.description,
        active=bool(row.active),
    )


class Rewards(Repo):
    def sync(self, program: Program, previous: Program | None) -> None:
        """Make the catalog match the program: new rewards added, removed ones deactivated.

        A reward's `stock` in the file is the count available from the moment the file is
        loaded: when it differs from the previous version's (3 -> 5, or omitted for
        unlimited), the catalog takes it; when it is the same, the count left after
        redemptions is kept, so reloading an unchanged file restocks nothing.
        """
        existing = set(self.conn.execute(select(_R.c.id)).scalars())
        self.conn.execute(update(_R).values(active=False))
        for reward in program.rewards:
            values: dict[str, object] = {
                "name": reward.name,
                "kind": reward.kind.value,
                "points": reward.points,
                "cost": reward.cost,
                "value": reward.value,
                "tiers": list(reward.tiers),
                "description": reward.description,
                "active": True,
            }
            if reward.id in existing:
                before = previous.reward(reward.id) if previous is not None else None
                if before is None or before.stock != reward.stock:
                    values["stock"] = reward.stock
                self.conn.execute(update(_R).where(_R.c.id == reward.id).values(values))
            else:
                self.conn.execute(insert(_R).values(id=reward.id, stock=reward.stock, **values))

    def active(self) -> list[CatalogReward]:
        """The active catalog, cheapest first."""
        query = select(_R).where(_R.c.active.is_(True)).order_by(_R.c.points)
        return [_reward(r) for r in self.conn.execute(query)]

    def get(self, reward_id: str, *, lock: bool = False) -> CatalogReward | None:
        query = select(_R).where(_R.c.id == reward_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return _reward(row) if row is not None else None

    def take_one(self, reward_id: str) -> bool:
        """Take one of a reward's stock; False when none is left. A conditional UPDATE
        checked by its row count, so concurrent redemptions never take the stock below
        zero whatever the isolation (an unlimited reward always has one to give)."""
        taken = self.conn.execute(
            update(_R)
            .where(_R.c.id == reward_id, _R.c.stock.is_not(None), _R.c.stock > 0)
            .values(stock=_R.c.stock - 1)
        )
        if taken.rowcount == 1:
            return True
        unlimited = select(_R.c.id).where(_R.c.id == reward_id, _R.c.stock.is_(None))
        return self.conn.execute(unlimited).first() is not None

    def change_stock(self, reward_id: str, delta: int) -> None:
        """Move a limited reward's stock by `delta` (an unlimited one has none to move)."""
        self.conn.execute(
            update(_R)
            .where(_R.c.id == reward_id, _R.c.stock.is_not(None))
            .values(stock=_R.c.stock + delta)
        )
