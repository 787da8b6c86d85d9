"""`patron liability`, `patron breakage` and `patron budget` on both stores: the story of
tests/integration/points_story.py through the command line, figures by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from tests.conftest import Clock
from tests.integration.points_story import tell

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("verified")


def cli(patron: Patron, *args: str) -> Any:
    url = patron.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--database-url", url])


def test_the_accountants_csv_and_the_json(patron: Patron, clock: Clock) -> None:
    tell(patron, clock)
    found = cli(patron, "liability", "--from", "2026-01", "--to", "2026-03", "--format", "csv",
                "--replicates", "20")  # fmt: skip
    assert found.exit_code == 0, found.output
    rows = list(csv.DictReader(io.StringIO(found.stdout)))
    assert [(r["month"], r["closing"], r["closing_value"], r["pending"]) for r in rows] == [
        ("2026-01", "710", "7.10", "300"),
        ("2026-02", "290", "2.90", "50"),
        ("2026-03", "90", "0.90", "0"),
    ]
    assert [r["redeemed_discounts"] for r in rows] == ["100", "20", "0"]
    doc = json.loads(cli(patron, "liability", "--from", "2026-02", "--to", "2026-02",
                         "--format", "json", "--replicates", "20").stdout)  # fmt: skip
    assert doc["point_value"] == "0.01" and doc["currency"] == "EUR"
    assert doc["data"][0]["opening"] == 710 and doc["data"][0]["refunds"] == 300
    assert 0 <= doc["breakage"]["low"] <= doc["breakage"]["expected"] <= doc["breakage"]["high"]
    table = cli(patron, "liability", "--from", "2026-01", "--to", "2026-03", "--replicates", "0")
    assert table.exit_code == 0 and "710" in table.stdout
    curve = cli(patron, "breakage", "--format", "json", "--replicates", "20")
    assert curve.exit_code == 0, curve.output
    assert json.loads(curve.stdout)["data"][0]["age_months"] == 0
    assert cli(patron, "breakage", "--cohorts").exit_code == 0


def test_budget_plan_spend_and_report(patron: Patron, clock: Clock) -> None:
    tell(patron, clock)
    common = ("--currency", "EUR", "--by", "ana")
    planned = cli(patron, "budget", "plan", "--month", "2026-01", "--category", "rewards",
                  "--amount", "5.00", *common)  # fmt: skip
    assert planned.exit_code == 0, planned.output
    spent = cli(patron, "budget", "spend", "--month", "2026-01", "--category", "logistics",
                "--amount", "30.00", "--note", "card readers", *common)  # fmt: skip
    assert spent.exit_code == 0, spent.output
    found = cli(patron, "budget", "report", "--from", "2026-01", "--to", "2026-01",
                "--format", "json")  # fmt: skip
    assert found.exit_code == 0, found.output
    rows = {r["category"]: r for r in json.loads(found.stdout)["data"]}
    assert (rows["rewards"]["planned"], rows["rewards"]["actual"]) == ("5.00", "4.00")
    assert rows["rewards"]["variance"] == "-1.00" and rows["rewards"]["variance_pct"] == -0.2
    assert (rows["logistics"]["planned"], rows["logistics"]["actual"]) == (None, "30.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--category", "rewards", "--amount", "1.00"), "Patron computes the actual"),
        (("--category", "coffee", "--amount", "1.00"), "not a budget category"),
        (("--category", "other", "--amount", "ten"), "not a number"),
    ],
)
def test_bad_spend_exits_2_and_writes_nothing(patron: Patron, args: tuple[str, ...], message: str):
    found = cli(patron, "budget", "spend", "--month", "2026-01", *args, "--currency", "EUR")
    assert found.exit_code == 2 and message in found.stderr
    with patron.uow(readonly=True) as uow:
        assert uow.budget.spend(date(2026, 1, 1), date(2026, 1, 1)) == []


def test_without_a_redemption_the_table_says_no_breakage_is_applied(
    patron: Patron, clock: Clock
) -> None:
    from tests.conftest import load_example
    from tests.integration.helpers import member, record

    load_example(patron)
    record(patron, member(patron, "ana"), "o-1")  # 50 points pending, none ever redeemed
    found = cli(patron, "liability", "--from", "2026-01", "--to", "2026-01", "--replicates", "0")
    assert found.exit_code == 0, found.output
    assert "breakage: none applied, 0 members have redeemed points (at least 30" in found.output
    assert "breakage of the outstanding points" not in found.output
