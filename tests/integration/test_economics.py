"""Customer economics through the command line, on SQLite and PostgreSQL, by hand.

The scenario (program currency EUR; value = margin, every purchase has its cost):

    a1  web    enrolled 2026-01-05  2026-01-10 100 (cost 60) -> 40 | 2026-02-15 50 (30) -> 20
    a2  web    enrolled 2026-01-20  2026-03-01 200 (cost 100) -> 100
    b1  store  enrolled 2026-01-07  2026-01-07 90 (cost 40) -> 50
    c1  web    enrolled 2026-02-03  2026-02-03 80 (cost 50) -> 30
    d1  (none) enrolled 2026-02-10  no purchases

    spend: 2026-01 web 120.00, 2026-01 store 50.00, 2026-02 web 60.00 + 30.00

By month and channel:
    2026-01 store  CAC 50/1 = 50; value 50; CLV/CAC 1.0; month 0 brings 50 >= 50: payback 0
    2026-01 web    CAC 120/2 = 60; value (40+20+100)/2 = 80; 80/60; cumulative per member
                   20, 30, 80 in months 0, 1, 2: payback 2
    2026-02 web    CAC 90/1 = 90; value 30; 30/90; never paid back
    2026-02 none   no spend: no CAC; value 0
By cohort: 2026-01 CAC 170/3; value 210/3 = 70; 210/170; cumulative 90/3, 110/3, 210/3
           -> 70 >= 56.67 in month 2.  2026-02 CAC 90/2 = 45; value 30/2 = 15; never.
By channel: store CAC 50, value 50, 1.0, payback 0; web CAC 210/3 = 70, value 190/3,
           190/210, cumulative 70/3, 90/3, 190/3 < 70: never; none: no CAC, value 0.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.earning import Line
from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.enroll import enroll
from tests.conftest import Clock

runner = CliRunner()

MEMBERS = (
    ("a1", "web", datetime(2026, 1, 5)),
    ("a2", "web", datetime(2026, 1, 20)),
    ("b1", "store", datetime(2026, 1, 7)),
    ("c1", "web", datetime(2026, 2, 3)),
    ("d1", None, datetime(2026, 2, 10)),
)
PURCHASES = (
    ("a1", "o1", datetime(2026, 1, 10), "100.00", "60.00"),
    ("a1", "o2", datetime(2026, 2, 15), "50.00", "30.00"),
    ("a2", "o3", datetime(2026, 3, 1), "200.00", "100.00"),
    ("b1", "o4", datetime(2026, 1, 7, 12), "90.00", "40.00"),
    ("c1", "o5", datetime(2026, 2, 3, 12), "80.00", "50.00"),
)
SPEND = (("2026-01", "web", "120.00"), ("2026-01", "store", "50.00"),
         ("2026-02", "web", "60.00"), ("2026-02", "web", "30.00"))  # fmt: skip

# (month, channel): spend, new members, CAC, value per member, CLV/CAC, payback months
BY_BOTH = {
    ("2026-01", "store"): (50.0, 1, 50.0, 50.0, 1.0, 0),
    ("2026-01", "web"): (120.0, 2, 60.0, 80.0, 80 / 60, 2),
    ("2026-02", "web"): (90.0, 1, 90.0, 30.0, 30 / 90, None),
    ("2026-02", None): (0.0, 1, None, 0.0, None, None),
}
BY_COHORT = {
    ("2026-01", None): (170.0, 3, 170 / 3, 70.0, 210 / 170, 2),
    ("2026-02", None): (90.0, 2, 45.0, 15.0, 15 / 45, None),
}
BY_CHANNEL = {
    (None, "store"): (50.0, 1, 50.0, 50.0, 1.0, 0),
    (None, "web"): (210.0, 3, 70.0, 190 / 3, 190 / 210, None),
    (None, None): (0.0, 1, None, 0.0, None, None),
}
EXPECTED = {"both": BY_BOTH, "cohort": BY_COHORT, "channel": BY_CHANNEL}


def seed(patron: Patron, clock: Clock) -> None:
    """The members and purchases of the scenario, through the use cases."""
    clock.now = datetime(2026, 4, 1, 9, 0)
    ids = {}
    for external_id, channel, at in MEMBERS:
        command = Enroll(external_id, enrolled_at=at, acquisition_channel=channel)
        ids[external_id] = patron.run(enroll, command).member.id
    for who, order, at, price, cost in PURCHASES:
        line = Line("SKU", "cat", 1, Decimal(price), Decimal(cost))
        command_ = RecordPurchase(MemberRef(id=ids[who]), order, at, "EUR", (line,))
        patron.run(record_purchase, command_)


MONEY = ("spend", "cac", "value_per_member")  # decimal strings to the cent


def as_table(report: dict[str, Any]) -> dict[tuple[Any, Any], tuple[Any, ...]]:
    """Each group's figures, money read back as a number (it comes as a decimal string)."""
    keys = ("spend", "new_members", "cac", "value_per_member", "clv_to_cac", "payback_months")
    for row in report["data"]:
        for key in MONEY:
            assert row[key] is None or isinstance(row[key], str), (key, row[key])
    return {
        (r["month"], r["channel"]): tuple(
            float(r[k]) if k in MONEY and r[k] is not None else r[k] for k in keys
        )
        for r in report["data"]
    }


def assert_report(report: dict[str, Any], by: str) -> None:
    assert report["basis"] == "margin"
    got = as_table(report)
    expected = EXPECTED[by]
    assert list(got) == list(expected)  # the order too: month, then channel, none last
    for group, row in expected.items():
        # money to the cent (170/3 is "56.67"), ratios at full precision
        assert got[group] == pytest.approx(row, abs=0.005), group


