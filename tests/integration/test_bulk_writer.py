"""The import's bulk writer (store/bulk.py) on SQLite and PostgreSQL: what it writes
reads back as the same values written one row at a time through SQLAlchemy would.

It writes a column holding one value into the SQL text as a literal and binds the rest,
so each rule is checked both ways: a constant column (literal, or bound when the text
needs quoting) and a column of varying values (bound). Expected values are the values
written; sums are computed by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text

from patron.bootstrap import Patron
from patron.store import tables as t
from patron.store.bulk import Bulk

AT = datetime(2026, 3, 4, 5, 6, 7, 123456)
QUOTED = [
    "o'brien",
    'say "hi"',
    "back\\slash",
    "100%",
    "semi;colon -- not a comment",
    "x'); DROP TABLE members; --",
    "percent %s and %(name)s",
    "plain text-1.2:3*4+5",
]


def _members(bulk: Bulk, count: int, **columns: Sequence[Any]) -> list[int]:
    """`count` members with every required column, `columns` overriding any of them."""
    ids = bulk.reserve_ids(t.members, count)
    values: dict[str, Sequence[Any]] = {
        "id": ids,
        "external_id": [f"c-{i}" for i in ids],
        "tier": ["Bronze"] * count,
        "tier_since": [AT] * count,
        "enrolled_at": [AT] * count,
        "referral_code": [f"R{i:07d}" for i in ids],
        "balance": [0] * count,
        "debt": [0] * count,
        "purchase_count": [0] * count,
        "lifetime_spend": [Decimal("0.00")] * count,
    }
    bulk.insert(t.members, {**values, **columns})
    return ids


def _purchases(bulk: Bulk, member_id: int, count: int, **columns: Sequence[Any]) -> list[int]:
    ids = bulk.reserve_ids(t.purchases, count)
    values: dict[str, Sequence[Any]] = {
        "id": ids,
        "member_id": [member_id] * count,
        "order_id": [f"o-{i}" for i in ids],
        "occurred_at": [AT] * count,
        "currency": ["EUR"] * count,
        "total": [Decimal("1.00")] * count,
        "refunded_total": [0] * count,
        "points_earned": [0] * count,
        "bonus_points": [0] * count,
        "source": ["import"] * count,
        "created_at": [AT] * count,
    }
    bulk.insert(t.purchases, {**values, **columns}, unless_taken="order_id")
    return ids


def _column(patron: Patron, column: Any, ids: Sequence[int]) -> list[Any]:
    """The column's values for these ids, in the order of `ids`."""
    table = column.table
    with patron.uow(readonly=True) as uow:
        rows = uow.connection.execute(select(table.c.id, column).where(table.c.id.in_(ids)))
        found = {int(r[0]): r[1] for r in rows}
    return [found[i] for i in ids]


def test_text_needing_quotes_reads_back_as_written(patron: Patron) -> None:
    # given texts with quotes, backslashes, percent signs and SQL, varying and constant
    with patron.uow() as uow:
        varying = _members(uow.bulk, len(QUOTED), external_id=QUOTED)
        constant = _members(uow.bulk, 3, name=["it's %s"] * 3, email=["plain.name@x"] * 3)
        uow.commit()
    # then each reads back unchanged, and no text ran as SQL
    assert _column(patron, t.members.c.external_id, varying) == QUOTED
    assert _column(patron, t.members.c.name, constant) == ["it's %s"] * 3
    assert _column(patron, t.members.c.email, constant) == ["plain.name@x"] * 3
    with patron.uow(readonly=True) as uow:
        count = uow.connection.execute(select(func.count()).select_from(t.members))
        assert count.scalar_one() == len(QUOTED) + 3


def test_nulls_read_back_as_null_in_constant_and_mixed_columns(patron: Patron) -> None:
    with patron.uow() as uow:
        ids = _members(uow.bulk, 3, email=[None] * 3, name=[None, "Ann", None])
        [mid] = _members(uow.bulk, 1, external_id=["buyer"], referral_code=["RBUYER"])
        bought = _purchases(uow.bulk, mid, 3, cost=[None, Decimal("2.50"), None])
        uow.commit()
    assert _column(patron, t.members.c.email, ids) == [None, None, None]
    assert _column(patron, t.members.c.name, ids) == [None, "Ann", None]
    assert _column(patron, t.purchases.c.cost, bought) == [None, Decimal("2.50"), None]
    # and the columns given no value at all are NULL too
    assert _column(patron, t.purchases.c.channel, bought) == [None, None, None]


