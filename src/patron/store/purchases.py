"""Purchases in the store: a purchase with its lines, its refunds, and the two questions
the earn path asks of a member's purchases (milestones held, the tier's qualifying
history).

The statements a purchase runs are built once, with named parameters (bench/README.md,
"Statements built once"). A purchase whose order id is taken inserts nothing and returns
no id, with no look-up first; the look-up runs only to word the refusal. On PostgreSQL a
purchase and its lines are one statement, sent to the driver itself (driver.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import ColumnElement, Row, Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patron.domain.earning import BreakdownItem, milestone_named
from patron.domain.purchases import (
    NewPurchase,
    NewRefund,
    Purchase,
    PurchaseLine,
    RefundRecord,
    ReturnLine,
)
from patron.domain.tiers import PurchaseMeasure, Qualifying
from patron.store import tables as t
from patron.store.base import INSERT, Repo, decimal, insert_row
from patron.store.driver import driver

_P, _L, _R = t.purchases, t.purchase_lines, t.refunds
_BY_ORDER = select(_P).where(_P.c.order_id == bindparam("order_id"))
_BY_ID = select(_P).where(_P.c.id == bindparam("purchase_id"))
_LINES = select(_L).where(_L.c.purchase_id == bindparam("purchase_id")).order_by(_L.c.line_no)
_INSERT_NEW_ORDER = {
    name: dialect.insert(_P)
    .on_conflict_do_nothing(index_elements=[_P.c.order_id])
    .returning(_P.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_PURCHASE_COLUMNS = (
    "member_id",
    "order_id",
    "occurred_at",
    "currency",
    "total",
    "cost",
    "refunded_total",
    "channel",
    "payment_method",
    "promotion_code",
    "program_version",
    "points_earned",
    "bonus_points",
    "breakdown",
    "invoice_due_at",
    "paid_at",
    "source",
    "created_at",
    "shop",
)
# PostgreSQL: the purchase and its lines in one statement. The lines come as one array per
# column, unnested in their order (the lines' ids follow the line numbers, as they did
# when the lines were inserted one by one); a taken order id inserts no purchase, hence
# no line either, and returns no row.
_LINE_ARRAYS = {
    "line_no": "integer[]",
    "sku": "varchar[]",
    "category": "varchar[]",
    "quantity": "integer[]",
    "unit_price": "numeric[]",
    "unit_cost": "numeric[]",
    "points": "bigint[]",
}
_ADD_WITH_LINES = f"""\
WITH p AS (
  INSERT INTO purchases ({", ".join(_PURCHASE_COLUMNS)})
  VALUES ({", ".join(f"%({c})s" for c in _PURCHASE_COLUMNS)})
  ON CONFLICT (order_id) DO NOTHING
  RETURNING id
), l AS (
  INSERT INTO purchase_lines (purchase_id, member_id, {", ".join(_LINE_ARRAYS)}, refunded_quantity)
  SELECT p.id, %(member_id)s, {", ".join(f"v.{c}" for c in _LINE_ARRAYS)}, 0
  FROM p, unnest({", ".join(f"%(lines_{c})s::{kind}" for c, kind in _LINE_ARRAYS.items())})
    WITH ORDINALITY AS v({", ".join(_LINE_ARRAYS)}, n)
  ORDER BY v.n
)
SELECT id FROM p"""


def _optional(value: object) -> Decimal | None:
    return decimal(value) if value is not None else None


def purchase(row: Row[Any]) -> Purchase:
    """A row of `purchases` as the record (the member's export reads them too)."""
    return Purchase(
        id=int(row.id),
        member_id=int(row.member_id),
        order_id=row.order_id,
        occurred_at=row.occurred_at,
        currency=row.currency,
        total=decimal(row.total),
        cost=_optional(row.cost),
        refunded_total=decimal(row.refunded_total),
        channel=row.channel,
        payment_method=row.payment_method,
        promotion_code=row.promotion_code,
        invoice_due_at=row.invoice_due_at,
        paid_at=row.paid_at,
        program_version=row.program_version,
        points_earned=int(row.points_earned),
        bonus_points=int(row.bonus_points),
        breakdown=tuple(
            BreakdownItem(item["rule"], int(item["points"])) for item in row.breakdown or ()
        ),
        source=row.source,
        created_at=row.created_at,
        shop=row.shop,
    )


def line(row: Row[Any]) -> PurchaseLine:
    return PurchaseLine(
        id=int(row.id),
        purchase_id=int(row.purchase_id),
        member_id=int(row.member_id),
        line_no=int(row.line_no),
        sku=row.sku,
        category=row.category,
        quantity=int(row.quantity),
        unit_price=decimal(row.unit_price),
        unit_cost=_optional(row.unit_cost),
        points=int(row.points),
        refunded_quantity=int(row.refunded_quantity),
    )


def refund(row: Row[Any]) -> RefundRecord:
    return RefundRecord(
        id=int(row.id),
        purchase_id=int(row.purchase_id),
        member_id=int(row.member_id),
        amount=decimal(row.amount),
        points_taken_back=int(row.points_taken_back),
        debt=int(row.debt),
        lines=tuple(ReturnLine(int(x["line_no"]), int(x["quantity"])) for x in row.lines),
        reason=row.reason,
        created_at=row.created_at,
    )


class Purchases(Repo):
    def add(self, new: NewPurchase) -> int | None:
        """The new purchase's id, or None (and nothing written) if its order id is taken."""
        values: dict[str, Any] = {
            "member_id": new.member_id,
            "order_id": new.order_id,
            "occurred_at": new.occurred_at,
            "currency": new.currency,
            "total": new.total,
            "cost": new.cost,
            "refunded_total": Decimal(0),
            "channel": new.channel,
            "payment_method": new.payment_method,
            "promotion_code": new.promotion_code,
            "program_version": new.program_version,
            "points_earned": new.points_earned,
            "bonus_points": new.bonus_points,
            "breakdown": [{"rule": b.rule, "points": b.points} for b in new.breakdown],
            "invoice_due_at": new.invoice_due_at,
            "paid_at": new.paid_at,
            "source": new.source,
            "created_at": new.created_at,
            "shop": new.shop,
        }
        pg = driver(self.conn)
        if pg is not None:
            values["breakdown"] = Json(values["breakdown"])
            lines = new.lines
            values.update(
                lines_line_no=[x.line_no for x in lines],
                lines_sku=[x.sku for x in lines],
                lines_category=[x.category for x in lines],
                lines_quantity=[x.quantity for x in lines],
                lines_unit_price=[x.unit_price for x in lines],
                lines_unit_cost=[x.unit_cost for x in lines],
                lines_points=[x.points for x in lines],
            )
            row = pg.one(_ADD_WITH_LINES, values)
            return int(row[0]) if row is not None else None
        statement = _INSERT_NEW_ORDER[self.conn.dialect.name]
        found = self.conn.execute(statement, values).scalar_one_or_none()
        if found is None:
            return None
        purchase_id = int(found)
        if new.lines:
            self.conn.execute(
                INSERT[_L],
                [
                    {
                        "purchase_id": purchase_id,
                        "member_id": new.member_id,
                        "line_no": x.line_no,
                        "sku": x.sku,
                        "category": x.category,
                        "quantity": x.quantity,
                        "unit_price": x.unit_price,
                        "unit_cost": x.unit_cost,
                        "points": x.points,
                        "refunded_quantity": 0,
                    }
                    for x in new.lines
                ],
            )
        return purchase_id

    def latest_ids(self) -> tuple[int, int]:
        """The newest purchase's id and the newest refund's (0 when none): together they
        change whenever what the analytics read of purchases does."""
        query = select(
            select(func.coalesce(func.max(t.purchases.c.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(t.refunds.c.id), 0)).scalar_subquery(),
        )
        row = self.conn.execute(query).one()
        return int(row[0]), int(row[1])

    def by_order_id(self, order_id: str) -> Purchase | None:
        row = self.conn.execute(_BY_ORDER, {"order_id": order_id}).first()
        return purchase(row) if row is not None else None

    def get(self, purchase_id: int) -> Purchase | None:
        row = self.conn.execute(_BY_ID, {"purchase_id": purchase_id}).first()
        return purchase(row) if row is not None else None

    def of_member(self, member_id: int, limit: int, offset: int) -> list[Purchase]:
        """The member's purchases, newest first, at most `limit` after the first `offset`."""
        p = t.purchases
        query = (
            select(p)
            .where(p.c.member_id == member_id)
            .order_by(p.c.occurred_at.desc(), p.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [purchase(r) for r in self.conn.execute(query)]

    def lines(self, purchase_id: int) -> list[PurchaseLine]:
        """The purchase's lines by line number."""
        return [line(r) for r in self.conn.execute(_LINES, {"purchase_id": purchase_id})]

    def existing_order_ids(self, order_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(order_ids), 500):
            chunk = list(order_ids[start : start + 500])
            query = select(_P.c.order_id).where(_P.c.order_id.in_(chunk))
            found.update(self.conn.execute(query).scalars())
        return found

    def add_refunded(self, purchase_id: int, amount: Decimal) -> None:
        """Add a refund's amount to the purchase's `refunded_total`, in SQL."""
        self.conn.execute(
            update(_P)
            .where(_P.c.id == purchase_id)
            .values(refunded_total=_P.c.refunded_total + amount)
        )

    def return_line(self, line_id: int, quantity: int) -> None:
        self.conn.execute(
            update(_L)
            .where(_L.c.id == line_id)
            .values(refunded_quantity=_L.c.refunded_quantity + quantity)
        )

    def add_refund(self, new: NewRefund) -> int:
        return insert_row(
            self.conn,
            _R,
            {
                "purchase_id": new.purchase_id,
                "member_id": new.member_id,
                "amount": new.amount,
                "points_taken_back": new.points_taken_back,
                "debt": new.debt,
                "lines": [{"line_no": x.line_no, "quantity": x.quantity} for x in new.lines],
                "reason": new.reason,
                "created_at": new.created_at,
            },
        )

    def milestones_paid(self, member_id: int) -> frozenset[str]:
        """Milestones the member holds: named in the breakdown of a purchase of theirs
        that is not fully returned (a full return takes the milestone's bonus back)."""
        not_fully_returned = (
            select(_L.c.id)
            .where(_L.c.purchase_id == _P.c.id, _L.c.refunded_quantity < _L.c.quantity)
            .exists()
        )
        rows = self.conn.execute(
            select(_P.c.breakdown).where(
                _P.c.member_id == member_id, _P.c.bonus_points > 0, not_fully_returned
            )
        )
        rules = (item["rule"] for (breakdown,) in rows for item in breakdown or ())
        return frozenset(name for rule in rules if (name := milestone_named(rule)) is not None)

    def qualifying_history(
        self, member_id: int, rule: Qualifying, since: datetime, until: datetime
    ) -> list[tuple[datetime, Decimal]]:
        """Per purchase dated in [since, until]: its date and what it qualifies for under
        `rule` (domain/tiers.py: a quantity of the purchase less what its refunds gave
        back of it)."""
        query = _QUALIFYING.get(rule)
        if query is None:
            value = _purchase_measure(rule.counted) - _purchase_measure(rule.returned)
            query = _QUALIFYING[rule] = (
                select(_P.c.occurred_at, value)
                .where(
                    _P.c.member_id == bindparam("member_id"),
                    _P.c.occurred_at.between(bindparam("since"), bindparam("until")),
                )
                .order_by(_P.c.occurred_at, _P.c.id)
            )
        params = {"member_id": member_id, "since": since, "until": until}
        pg = driver(self.conn)
        if pg is not None:
            rows: Sequence[Any] = pg.all(query, params)
        else:
            rows = self.conn.execute(query, params).all()
        return [(r[0], decimal(r[1])) for r in rows]


_QUALIFYING: dict[Qualifying, Select[Any]] = {}  # per rule, built once


def _purchase_measure(measure: PurchaseMeasure) -> ColumnElement[Any]:
    """A purchase's quantity as SQL over `purchases`: a column, or the sum over its refunds."""
    if measure is PurchaseMeasure.POINTS_TAKEN_BACK:
        return (
            select(func.coalesce(func.sum(_R.c.points_taken_back), 0))
            .where(_R.c.purchase_id == _P.c.id)
            .scalar_subquery()
        )
    columns: dict[PurchaseMeasure, ColumnElement[Any]] = {
        PurchaseMeasure.TOTAL: _P.c.total,
        PurchaseMeasure.REFUNDED_TOTAL: _P.c.refunded_total,
        PurchaseMeasure.POINTS_EARNED: _P.c.points_earned,
    }
    return columns[measure]
