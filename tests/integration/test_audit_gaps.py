"""Analytics rules whose boundaries the existing tests never reached.

Found by an audit that broke each rule in the source and ran the analytics tests: these
breaks passed them all. Each test below builds the few purchases that sit on the
boundary, and its expected figures are worked out by hand from the rule as documented
(the module docstrings of rfm.py, kpis.py and abc.py), not from the code's output.
The tests run on DuckDB only: the rules are engine-independent, and test_analytics.py
compares engines. Not use cases (analytics/ reads purchase files and the store), so not
in tests/usecases; the audit's two import tests are in tests/usecases/test_importer.py.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from patron.analytics.abc import AbcConfig, Classes, abc_classes
from patron.analytics.frames import open_source
from patron.analytics.kpis import period_kpis
from patron.analytics.rfm import rfm

AS_OF = datetime(2025, 7, 1)


def _write(path: Path, rows: list[tuple[str, date, float]]) -> str:
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["customer_id", "order_id", "date", "amount"])
        for n, (customer, day, amount) in enumerate(rows, 1):
            out.writerow([customer, f"o{n}", day.isoformat(), f"{amount:.2f}"])
    return str(path)


# The R x F grid of rfm.py, first matching rule, read off its docstring by hand:
#   R1: F1 F2 lost (no rule), F3 at risk (R <= 2, F >= 3), F4 F5 can't lose (R <= 1, F >= 4)
#   R2: F1 F2 hibernating (R == 2), F3-F5 at risk
#   R3: F1 F2 need attention (R == 3), F3-F5 loyal (R >= 3, F >= 3)
#   R4, R5: F1 new, F2 potential loyalists, F3 loyal, F4 F5 champions
GRID = {
    1: ["lost", "lost", "at risk", "can't lose", "can't lose"],
    2: ["hibernating", "hibernating", "at risk", "at risk", "at risk"],
    3: ["need attention", "need attention", "loyal", "loyal", "loyal"],
    4: ["new", "potential loyalists", "loyal", "champions", "champions"],
    5: ["new", "potential loyalists", "loyal", "champions", "champions"],
}


def test_every_cell_of_the_rfm_grid_gets_its_documented_segment(tmp_path: Path) -> None:
    # given 25 customers, one per (R, F) cell: customer "r{R}f{F}" buys F times, the last
    # time (6 - R) * 10 days before the end. Five customers tie on each recency and on
    # each count, so ranks are 1, 6, 11, 16, 21 of 25 and percent ranks 0, 5/24, 10/24,
    # 15/24, 20/24: score = 1 + floor(5 * percent rank) = 1, 2, 3, 4, 5 exactly.
    rows = []
    for r in range(1, 6):
        for f in range(1, 6):
            last = AS_OF.date() - timedelta(days=(6 - r) * 10)
            rows += [(f"r{r}f{f}", last - timedelta(days=k), 10.0) for k in range(f)]
    source = open_source(_write(tmp_path / "grid.csv", rows))
    # when RFM is scored with 5 bins
    scores = rfm(source, bins=5, as_of=AS_OF).to_pandas()
    got = {
        c: (int(r), int(f), s) for c, r, f, s in scores[["customer_id", "r", "f", "segment"]].values
    }
    # then each customer has the scores of its cell and the cell's segment
    expected = {f"r{r}f{f}": (r, f, GRID[r][f - 1]) for r in range(1, 6) for f in range(1, 6)}
    assert got == expected


def test_the_previous_period_ends_the_day_before_the_period_starts(tmp_path: Path) -> None:
    # given March 2025 [Mar 1, Apr 1), 31 days, so the previous period is [Jan 29, Mar 1):
    #   new  buys first on Mar 1 (the period's first day): in March, not in the previous
    #   back buys Feb 10 and Mar 15: in both (retained)
    #   edge buys Jan 29 only (the previous period's first day): in the previous, gone
    #   old  buys Jan 28 only: in neither
    #   late buys Apr 1 only (the day after March): in neither period
    rows = [
        ("new", date(2025, 3, 1), 30.0),
        ("back", date(2025, 2, 10), 20.0),
        ("back", date(2025, 3, 15), 50.0),
        ("edge", date(2025, 1, 29), 40.0),
        ("old", date(2025, 1, 28), 60.0),
        ("late", date(2025, 4, 1), 70.0),
    ]
    source = open_source(_write(tmp_path / "edges.csv", rows))
    # when March's KPIs are computed
    k = period_kpis(source, datetime(2025, 3, 1), datetime(2025, 4, 1))
    # then March has new and back (2 customers, 2 purchases, revenue 80, new 1, nobody
    # bought twice in March); the previous period held back and edge, back came again:
    # retention 1/2, churn 1/2
    assert (k.customers, k.new_customers, k.purchases, k.revenue) == (2, 1, 2, 80.0)
    assert (k.purchase_frequency, k.average_basket, k.repurchase_rate) == (1.0, 40.0, 0.0)
    assert (k.retention_rate, k.churn_rate) == (0.5, 0.5)


def test_a_class_share_that_falls_on_a_customer_includes_that_customer(tmp_path: Path) -> None:
    # given 10 customers spending 100, 90, ..., 10 (c01 the most), and classes A = 0.2,
    # B = 0.3: the top 20% is exactly 2 customers, the next 30% exactly 3
    rows = [(f"c{i:02d}", date(2025, 6, 1), float(110 - 10 * i)) for i in range(1, 11)]
    source = open_source(_write(tmp_path / "ten.csv", rows))
    config = AbcConfig(classes=Classes(A=0.2, B=0.3))
    # when classified on volume alone (the default weights)
    frame = abc_classes(source, config, as_of=AS_OF).to_pandas()
    got = {cls: sorted(frame.customer_id[frame.abc == cls]) for cls in "ABC"}
    # then A holds c01 and c02, B c03 to c05, C the other five
    assert got == {
        "A": ["c01", "c02"],
        "B": ["c03", "c04", "c05"],
        "C": ["c06", "c07", "c08", "c09", "c10"],
    }
    assert frame.score.tolist() == pytest.approx([1 - i / 9 for i in range(10)])