def test_decimals_read_back_exactly_at_their_columns_scale(patron: Patron) -> None:
    # given amounts at a scale of 2 (the largest a purchase may have among them) and unit
    # amounts at a scale of 4, varying and constant
    totals = [Decimal("0.01"), Decimal("0.10"), Decimal("12.50"), Decimal("9999999999.99")]
    prices = [Decimal("0.0001"), Decimal("123456789.1234"), Decimal("7.5000"), Decimal("1")]
    with patron.uow() as uow:
        [mid] = _members(uow.bulk, 1)
        bought = _purchases(uow.bulk, mid, 4, total=totals, refunded_total=[Decimal("0.30")] * 4)
        lines = {
            "purchase_id": bought,
            "member_id": [mid] * 4,
            "line_no": [1] * 4,
            "sku": ["s"] * 4,
            "quantity": [1] * 4,
            "unit_price": prices,
            "unit_cost": [Decimal("0.0005")] * 4,
            "points": [0] * 4,
            "refunded_quantity": [0] * 4,
        }
        uow.bulk.insert(t.purchase_lines, lines)
        uow.commit()
    assert _column(patron, t.purchases.c.total, bought) == totals
    assert [str(v) for v in _column(patron, t.purchases.c.total, bought)] == [
        "0.01",
        "0.10",
        "12.50",
        "9999999999.99",
    ]
    assert _column(patron, t.purchases.c.refunded_total, bought) == [Decimal("0.30")] * 4
    with patron.uow(readonly=True) as uow:
        pl = t.purchase_lines
        rows = uow.connection.execute(select(pl.c.unit_price, pl.c.unit_cost).order_by(pl.c.id))
        assert [(str(p), str(c)) for p, c in rows] == [
            ("0.0001", "0.0005"),
            ("123456789.1234", "0.0005"),
            ("7.5000", "0.0005"),
            ("1.0000", "0.0005"),
        ]


def test_dates_are_stored_as_one_row_written_through_sqlalchemy_stores_them(
    patron: Patron,
) -> None:
    # given purchases dated to the microsecond: constant (a literal) and varying (bound),
    # and one purchase inserted through SQLAlchemy at the same moment
    later = datetime(2026, 3, 4, 5, 6, 7, 9)
    with patron.uow() as uow:
        [mid] = _members(uow.bulk, 1)
        constant = _purchases(uow.bulk, mid, 2)
        varying = _purchases(uow.bulk, mid, 2, occurred_at=[AT, later], created_at=[later, AT])
        uow.connection.execute(
            insert(t.purchases).values(
                id=1000, member_id=mid, order_id="core", occurred_at=AT, currency="EUR",
                total=Decimal("1.00"), created_at=AT,
            )
        )  # fmt: skip
        uow.commit()
    assert _column(patron, t.purchases.c.occurred_at, constant) == [AT, AT]
    assert _column(patron, t.purchases.c.created_at, constant) == [AT, AT]
    assert _column(patron, t.purchases.c.occurred_at, varying) == [AT, later]
    assert _column(patron, t.purchases.c.created_at, varying) == [later, AT]
    # then a query on the moment finds every row (SQLite compares the stored text)
    with patron.uow(readonly=True) as uow:
        p = t.purchases
        at_moment = select(p.c.order_id).where(p.c.occurred_at == AT).order_by(p.c.id)
        found = list(uow.connection.execute(at_moment).scalars())
        stored = uow.connection.execute(
            text("SELECT CAST(occurred_at AS TEXT) FROM purchases WHERE id IN (:a, :b)"),
            {"a": constant[0], "b": 1000},
        ).scalars()
        assert len(set(stored)) == 1  # the same text as the row SQLAlchemy wrote
    assert found == [f"o-{constant[0]}", f"o-{constant[1]}", f"o-{varying[0]}", "core"]


