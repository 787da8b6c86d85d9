"""The columns hold the largest values the bounds allow (domain/limits.py), sums included.

Numbers are written out by hand: a NUMERIC(p, s) holds values below 10^(p - s).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import Numeric, String

from patron.domain import limits
from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.errors import InvalidInput
from patron.domain.program import parse_program
from patron.store import tables as t


def holds(column: object, value: Decimal) -> bool:
    kind = column.type  # type: ignore[attr-defined]
    assert isinstance(kind, Numeric)
    return value < Decimal(10) ** (kind.precision - kind.scale) and (
        value == value.quantize(Decimal(1).scaleb(-kind.scale))
    )


def test_every_amount_column_holds_the_largest_accepted_value() -> None:
    largest_unit = Decimal("999999999.9999")  # under 1,000,000,000, with 4 decimals
    assert holds(t.purchase_lines.c.unit_price, Decimal("1000000000.0000"))
    assert holds(t.purchase_lines.c.unit_cost, largest_unit)
    largest = Decimal("99999999999.99")
    for column in [
        t.purchases.c.total,
        t.purchases.c.cost,
        t.purchases.c.refunded_total,  # at most the total
        t.refunds.c.amount,
        t.rewards.c.cost,
        t.rewards.c.value,
        t.acquisition_spend.c.amount,
    ]:
        assert holds(column, largest), column
    # a redemption is worth at most 10^9 points × 100 per point = 10^11
    assert holds(t.redemptions.c.value, Decimal("100000000000.00"))


def test_a_lifetime_spend_holds_the_most_purchases_of_the_largest_total() -> None:
    # (2^31 - 1) × 99,999,999,999.99 = 214,748,364,700,000,000,000 - 21,474,836.47
    most = Decimal("214748364699978525163.53")
    assert limits.MAX_LIFETIME_SPEND == most
    assert holds(t.members.c.lifetime_spend, most)
    assert len(most.as_tuple().digits) <= 28  # Python's decimals add it exactly


def test_the_bounds_are_those_documented() -> None:
    assert (limits.MAX_UNIT_AMOUNT, limits.UNIT_PLACES) == (Decimal(1_000_000_000), 4)
    assert (limits.MAX_QUANTITY, limits.MAX_LINES) == (1_000_000, 500)
    assert limits.MAX_AMOUNT == Decimal("99999999999.99")
    assert limits.MAX_PURCHASES == 2_147_483_647  # an INTEGER column counts them


def test_text_columns_are_as_long_as_their_bounds() -> None:
    expected = {
        t.members.c.external_id: 128,
        t.purchases.c.order_id: 128,
        t.purchase_lines.c.sku: 64,
        t.purchase_lines.c.category: 64,
        t.purchases.c.promotion_code: 64,
        t.purchases.c.channel: 50,
        t.purchases.c.payment_method: 50,
        t.members.c.acquisition_channel: 50,
        t.members.c.email: 320,
        t.members.c.name: 200,
        t.ledger_entries.c.actor: 100,
        t.ledger_entries.c.reason: 500,
    }
    for column, length in expected.items():
        assert isinstance(column.type, String)
        assert column.type.length == length, column
    assert limits.API_KEY_NAME_LENGTH + len("apikey:") == 100


PROGRAM = parse_program('name = "Test"\ncurrency = "EUR"')
AT = datetime(2026, 1, 1)


def scored(*lines: Line) -> int:
    facts = PurchaseFacts(AT, "EUR", lines)
    return score(PROGRAM, MemberState("Member"), facts).points


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([Line("A", None, 1, Decimal("1000000000.0001"))], "lines[0].unit_price"),
        ([Line("A", None, 1, Decimal(1), Decimal("1000000000.0001"))], "lines[0].unit_cost"),
        ([Line("A", None, 1_000_001, Decimal(1))], "lines[0].quantity"),
        ([Line("A", None, 1, Decimal(1))] * 501, "1 to 500 lines, not 501"),
        # 100 × 999,999,999.9999 + 0.005 = 99,999,999,999.995: 100,000,000,000.00 in cents
        (
            [Line("A", None, 100, Decimal("999999999.9999")), Line("B", None, 1, Decimal("0.005"))],
            "lines: the lines total 100000000000.00",
        ),
        (
            [Line("A", None, 100, Decimal(1), Decimal("1000000000"))],
            "lines: the lines' costs come to 100000000000.00",
        ),
    ],
)
def test_the_engine_refuses_a_purchase_the_store_cannot_hold(
    lines: list[Line], message: str
) -> None:
    """A backstop for any caller that skips the API's or the import's checks."""
    with pytest.raises(InvalidInput) as info:
        scored(*lines)
    assert message in str(info.value)


def test_the_engine_scores_the_largest_purchase() -> None:
    # 99 × 1,000,000,000 + 999,999,999.99 = 99,999,999,999.99: as many points, rate 1
    largest = [
        Line("A", None, 99, Decimal(1_000_000_000), Decimal(1_000_000_000)),
        Line("B", None, 1, Decimal("999999999.99"), Decimal("999999999.99")),
    ]
    assert scored(*largest) == 99_999_999_999
    assert scored(*([Line("A", None, 1, Decimal(1))] * 500)) == 500
