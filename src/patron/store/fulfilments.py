"""Fulfilments: the code, expiry and state of each redemption of a discount, gift or
service (domain/fulfilment.py), and the totals of the causes members gave to.

A state moves only from `issued`, by a conditional UPDATE whose row count says whether
this transaction moved it: of two tills using one code at once, one moves it and the
other finds it used, on either store (PostgreSQL re-reads the row once the first commits;
SQLite runs one writer at a time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, select, update

from patron.domain.fulfilment import CauseTotal, Fulfilment, FulfilmentState
from patron.domain.money import quantize_money
from patron.domain.program import RewardKind
from patron.domain.records import RedemptionStatus
from patron.store import tables as t
from patron.store.base import Repo, decimal

_F = t.fulfilments
_R = t.redemptions
_W = t.rewards


def _fulfilment(row: Row[Any]) -> Fulfilment:
    return Fulfilment(
        redemption_id=int(row.redemption_id),
        member_id=int(row.member_id),
        reward_id=row.reward_id,
        kind=row.kind,
        code=row.code,
        state=FulfilmentState(row.state),
        created_at=row.created_at,
        expires_at=row.expires_at,
        done_at=row.done_at,
        done_by=row.done_by,
        transaction_id=row.transaction_id,
        reward_name=row.name or "",
    )


def _select() -> Any:
    return select(_F, _W.c.name).join(_W, _W.c.id == _F.c.reward_id)


class Fulfilments(Repo):
    def add(self, new: Fulfilment) -> None:
        self.conn.execute(
            insert(_F).values(
                redemption_id=new.redemption_id,
                member_id=new.member_id,
                reward_id=new.reward_id,
                kind=new.kind,
                code=new.code,
                state=new.state.value,
                created_at=new.created_at,
                expires_at=new.expires_at,
            )
        )

    def code_taken(self, code: str) -> bool:
        return self.conn.execute(select(_F.c.code).where(_F.c.code == code)).first() is not None

    def by_code(self, code: str) -> Fulfilment | None:
        row = self.conn.execute(_select().where(_F.c.code == code)).first()
        return _fulfilment(row) if row is not None else None

    def of_redemption(self, redemption_id: int) -> Fulfilment | None:
        row = self.conn.execute(_select().where(_F.c.redemption_id == redemption_id)).first()
        return _fulfilment(row) if row is not None else None

    def of_member(self, member_id: int, limit: int = 100) -> list[Fulfilment]:
        """The member's fulfilments, newest first."""
        query = (
            _select()
            .where(_F.c.member_id == member_id)
            .order_by(_F.c.created_at.desc(), _F.c.redemption_id.desc())
            .limit(limit)
        )
        return [_fulfilment(r) for r in self.conn.execute(query)]

    def waiting(self, limit: int = 200) -> list[Fulfilment]:
        """Gifts and services issued and not yet handed over, oldest first (the queue)."""
        query = (
            _select()
            .where(
                _F.c.state == FulfilmentState.ISSUED.value,
                _F.c.kind.in_([RewardKind.GIFT.value, RewardKind.SERVICE.value]),
            )
            .order_by(_F.c.created_at, _F.c.redemption_id)
            .limit(limit)
        )
        return [_fulfilment(r) for r in self.conn.execute(query)]

    def finish(
        self,
        redemption_id: int,
        to: FulfilmentState,
        at: datetime,
        by: str | None,
        transaction_id: str | None = None,
    ) -> bool:
        """Move an issued fulfilment to `to`; False when it was not issued any more (another
        transaction moved it first)."""
        moved = self.conn.execute(
            update(_F)
            .where(_F.c.redemption_id == redemption_id, _F.c.state == FulfilmentState.ISSUED.value)
            .values(state=to.value, done_at=at, done_by=by, transaction_id=transaction_id)
        )
        return moved.rowcount == 1

    def taken_since(self, member_id: int, reward_id: str, since: datetime | None) -> int:
        """The member's redemptions of `reward_id` not cancelled, made at or after `since`
        (None: ever); read under the member's lock, so concurrent ones count."""
        query = (
            select(func.count())
            .select_from(_R)
            .where(
                _R.c.member_id == member_id,
                _R.c.reward_id == reward_id,
                _R.c.status == RedemptionStatus.COMPLETED.value,
            )
        )
        if since is not None:
            query = query.where(_R.c.created_at >= since)
        return int(self.conn.execute(query).scalar_one())

    def cause_totals(self) -> list[CauseTotal]:
        """The causes of the catalog (the active ones, and those no longer active that were
        given to), with what members gave: redemptions not cancelled, their points,
        distinct members and cost."""
        given = and_(_R.c.reward_id == _W.c.id, _R.c.status == RedemptionStatus.COMPLETED.value)
        query = (
            select(
                _W.c.id,
                _W.c.name,
                func.count(_R.c.id),
                func.coalesce(func.sum(_R.c.points), 0),
                func.count(func.distinct(_R.c.member_id)),
                func.coalesce(func.sum(_R.c.cost), 0),
                _W.c.active,
            )
            .select_from(_W.outerjoin(_R, given))
            .where(_W.c.kind == RewardKind.CAUSE.value)
            .group_by(_W.c.id, _W.c.name, _W.c.active)
            .order_by(_W.c.id)
        )
        return [
            CauseTotal(
                row[0],
                row[1],
                int(row[2]),
                int(row[3]),
                int(row[4]),
                quantize_money(decimal(row[5])),
            )
            for row in self.conn.execute(query)
            if row[6] or row[2]
        ]