def test_a_big_batch_is_written_whole(patron: Patron) -> None:
    # given 30,000 purchases in one insert, totals i % 100 + 0.25 for i = 0..29,999
    n = 30_000
    totals = [Decimal(i % 100) + Decimal("0.25") for i in range(n)]
    with patron.uow() as uow:
        [mid] = _members(uow.bulk, 1)
        ids = _purchases(uow.bulk, mid, n, total=totals)
        assert uow.bulk.present(t.purchases, ids) == set(ids)
        uow.commit()
    # then every row is there with its own order id; the totals sum to
    # 300 x (0 + 1 + ... + 99) + 30,000 x 0.25 = 300 x 4,950 + 7,500 = 1,492,500.00
    with patron.uow(readonly=True) as uow:
        p = t.purchases
        count, orders, total = uow.connection.execute(
            select(func.count(), func.count(p.c.order_id.distinct()), func.sum(p.c.total))
        ).one()
    assert (count, orders, Decimal(str(total)).quantize(Decimal("0.01"))) == (
        n,
        n,
        Decimal("1492500.00"),
    )
    assert ids == list(range(ids[0], ids[0] + n))


def test_rows_whose_unique_value_is_taken_are_left_out(patron: Patron) -> None:
    # given purchase o-taken already recorded
    with patron.uow() as uow:
        [mid] = _members(uow.bulk, 1)
        [first] = _purchases(uow.bulk, mid, 1, order_id=["o-taken"], total=[Decimal("5.00")])
        uow.commit()
    # when three purchases are inserted, the second with the taken order id
    with patron.uow() as uow:
        ids = _purchases(
            uow.bulk, mid, 3, order_id=["o-a", "o-taken", "o-b"], total=[Decimal("9.00")] * 3
        )
        present = uow.bulk.present(t.purchases, ids)
        uow.commit()
    # then the other two went in and the recorded purchase kept its total
    assert present == {ids[0], ids[2]}
    assert _column(patron, t.purchases.c.total, [first]) == [Decimal("5.00")]
    assert ids[0] > first


def test_counters_grow_by_the_amounts_given(patron: Patron) -> None:
    # given two members with 1 purchase and 5.00 spent each
    with patron.uow() as uow:
        ids = _members(uow.bulk, 2, purchase_count=[1, 1], lifetime_spend=[Decimal("5.00")] * 2)
        uow.commit()
    # when 2 purchases worth 10.05 and 3 worth 0.01 are added
    with patron.uow() as uow:
        uow.bulk.add(
            t.members,
            ids,
            {"purchase_count": [2, 3], "lifetime_spend": [Decimal("10.05"), Decimal("0.01")]},
        )
        uow.commit()
    # then 3 purchases and 15.05 spent, 4 purchases and 5.01 spent
    assert _column(patron, t.members.c.purchase_count, ids) == [3, 4]
    assert _column(patron, t.members.c.lifetime_spend, ids) == [
        Decimal("15.05"),
        Decimal("5.01"),
    ]


@pytest.mark.parametrize(
    "columns",
    [
        {"id": [1], "no_such_column": [1]},
        {"id": [1], "tier) VALUES (1); --": [1]},
    ],
)
def test_a_name_that_is_no_column_is_refused_before_any_sql(
    patron: Patron, columns: dict[str, list[Any]]
) -> None:
    with patron.uow() as uow:
        with pytest.raises(TypeError, match="^members has no column "):
            uow.bulk.insert(t.members, columns)
        with pytest.raises(TypeError, match="^members has no column "):
            uow.bulk.add(t.members, [1], {k: v for k, v in columns.items() if k != "id"})
        with pytest.raises(TypeError, match="^purchases has no column nope$"):
            uow.bulk.insert(t.purchases, {"id": [1]}, unless_taken="nope")


def test_columns_of_unequal_lengths_are_refused(patron: Patron) -> None:
    with patron.uow() as uow:
        with pytest.raises(ValueError, match=r"unequal lengths \[1, 2\] for members"):
            uow.bulk.insert(t.members, {"id": [1, 2], "external_id": ["c"]})


def test_a_table_is_named_by_the_use_cases_and_an_unknown_name_is_refused(
    patron: Patron,
) -> None:
    with patron.uow() as uow:
        named = uow.bulk.reserve_ids("members", 2)
        assert len(named) == 2 and named[1] == named[0] + 1
        with pytest.raises(ValueError, match="no table 'member'"):
            uow.bulk.reserve_ids("member", 1)
