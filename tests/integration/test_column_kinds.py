"""Every column an analytics table can hold has its kind in analytics/columns.py: the API
and the command line write a value by its column's kind, and a column without one would
reach a user unwritten (`kind_of` refuses it). Checked on the tables themselves, with
every optional column present (lines, costs, a calibration end).
"""

from __future__ import annotations

from datetime import datetime

from patron.analytics.abc import abc_classes
from patron.analytics.cohorts import cohort_retention
from patron.analytics.columns import CONTACT, TABLES, Kind, encode, kinds
from patron.analytics.crosssell import category_pairs, next_categories
from patron.analytics.frames import open_source
from patron.analytics.kpis import period_kpis
from patron.analytics.pareto import pareto_curve
from patron.analytics.rfm import rfm, segment_counts
from patron.analytics.summary import customer_summary
from tests.integration.test_analytics import SMALL
from tests.integration.test_crosssell import BASKETS


def columns_of(frame: object) -> set[str]:
    return {str(c) for c in frame.columns}  # type: ignore[attr-defined]


def test_every_column_of_every_table_has_a_kind() -> None:
    small = open_source(str(SMALL))  # lines (sku, category), costs, channels, promotions
    baskets = open_source(str(BASKETS))
    summary = customer_summary(small, calibration_end=datetime(2025, 2, 1)).to_pandas()
    scores = rfm(small)
    tables = {
        "summary": summary,
        "rfm": scores.to_pandas(),
        "segments": segment_counts(scores).to_pandas(),
        "abc": abc_classes(small).to_pandas(),
        "pareto": pareto_curve(small).to_pandas(),
        "cohorts": cohort_retention(small).to_pandas(),
        "crosssell": category_pairs(baskets).to_pandas(),
        "next_categories": next_categories(baskets).to_pandas(),
    }
    for name, frame in tables.items():
        # each table's own columns, exactly (the members' contacts are added by a join)
        assert columns_of(frame) == set(kinds(name)) - set(CONTACT), name
    kpis = period_kpis(small, datetime(2025, 1, 1), datetime(2025, 2, 1)).as_dict()
    assert set(kpis) == set(kinds("kpis"))


def test_the_kinds_write_values_as_documented() -> None:
    # money to the cent, half up; a share a fraction; a month as a month
    assert encode(400970.01999999996, Kind.MONEY) == "400970.02"
    assert encode(0.125, Kind.MONEY) == "0.13"
    # a half cent is a half cent whatever the engine's last binary digit said
    assert encode(35.714999999999996, Kind.MONEY) == encode(35.715, Kind.MONEY) == "35.72"
    assert encode(2 / 3, Kind.SHARE) == 2 / 3
    assert encode(datetime(2024, 11, 1), Kind.MONTH) == "2024-11"
    assert encode("2024-11-01 00:00:00", Kind.DAY) == "2024-11-01"
    assert encode(float("nan"), Kind.NUMBER) is None
    assert all(set(CONTACT) <= set(TABLES[t]) for t in ("rfm", "abc", "next_categories"))