def url_of(patron: Patron) -> str:
    return patron.engine.url.render_as_string(hide_password=False)


def cli(patron: Patron, *args: str) -> Any:
    return runner.invoke(app, ["economics", *args, "--database-url", url_of(patron)])


def test_spend_and_report_through_the_cli(patron: Patron, clock: Clock) -> None:
    # given the scenario's members and purchases
    seed(patron, clock)
    # when the spend is entered on the command line
    for month, channel, amount in SPEND:
        added = cli(
            patron, "spend", "add", "--month", month, "--channel", channel,
            "--amount", amount, "--currency", "EUR", "--note", "campaign",
        )  # fmt: skip
        assert added.exit_code == 0, added.output
    listed = cli(patron, "spend", "list")
    assert listed.exit_code == 0
    assert "4 entries" in listed.output and "2026-02" in listed.output
    # then each grouping gives the hand-computed CAC, value, CLV/CAC and payback
    for by in ("both", "cohort", "channel"):
        result = cli(patron, "report", "--by", by, "--format", "json")
        assert result.exit_code == 0, result.output
        assert_report(json.loads(result.stdout), by)


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--month", "2026-13", "month"),
        ("--month", "January", "month"),
        ("--amount", "-5", "amount"),
        ("--amount", "12.345", "amount"),
        ("--amount", "lots", "amount"),
        ("--currency", "USD", "currency"),
        ("--channel", " ", "channel"),
        ("--channel", "w" * 51, "channel"),
        ("--amount", "100000000000.00", "amount"),  # over 99,999,999,999.99, as in the API
        ("--note", "n" * 501, "note"),
        ("--by", "b" * 97, "by"),  # recorded as "cli:" + 97 characters: over 100
    ],
)
def test_bad_spend_on_the_cli_names_the_field_and_records_nothing(
    patron: Patron, option: str, value: str, field: str
) -> None:
    good = {"--month": "2026-01", "--channel": "web", "--amount": "10.00", "--currency": "EUR"}
    args = [a for k, v in {**good, option: value}.items() for a in (k, v)]
    result = cli(patron, "spend", "add", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {field}:"), result.stderr
    assert "0 entries" in cli(patron, "spend", "list").output


def test_an_unknown_grouping_is_refused(patron: Patron) -> None:
    result = cli(patron, "report", "--by", "week")
    assert result.exit_code == 2 and "by: must be one of" in result.stderr


def test_the_import_sets_the_acquisition_channel_of_the_members_it_enrolls(
    patron: Patron, tmp_path: Any
) -> None:
    from patron.services.importer import ImportOptions, import_purchases

    rows = (
        "x1,{p}1,2025-03-02,10.00,web\n"
        "x1,{p}2,2025-03-01,10.00,store\n"  # the earliest row of x1 names the channel
        "x2,{p}3,2025-03-05,10.00,\n"
    )
    # the bulk path (history, no points) and the scoring path (points) alike
    for award, prefix in ((False, "b"), (True, "s")):
        data = tmp_path / f"{prefix}.csv"
        body = rows.format(p=prefix).replace("x", "x" if prefix == "b" else "y")
        data.write_text("customer_id,order_id,date,amount,acquisition_channel\n" + body)
        report = import_purchases(patron.new_uow, data, ImportOptions(award_points=award))
        assert report.inserted == 3
    with patron.uow(readonly=True) as uow:
        channels = {
            c: getattr(uow.members.by_external_id(c), "acquisition_channel", "?")
            for c in ("x1", "x2", "y1", "y2")
        }
    assert channels == {"x1": "store", "x2": None, "y1": "store", "y2": None}


def test_refunds_leave_the_margin_of_the_goods_kept_and_a_missing_cost_means_revenue(
    patron: Patron, clock: Clock
) -> None:
    from patron.services.commands import Refund, ReturnLine
    from patron.services.refund import refund

    # given r1 (web, January) bought 2 × 45.00 at a cost of 20.00 each and returned one
    clock.now = datetime(2026, 4, 1, 9, 0)
    r1 = patron.run(
        enroll, Enroll("r1", enrolled_at=datetime(2026, 1, 5), acquisition_channel="web")
    )
    line = Line("SKU", "cat", 2, Decimal("45.00"), Decimal("20.00"))
    bought = patron.run(
        record_purchase,
        RecordPurchase(MemberRef(id=r1.member.id), "r-o1", datetime(2026, 1, 6), "EUR", (line,)),
    )
    patron.run(refund, Refund(bought.purchase_id, (ReturnLine(1, 1),)))
    assert cli(patron, "spend", "add", "--month", "2026-01", "--channel", "web",
               "--amount", "25.00", "--currency", "EUR").exit_code == 0  # fmt: skip
    # then the value is the margin on what was kept: 45 − 40 × 45 / 90 = 25 = CAC
    report = json.loads(cli(patron, "report", "--format", "json").stdout)
    assert report["basis"] == "margin"
    assert as_table(report) == {("2026-01", "web"): (25.0, 1, 25.0, 25.0, 1.0, 0)}
    # when a purchase without a known cost arrives, every value is revenue: 45 + 30
    no_cost = Line("SKU", "cat", 1, Decimal("30.00"))
    patron.run(
        record_purchase,
        RecordPurchase(
            MemberRef(id=r1.member.id), "r-o2", datetime(2026, 2, 10), "EUR", (no_cost,)
        ),
    )
    report = json.loads(cli(patron, "report", "--format", "json").stdout)
    assert report["basis"] == "revenue"
    assert as_table(report) == {("2026-01", "web"): (25.0, 1, 25.0, 75.0, 3.0, 0)}
