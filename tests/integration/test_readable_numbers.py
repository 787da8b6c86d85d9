"""Numbers a manager can read: what `patron analytics …` prints, line by line.

Every figure below is worked out by hand from tests/data/hand_purchases.csv (see the
table of tests/integration/test_analytics.py: 26 purchases of 9 customers in 2025, the
last on Jun 30) or from the few rows a test writes itself. A table line is compared cell
by cell (cells are separated by two spaces or more), so the test holds whatever padding
Rich gives a column, and nothing else may differ.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.cli import app
from tests.integration.test_analytics import HAND

runner = CliRunner()
AS_OF_LAST = "as of 2025-06-30 (the last purchase in the data; purchases on it count)"


def cells(output: str) -> list[list[str]]:
    """The printed lines, each as its cells; blank lines and the rule under a table's
    header left out."""
    return [
        re.split(r"\s{2,}", line.strip())
        for line in output.splitlines()
        if line.strip() and not set(line.strip()) <= {"─", " "}
    ]


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_kpis_print_a_table_with_the_period_its_last_day_and_the_change_in_percent() -> None:
    # March [Mar 1, Apr 1) against the 31 days before, [Jan 29, Mar 1) (test_cli.py):
    # customers 4 and 4, new 1 and 1, purchases 5 and 4, revenue 235 and 170 (+65/170 =
    # +38.2%), frequency 1.25 and 1.00 (+25%), basket 47 and 42.50 (+4.5/42.5 = +10.6%),
    # repurchase 1/4 and 0 (no change from 0), retention 1/2 and 3/4 (-33.3%), churn
    # 1/2 and 1/4 (+100%), products per customer unknown (no sku column)
    output = cli("analytics", "kpis", str(HAND), "--start", "2025-03-01", "--end", "2025-04-01",
                 "--compare", "--currency", "EUR")  # fmt: skip
    assert cells(output) == [
        [
            "KPIs of 2025-03-01 to 2025-03-31 (--end 2025-04-01 is not included), against"
            " 2025-01-29 to 2025-02-28"
        ],
        ["KPI", "value", "previous", "change"],
        ["customers", "4", "4", "+0.0%"],
        ["new customers", "1", "1", "+0.0%"],
        ["purchases", "5", "4", "+25.0%"],
        ["revenue", "235.00 EUR", "170.00 EUR", "+38.2%"],
        ["purchase frequency", "1.25", "1.00", "+25.0%"],
        ["average basket", "47.00 EUR", "42.50 EUR", "+10.6%"],
        ["repurchase rate", "25.0%", "0.0%", "n/a"],
        ["retention rate", "50.0%", "75.0%", "-33.3%"],
        ["churn rate", "50.0%", "25.0%", "+100.0%"],
        ["products per customer", "n/a", "n/a", "n/a"],
    ]


def test_kpis_say_that_end_is_not_included_in_help_and_output() -> None:
    # a quarter typed with its last day as --end leaves that day out, and says so
    output = cli("analytics", "kpis", str(HAND), "--start", "2025-04-01", "--end", "2025-06-30")
    assert cells(output)[0] == [
        "KPIs of 2025-04-01 to 2025-06-29 (--end 2025-06-30 is not included)"
    ]
    # Apr 1 - Jun 29: eve 25 + 45, fay 60 + 60, hal 20 + 25, ivy 40 (Jun 30's three
    # purchases, fay's two and gus's, are out): 4 customers, 7 purchases, 275
    assert ["customers", "4"] in cells(output) and ["purchases", "7"] in cells(output)
    assert ["revenue", "275.00"] in cells(output)  # a file names no currency by default
    helped = runner.invoke(app, ["analytics", "kpis", "--help"], env={"COLUMNS": "200"})
    assert "--end is exclusive" in " ".join(helped.output.split())
    assert "the day AFTER the period (not included)" in " ".join(helped.output.split())


def test_kpis_csv_and_json_hold_full_precision_money_as_decimal_text() -> None:
    output = cli("analytics", "kpis", str(HAND), "--start", "2025-03-01", "--end", "2025-04-01",
                 "--compare", "--format", "csv")  # fmt: skip
    assert output.splitlines() == [
        "kpi,value,previous,change",
        "customers,4,4,0.0",
        "new_customers,1,1,0.0",
        "purchases,5,4,0.25",
        f"revenue,235.00,170.00,{65 / 170!r}",
        "purchase_frequency,1.25,1.0,0.25",
        f"average_basket,47.00,42.50,{4.5 / 42.5!r}",
        "repurchase_rate,0.25,0.0,",
        f"retention_rate,0.5,0.75,{(0.5 - 0.75) / 0.75!r}",
        "churn_rate,0.5,0.25,1.0",
        "products_per_customer,,,",
    ]
    alone = json.loads(cli("analytics", "kpis", str(HAND), "--start", "2025-03-01",
                           "--end", "2025-04-01", "--format", "json"))  # fmt: skip
    assert alone == {
        "start": "2025-03-01",
        "end": "2025-04-01",
        "customers": 4,
        "new_customers": 1,
        "purchases": 5,
        "revenue": "235.00",
        "purchase_frequency": 1.25,
        "average_basket": "47.00",
        "repurchase_rate": 0.25,
        "retention_rate": 0.5,
        "churn_rate": 0.5,
        "products_per_customer": None,
    }


def test_cohorts_print_the_triangle() -> None:
    # first purchases: January ann, bob, cid, fay, ivy (5); March dan; April eve; May hal;
    # June gus. January's buyers by month: Feb cid, fay (2/5); Mar cid, fay, ivy (3/5);
    # Apr fay, ivy (2/5); May fay; Jun fay (1/5). dan, eve and hal never came back in a
    # later month (eve's and hal's second purchases are in their first month). The data
    # ends in June: March's cohort has months 0-3, June's month 0 only.
    output = cli("analytics", "cohorts", str(HAND))
    assert cells(output) == [
        [
            "cohort retention: 5 cohorts (month of first purchase), the share of each that"
            " bought 0, 1, 2... months later"
        ],
        [AS_OF_LAST],
        ["cohort", "customers", "0", "1", "2", "3", "4", "5"],
        ["2025-01", "5", "100.0%", "40.0%", "60.0%", "40.0%", "20.0%", "20.0%"],
        ["2025-03", "1", "100.0%", "0.0%", "0.0%", "0.0%"],
        ["2025-04", "1", "100.0%", "0.0%", "0.0%"],
        ["2025-05", "1", "100.0%", "0.0%"],
        ["2025-06", "1", "100.0%"],
    ]
    # csv: one row per cohort and month someone bought, the month as a month
    rows = cli("analytics", "cohorts", str(HAND), "--format", "csv").splitlines()
    assert rows[:3] == [
        "cohort_month,months_since,customers,size,retention",
        "2025-01,0,5,5,1.0",
        "2025-01,1,2,5,0.4",
    ]
    assert rows[-1] == "2025-06,0,1,1,1.0" and len(rows) == 1 + 6 + 1 + 1 + 1 + 1


def test_rfm_prints_money_with_its_currency_shares_in_percent_and_as_of() -> None:
    output = cli("analytics", "rfm", str(HAND), "--currency", "EUR", "--limit", "3")
    # days since the last purchase, to Jun 30: ann and bob Jan 31 (150), cid Mar 3 (119);
    # scores and segments as in HAND_EXPECTED; each segment holds one customer, whose
    # spend over 1000 is the revenue share
    assert cells(output) == [
        ["RFM scores: 9 customers, 5 bins"],
        [AS_OF_LAST],
        ["customer id", "purchases", "total spend", "days since last", "r", "f", "m", "rfm",
         "segment"],
        ["ann", "5", "200.00 EUR", "150", "1", "5", "5", "155", "can't lose"],
        ["bob", "1", "50.00 EUR", "150", "1", "1", "2", "112", "lost"],
        ["cid", "3", "60.00 EUR", "119", "2", "4", "2", "242", "at risk"],
        ["6 more rows: --limit 9 or --all shows them, --format csv or --out FILE gives every row"],
        ["segments"],
        ["segment", "customers", "revenue", "revenue share"],
        ["champions", "1", "360.00 EUR", "36.0%"],
        ["can't lose", "1", "200.00 EUR", "20.0%"],
        ["loyal", "1", "120.00 EUR", "12.0%"],
        ["hibernating", "1", "85.00 EUR", "8.5%"],
        ["need attention", "1", "70.00 EUR", "7.0%"],
        ["at risk", "1", "60.00 EUR", "6.0%"],
        ["lost", "1", "50.00 EUR", "5.0%"],
        ["potential loyalists", "1", "45.00 EUR", "4.5%"],
        ["new", "1", "10.00 EUR", "1.0%"],
    ]  # fmt: skip


def test_pareto_prints_shares_in_percent_and_the_headline() -> None:
    # cumulative spend 360, 560, ... of 1000 at each ninth of the customers (HAND_EXPECTED)
    got = cells(cli("analytics", "pareto", str(HAND)))
    assert got[2:5] == [
        ["step", "customer share", "revenue share"],
        ["2", "11.1%", "36.0%"],
        ["3", "22.2%", "56.0%"],
    ]
    assert got[-1] == ["top 20% of customers bring 52.0% of revenue"]


@pytest.fixture
def big_spender(tmp_path: Path) -> Path:
    """One customer whose three purchases add up, in binary floating point, to
    400970.01999999996 rather than 400970.02; and 24 customers of 1.00 each."""
    rows = ["customer_id,date,amount", "big,2025-01-02,0.10", "big,2025-01-03,0.20",
            "big,2025-01-04,400969.72"]  # fmt: skip
    rows += [f"c{i:02d},2025-01-05,1.00" for i in range(24)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_large_amounts_have_thousands_separators_and_no_scientific_notation(
    big_spender: Path,
) -> None:
    output = cli("analytics", "summary", str(big_spender), "--currency", "RON")
    first = cells(output)[3]
    # big: 3 purchases, 400970.02 in all, a mean of 133656.67 (400970.02 / 3 = 133656.6733)
    assert first[:4] == ["big", "2025-01-02", "2025-01-04", "3"]
    assert "400,970.02 RON" in first and "133,656.67 RON" in first
    assert "e+" not in output
    # 25 customers, 20 shown
    assert cells(output)[-1] == [
        "5 more rows: --limit 25 or --all shows them, --format csv or --out FILE gives every row"
    ]
    assert len(cells(cli("analytics", "summary", str(big_spender), "--all"))) == 3 + 25


def test_json_and_csv_carry_money_to_the_cent_as_decimal_text(
    big_spender: Path, tmp_path: Path
) -> None:
    document = json.loads(cli("analytics", "rfm", str(big_spender), "--format", "json"))
    assert document["as_of"] == "2025-01-05" and document["count"] == 25
    assert document["currency"] is None  # a file names none unless --currency does
    assert document["data"][0]["customer_id"] == "big"
    assert document["data"][0]["total_spend"] == "400970.02"
    # 400970.02 of 400994.02 in all
    big = next(s for s in document["segments"] if s["revenue"] == "400970.02")
    assert big["revenue_share"] == pytest.approx(400970.02 / 400994.02, rel=1e-12)
    csv_rows = cli("analytics", "rfm", str(big_spender), "--format", "csv").splitlines()
    assert csv_rows[0] == "customer_id,purchases,total_spend,days_since_last,r,f,m,rfm,segment"
    assert csv_rows[1].startswith("big,3,400970.02,1,") and len(csv_rows) == 26
    # Parquet keeps money as decimals to the cent
    import pandas as pd

    parquet = tmp_path / "rfm.parquet"
    cli("analytics", "rfm", str(big_spender), "--out", str(parquet))
    assert pd.read_parquet(parquet).total_spend.iloc[0] == Decimal("400970.02")


def test_a_piped_table_is_not_cut_at_80_columns(big_spender: Path) -> None:
    # stdout is not a terminal here: Rich would cut every line to COLUMNS (80) characters
    result = runner.invoke(app, ["analytics", "summary", str(big_spender)], env={"COLUMNS": "80"})
    header = cells(result.stdout)[2]
    assert header[:4] == ["customer id", "first purchase", "last purchase", "purchases"]
    assert "avg days to pay" in header and "channels" in header
    assert max(len(line) for line in result.stdout.splitlines()) > 120


def test_a_bad_format_or_currency_is_refused() -> None:
    bad = runner.invoke(app, ["analytics", "rfm", str(HAND), "--format", "xml"])
    assert bad.exit_code == 2 and "--format must be one of table, csv, json" in bad.output
    bad = runner.invoke(app, ["analytics", "rfm", str(HAND), "--currency", "euro"])
    assert bad.exit_code == 2 and "--currency 'euro' is not a 3-letter" in bad.output


def test_clv_predict_prints_p_alive_in_percent_and_money_with_its_currency() -> None:
    from tests.integration.test_clv_pipeline import CDNOW

    output = cli("clv", "predict", str(CDNOW), "--model", "bgnbd", "--currency", "USD",
                 "--limit", "2")  # fmt: skip
    got = cells(output)
    assert got[:3] == [
        ["model: bgnbd (as asked)"],
        ["predictions over 52 weeks: 2,357 customers"],
        ["as of 1998-06-30 (the day of the last purchase in the data)"],
    ]
    assert got[3] == ["customer id", "frequency", "recency", "T", "expected purchases",
                      "p alive", "expected spend", "clv", "as of", "model"]  # fmt: skip
    # customer 00018 bought once: under BG/NBD a customer without a repeat purchase is
    # alive for sure (eq. 12 with x = 0), whatever the parameters
    second = got[5]
    assert second[:3] == ["00018", "0", "0.00"] and second[5] == "100.0%"
    assert second[6].endswith(" USD") and second[7].endswith(" USD")
    assert got[-1] == [
        "2,355 more rows: --limit 2357 or --all shows them, --format csv or --out FILE gives"
        " every row"
    ]
    document = json.loads(cli("clv", "predict", str(CDNOW), "--model", "bgnbd",
                              "--format", "json"))  # fmt: skip
    assert (document["as_of"], document["count"], document["model"]) == ("1998-06-30", 2357,
                                                                         "bgnbd")  # fmt: skip
    row = next(r for r in document["data"] if r["customer_id"] == "00018")
    assert row["p_alive"] == 1.0 and re.fullmatch(r"\d+\.\d\d", row["clv"])
    fitted = cli("clv", "fit", str(CDNOW), "--format", "csv").splitlines()
    assert fitted[0] == "parameter,estimate,std_error,unit"
    assert [r.split(",")[0] for r in fitted[1:]] == ["r", "alpha", "a", "b"]
