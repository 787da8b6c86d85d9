"""`patron simulate PROGRAM --purchases store` on SQLite and PostgreSQL: the store's
purchases replayed (unit prices with four decimals read back exactly from NUMERIC), and
the redemption rate measured on the store's ledger, both computed by hand.

Program: 1 point per EUR rounded down, books x2, code SPRING +10 in January.

    m1  2026-01-10  2 x 12.3456 books (24.6912: 24, x2 49.3824 -> 49) + 100.00 (100),
                    code SPRING +10: 159 points
    m2  2026-01-12  3 x 33.3333 = 99.9999: 99 points
    m1  2026-02-03  redeems 100 points

Ledger by month: January +258, nothing redeemed, 258 at the end: 258 at hand;
February -100, 100 redeemed, 158 at the end: 258 at hand. Rate 100 / 516 = 0.193798.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.earning import Line
from patron.services.commands import Enroll, MemberRef, RecordPurchase, Redeem
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from patron.services.redeem import redeem
from tests.conftest import Clock, use_program

runner = CliRunner()

PROGRAM = """
name = "Store replay"
currency = "EUR"

[categories]
books = 2

[[promotions]]
name = "Spring code"
starts = 2026-01-01
ends = 2026-01-31
bonus = 10
code = "SPRING"
"""


def fill(patron: Patron, clock: Clock) -> list[int]:
    earned = []
    for external, at, lines, code in (
        (
            "m1",
            datetime(2026, 1, 10, 9),
            (Line("a", "books", 2, Decimal("12.3456")), Line("b", None, 1, Decimal("100.00"))),
            "SPRING",
        ),
        ("m2", datetime(2026, 1, 12, 9), (Line("c", None, 3, Decimal("33.3333")),), None),
    ):
        clock.now = at
        mid = patron.run(enroll, Enroll(external, enrolled_at=at)).member.id
        recorded = patron.run(
            record_purchase,
            RecordPurchase(
                MemberRef(id=mid), f"o-{external}", at, "EUR", lines, promotion_code=code
            ),
        )
        earned.append(recorded.points_earned)
    clock.now = datetime(2026, 2, 3, 9)
    patron.run(redeem, Redeem(MemberRef(external_id="m1"), points=100))
    return earned


def test_the_store_replayed_with_its_measured_redemption_rate(
    patron: Patron, clock: Clock, tmp_path: Path
) -> None:
    # given
    use_program(patron, PROGRAM)
    assert fill(patron, clock) == [159, 99]
    program = tmp_path / "p.toml"
    program.write_text(PROGRAM)
    url = patron.engine.url.render_as_string(hide_password=False)
    # when
    result = runner.invoke(
        app,
        [
            "simulate",
            str(program),
            "--purchases",
            "store",
            "--database-url",
            url,
            "--format",
            "json",
        ],
    )
    # then
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["summary"]["redeem_rate"] == 0.193798
    assert any("100 points redeemed of 516 at hand over 2 months" in n for n in found["notes"])
    (january,) = found["months"]
    assert (january["points_issued"], january["points_base"]) == (258, 24 + 100 + 99)
    assert (january["points_category"], january["points_promotion"]) == (25, 10)
    # at January's end members redeem ⌊0.193798 × 159⌋ + ⌊0.193798 × 99⌋ = 30 + 19
    assert january["points_redeemed"] == 49
    assert january["revenue"] == "224.69"  # 124.69 (124.6912 half up) + 100.00
