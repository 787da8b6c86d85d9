"""One as-of day for the analytics of the customer base, and one model choice, the same in
the command line and in the API's member insights.

Before: `patron clv predict` measured customers to the last purchase in the data and the
API to today, so the same customer got P(alive) 0.427 from one and 0.301 from the other.
Now every result says the day it is measured to and the model it used; the store's
default is today (its clock), a file's the day of its last purchase, and either takes a
day given (`--as-of`; the route passes `?as_of=`, see analytics/insights.py).

Every test fixes its day: the store's clock and the CLI's `_today` are set by the test,
never read from the machine.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.analytics import lifetime
from patron.analytics.frames import open_source
from patron.analytics.insights import CustomerBase, CustomerBases
from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from patron.domain.errors import InvalidInput
from patron.services.importer import ImportOptions, import_purchases
from tests.conftest import Clock
from tests.e2e.conftest import Api

DATA = Path(__file__).resolve().parents[1] / "data"
CDNOW = DATA / "cdnow_sample.csv"  # purchases of 1997-01-01 .. 1998-06-30
runner = CliRunner()


def predictions(out: Path) -> dict[str, dict[str, str]]:
    return {row["customer_id"]: row for row in csv.DictReader(out.open())}


def test_a_file_is_measured_to_its_last_purchase_unless_a_day_is_given(tmp_path: Path) -> None:
    out = tmp_path / "clv.csv"
    default = runner.invoke(
        app, ["clv", "predict", str(CDNOW), "--model", "bgnbd", "--out", str(out)]
    )
    assert default.exit_code == 0, default.output
    assert "as of 1998-06-30 (the day of the last purchase in the data)" in default.output
    before = predictions(out)
    later = runner.invoke(
        app,
        ["clv", "predict", str(CDNOW), "--model", "bgnbd", "--as-of", "1998-07-14",
         "--out", str(out)],
    )  # fmt: skip
    assert later.exit_code == 0, later.output
    assert "as of 1998-07-14 (as asked)" in later.output
    after = predictions(out)
    # two weeks later every customer is two weeks older, nothing else changes
    assert after.keys() == before.keys()
    for customer, row in after.items():
        assert float(row["T"]) == pytest.approx(float(before[customer]["T"]) + 2.0, abs=1e-12)
        assert row["recency"] == before[customer]["recency"]
        assert (row["as_of"], before[customer]["as_of"]) == ("1998-07-14", "1998-06-30")
        assert row["model"] == "bgnbd"


def test_a_fit_as_of_the_calibration_end_is_the_published_calibration_fit() -> None:
    """Measured to 1997-09-30, CDNOW is the 39-week calibration sample of the BG/NBD
    paper: the fit lands on its published r = 0.243, alpha = 4.414, a = 0.793, b = 2.426,
    and the answer says the day and the time unit."""
    result = runner.invoke(app, ["clv", "fit", str(CDNOW), "--as-of", "1997-09-30", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["as_of"], body["time_unit"], body["period_days"]) == ("1997-09-30", "week", 7.0)
    assert {k: round(v, 3) for k, v in body["params"].items()} == {
        "r": 0.243,
        "alpha": 4.414,
        "a": 0.793,
        "b": 2.426,
    }


def test_the_day_rules() -> None:
    source = open_source(str(CDNOW))
    assert lifetime.file_as_of(source, None) == lifetime.AsOf(
        date(1998, 6, 30), lifetime.END_OF_DATA
    )
    assert lifetime.file_as_of(source, date(1999, 1, 1)).day == date(1999, 1, 1)
    today = date(2026, 3, 1)
    assert lifetime.store_as_of(None, today) == lifetime.AsOf(today, lifetime.TODAY)
    assert lifetime.store_as_of(date(2026, 2, 1), today) == lifetime.AsOf(
        date(2026, 2, 1), lifetime.GIVEN
    )
    with pytest.raises(InvalidInput, match="as_of 2026-03-02 is after today"):
        lifetime.store_as_of(date(2026, 3, 2), today)
    # the holdout of the model ranking: the last third of 1997-01-01 .. 1998-06-30
    # (545 days: the calibration ends 363 days in, on 1997-12-30)
    assert lifetime.holdout_cut(source, date(1998, 6, 30)) == date(1997, 12, 30)


FIRST_CUSTOMERS = 500


@pytest.fixture
def store(patron: Patron, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The purchases of CDNOW's first 500 customers in the store, its clock on
    1998-07-01 (the day after the last purchase), and the CLI pointed at it."""
    clock.now = datetime(1998, 7, 1, 9, 0)
    rows = list(csv.DictReader(CDNOW.open()))
    keep = sorted({r["customer_id"] for r in rows})[:FIRST_CUSTOMERS]
    subset = tmp_path / "cdnow_first.csv"
    with subset.open("w", newline="") as f:
        writer = csv.DictWriter(f, ["customer_id", "order_id", "date", "amount"])
        writer.writeheader()
        for i, r in enumerate(r for r in rows if r["customer_id"] in set(keep)):
            writer.writerow(
                {"customer_id": r["customer_id"], "order_id": f"o{i}", "date": r["date"],
                 "amount": r["amount"]}
            )  # fmt: skip
    assert import_purchases(patron.new_uow, subset, ImportOptions()).inserted > 1000
    monkeypatch.setenv("PATRON_DATABASE_URL", patron.engine.url.render_as_string(False))
    monkeypatch.setattr("patron.cli.clv._today", lambda: date(1998, 7, 1))
    get_settings.cache_clear()
    yield patron.engine.url.render_as_string(False)
    get_settings.cache_clear()


