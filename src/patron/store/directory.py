"""The member directory: the console's search over members (domain/directory.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from patron.domain.directory import MemberPage, MemberRow, MemberSearch, SortBy, like_pattern
from patron.store import tables as t
from patron.store.base import Repo

_M = t.members
_SORT = {
    SortBy.NAME: func.lower(func.coalesce(_M.c.name, "")),
    SortBy.EXTERNAL_ID: _M.c.external_id,
    SortBy.ENROLLED: _M.c.enrolled_at,
    SortBy.BALANCE: _M.c.balance,
    SortBy.SPEND: _M.c.lifetime_spend,
    SortBy.PURCHASES: _M.c.purchase_count,
}
_ROW = [
    _M.c.id, _M.c.external_id, _M.c.name, _M.c.email, _M.c.tier, _M.c.balance,
    _M.c.lifetime_spend, _M.c.purchase_count, _M.c.enrolled_at, _M.c.erased_at,
]  # fmt: skip


def _row(r: Any) -> MemberRow:
    return MemberRow(
        id=int(r.id),
        external_id=r.external_id,
        name=r.name,
        email=r.email,
        tier=r.tier,
        balance=int(r.balance),
        lifetime_spend=Decimal(str(r.lifetime_spend)).quantize(Decimal("0.01")),
        purchase_count=int(r.purchase_count),
        enrolled_at=r.enrolled_at,
        erased=r.erased_at is not None,
    )


def _filtered(query: Select[Any], search: MemberSearch) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if search.text is not None:
        pattern = like_pattern(search.text)
        conditions.append(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (_M.c.external_id, _M.c.name, _M.c.email)
                )
            )
        )
    if search.tier is not None:
        conditions.append(_M.c.tier == search.tier)
    if search.external_ids is not None:
        # an expanding IN: one bound value per id (an analytics filter picks thousands at
        # most on the stores this serves; bench/README.md, web)
        conditions.append(_M.c.external_id.in_(sorted(search.external_ids)))
    return query.where(*conditions)


class MemberDirectory(Repo):
    def search(self, search: MemberSearch) -> MemberPage:
        total = self.conn.execute(_filtered(select(func.count()).select_from(_M), search))
        key = _SORT[search.sort]
        order = [key.desc(), _M.c.id.desc()] if search.descending else [key.asc(), _M.c.id.asc()]
        query = _filtered(select(*_ROW), search).order_by(*order)
        rows = self.conn.execute(query.offset(search.offset).limit(search.limit))
        return MemberPage([_row(r) for r in rows], int(total.scalar_one()))
