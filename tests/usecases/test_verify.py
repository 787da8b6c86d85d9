"""`patron verify` (services/verify.py) recomputing every total the store keeps (issue 12):
each check is proved by corrupting the stored value with SQL and running the command as an
operator would: it must exit non-zero and name the record and the field.

`verify` is also run after most use-case and integration tests (the `verified` fixture,
tests/integration/helpers.assert_verified) and after every step of the stateful test
(tests/integration/test_stateful.py); the tests here are those of the command itself.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.program import Program
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    CancelRedemption,
    Redeem,
    Refund,
    ReturnLine,
)
from patron.services.redeem import cancel, redeem
from patron.services.refund import refund
from tests.conftest import Clock, load_example, use_program
from tests.integration.helpers import assert_verified, buy, member

runner = CliRunner()

PROGRAM = """
name = "Verify"
currency = "EUR"

[earning]
points_per_unit = 1         # 1 point per EUR
welcome_bonus = 100

[[rewards]]
id = "coffee"
name = "Free coffee"
kind = "gift"
points = 150
value = 3.00                # what it is worth to the member
"""


@pytest.fixture(autouse=True)
def program(patron: Patron) -> Program:
    return use_program(patron, PROGRAM)


def _member_row(patron: Patron, member_id: int) -> tuple[Decimal, int]:
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
        assert found is not None
        return found.lifetime_spend, found.purchase_count


def _with_coffee_stock(stock: int) -> str:
    marker = "value = 3.00                # what it is worth to the member\n"
    assert marker in PROGRAM
    return PROGRAM.replace(marker, marker + f"stock = {stock}\n")


def _verify(patron: Patron) -> tuple[int, str]:
    url = patron.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["verify", "--database-url", url], env={"COLUMNS": "400"})
    return result.exit_code, result.output


def _sql(patron: Patron, statement: str, **params: object) -> None:
    with patron.engine.begin() as conn:
        assert conn.execute(text(statement), params).rowcount == 1


@pytest.fixture
def shopped(patron: Patron) -> tuple[int, int]:
    """A member who bought 70.00 (50.00 + 20.00) and returned the 20.00 line."""
    mid = member(patron)
    p = buy(patron, mid, "o-1", ("A", None, 1, "50.00"), ("B", None, 1, "20.00"))
    patron.run(refund, Refund(p.purchase_id, (ReturnLine(2, 1),)))
    assert _member_row(patron, mid) == (Decimal("50.00"), 1)
    code, output = _verify(patron)
    assert code == 0, output
    return mid, p.purchase_id


def test_verify_reports_a_balance_off_its_entries_and_lots(
    patron: Patron, program: Program, shopped: tuple[int, int]
) -> None:
    # given 100 welcome + 70 earned - 20 taken back = 150 points, on the books three ways
    held = program.earning.welcome_bonus + int(Decimal("50.00") * program.earning.points_per_unit)
    mid, _ = shopped
    _sql(patron, "UPDATE members SET balance = :b WHERE id = :id", b=held - 1, id=mid)
    code, output = _verify(patron)
    assert code == 1
    assert f"member {mid}: balance {held - 1}, sum of entries {held}, sum of open lots {held}" in (
        output
    )


def test_verify_reports_a_lot_off_its_allocations(
    patron: Patron, program: Program, shopped: tuple[int, int]
) -> None:
    # given the purchase's lot of 70 points, 20 of them taken back by the refund
    kept = int(Decimal("50.00") * program.earning.points_per_unit)
    held = program.earning.welcome_bonus + kept
    mid, pid = shopped
    with patron.engine.connect() as conn:
        lot = conn.execute(
            text(
                "SELECT l.id FROM point_lots l JOIN ledger_entries e ON e.id = l.entry_id"
                " WHERE e.purchase_id = :p AND e.kind = 'earn'"
            ),
            {"p": pid},
        ).scalar_one()
    _sql(patron, "UPDATE point_lots SET remaining = :r WHERE id = :id", r=kept + 1, id=lot)
    code, output = _verify(patron)
    assert code == 1
    assert f"member {mid}: lot {lot} disagrees with its allocations" in output
    assert (
        f"member {mid}: balance {held}, sum of entries {held}, sum of open lots {held + 1}"
        in output
    )


def test_verify_reports_a_refunded_total_that_lost_a_refund(
    patron: Patron, shopped: tuple[int, int]
) -> None:
    mid, pid = shopped
    _sql(patron, "UPDATE purchases SET refunded_total = 0 WHERE id = :id", id=pid)
    code, output = _verify(patron)
    assert code == 1
    assert f"purchase {pid} (member {mid}): refunded_total 0.00, sum of its refunds 20.00" in output


def test_verify_reports_a_lifetime_spend_off_its_purchases(
    patron: Patron, shopped: tuple[int, int]
) -> None:
    mid, _ = shopped
    _sql(patron, "UPDATE members SET lifetime_spend = 70 WHERE id = :id", id=mid)
    code, output = _verify(patron)
    assert code == 1
    assert (
        f"member {mid}: lifetime_spend 70.00, sum of purchase totals net of refunds 50.00" in output
    )


def test_verify_reports_a_purchase_count_off_its_purchases(
    patron: Patron, shopped: tuple[int, int]
) -> None:
    mid, _ = shopped
    _sql(patron, "UPDATE members SET purchase_count = 2 WHERE id = :id", id=mid)
    code, output = _verify(patron)
    assert code == 1
    assert f"member {mid}: purchase_count 2, 1 purchases recorded" in output


def test_verify_reports_a_stock_off_its_redemptions(patron: Patron, clock: Clock) -> None:
    load_example(patron, _with_coffee_stock(2))
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 500, "test setup", "tests"))
    patron.run(redeem, Redeem(mid, reward_id="coffee"))
    assert _verify(patron)[0] == 0
    _sql(patron, "UPDATE rewards SET stock = 2 WHERE id = 'coffee'")
    code, output = _verify(patron)
    assert code == 1
    assert "reward coffee: stock 2, expected 1 (2 set by the program loaded at" in output


def test_verify_follows_stock_through_reloads_and_cancellations(
    patron: Patron, clock: Clock
) -> None:
    load_example(patron, _with_coffee_stock(2))
    mid = member(patron)
    patron.run(adjust, Adjust(mid, 500, "test setup", "tests"))
    first = patron.run(redeem, Redeem(mid, reward_id="coffee")).redemption_id
    clock.advance(hours=1)
    load_example(patron, _with_coffee_stock(5))  # stock set to 5 from now on
    patron.run(redeem, Redeem(mid, reward_id="coffee"))  # 4
    clock.advance(hours=1)
    load_example(patron, _with_coffee_stock(5))  # same stock: the 4 left are kept
    patron.run(cancel, CancelRedemption(first, "changed mind"))  # restocks: 5
    with patron.uow(readonly=True) as uow:
        row = uow.rewards.get("coffee")
        assert row is not None and row.stock == 5
    code, output = _verify(patron)
    assert code == 0, output
    assert_verified(patron)
    _sql(patron, "UPDATE rewards SET stock = 4 WHERE id = 'coffee'")
    code, output = _verify(patron)
    assert code == 1
    loaded = datetime(2026, 1, 1, 10, 0).isoformat()
    assert (
        f"reward coffee: stock 4, expected 5 (5 set by the program loaded at {loaded},"
        " 1 redeemed since, 1 earlier redemptions cancelled since)"
    ) in output