def test_the_cli_and_the_api_give_the_same_p_alive_for_the_same_day(
    store: str, admin: Api, tmp_path: Path
) -> None:
    # the API measures to its clock's day (1998-07-01) and says so, with its model
    customers = ["00004", "00018", "00021"]
    answers = {c: admin.get(f"/v1/members/{c}/insights?by=external_id").json() for c in customers}
    for answer in answers.values():
        assert answer["as_of"] == "1998-07-01", answer
        assert answer["model"] in ("bgnbd", "mbgnbd", "pareto-nbd")
        assert answer["model_basis"] == "holdout"
    # the CLI on the store, by default today (the same day), and with the day given
    out = tmp_path / "clv.csv"
    for options in ([], ["--as-of", "1998-07-01"]):
        result = runner.invoke(app, ["clv", "predict", "store", "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        assert "as of 1998-07-01" in result.output
        assert f"model: {answers['00004']['model']}, the best prediction" in result.output
        rows = predictions(out)
        for c, answer in answers.items():
            assert rows[c]["as_of"] == "1998-07-01" and rows[c]["model"] == answer["model"]
            assert float(rows[c]["p_alive"]) == pytest.approx(answer["p_alive"], rel=1e-9)
            assert float(rows[c]["expected_purchases"]) == pytest.approx(
                answer["expected_purchases"], rel=1e-9
            )


def test_the_cli_and_the_insights_agree_on_a_past_day(store: str, tmp_path: Path) -> None:
    """A past day: what the route serves for ?as_of=1998-01-01 (CustomerBase fitted to
    that day) is what `clv predict store --as-of 1998-01-01` prints."""
    base = CustomerBase.fit(open_source("store", database_url=store), date(1998, 1, 1))
    out = tmp_path / "clv.csv"
    result = runner.invoke(
        app, ["clv", "predict", "store", "--as-of", "1998-01-01", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = predictions(out)
    answer = base.insights("00004")
    assert answer["as_of"] == "1998-01-01" and rows["00004"]["model"] == answer["model"]
    assert float(rows["00004"]["p_alive"]) == pytest.approx(answer["p_alive"], rel=1e-9)
    # and a day after the store's today is refused, saying why
    ahead = runner.invoke(app, ["clv", "predict", "store", "--as-of", "1998-07-02"])
    assert ahead.exit_code == 2
    assert "as_of 1998-07-02 is after today (1998-07-01)" in ahead.output


def test_the_api_takes_the_day_as_a_query_parameter(store: str, admin: Api) -> None:
    answer = admin.get("/v1/members/00004/insights?by=external_id&as_of=1998-01-01").json()
    base = CustomerBase.fit(open_source("store", database_url=store), date(1998, 1, 1))
    assert answer["as_of"] == "1998-01-01"
    assert answer["p_alive"] == pytest.approx(base.insights("00004")["p_alive"], rel=1e-9)
    ahead = admin.get("/v1/members/00004/insights?by=external_id&as_of=1998-07-02")
    assert ahead.status_code == 422 and "is after today" in ahead.json()["detail"]


def test_customer_bases_are_kept_per_day_for_a_while() -> None:
    now = [0.0]
    fits: list[date] = []

    def fit(day: date) -> CustomerBase:
        fits.append(day)
        return CustomerBase(None, None, None, day)

    bases = CustomerBases(ttl=600, keep=2, monotonic=lambda: now[0])
    first = bases.get(date(2026, 3, 1), fit)
    assert bases.get(date(2026, 3, 1), fit) is first  # held
    bases.get(date(2026, 2, 1), fit)
    now[0] = 601.0
    assert bases.get(date(2026, 3, 1), fit) is not first  # stale: fitted again
    bases.get(date(2026, 1, 1), fit)  # a third day: the oldest (Feb 1) leaves
    bases.get(date(2026, 2, 1), fit)
    assert fits == [
        date(2026, 3, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
