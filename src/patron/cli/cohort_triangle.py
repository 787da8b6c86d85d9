"""The cohort triangle of `patron analytics cohorts`: a row per month of first purchase,
a column per month since it, each cell the share of the cohort that bought in that month.

The analytics give one row per cohort and month in which some of it bought
(analytics/cohorts.py); here a month inside the data with no buyer is 0.0%, and a month
after the data's last one is left empty: the triangle's lower edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.table import Table

from patron.analytics.columns import Kind, month_text, plain
from patron.cli.present import Measured, View, cell, console, say


def _index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def triangle(rows: Sequence[dict[str, Any]]) -> tuple[list[tuple[str, int, list[Any]]], int]:
    """(cohort, size, retention by month since: None past the data's end) per cohort,
    oldest first, and the number of month columns."""
    cohorts: dict[str, tuple[int, dict[int, float]]] = {}
    for row in rows:
        month = month_text(plain(row["cohort_month"]))
        size, shares = cohorts.setdefault(month, (int(row["size"]), {}))
        shares[int(row["months_since"])] = float(row["retention"])
    if not cohorts:
        return [], 0
    last = max(_index(m) + k for m, (_, shares) in cohorts.items() for k in shares)
    width = last - min(_index(m) for m in cohorts) + 1
    table = []
    for month in sorted(cohorts):
        size, shares = cohorts[month]
        seen = last - _index(month)
        table.append(
            (month, size, [shares.get(k, 0.0) if k <= seen else None for k in range(width)])
        )
    return table, width


def print_triangle(rows: Sequence[dict[str, Any]], shown: View, *, as_of: Measured) -> None:
    cohorts, width = triangle(rows)
    n = shown.rows_shown(len(cohorts), default=None)
    say(
        f"cohort retention: {len(cohorts):,} cohorts (month of first purchase), the share"
        " of each that bought 0, 1, 2... months later"
    )
    say(f"as of {as_of}")
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    grid.add_column("cohort")
    grid.add_column("customers", justify="right")
    for k in range(width):
        grid.add_column(str(k), justify="right")
    for month, size, shares in cohorts[:n]:
        grid.add_row(month, f"{size:,}", *(cell(s, Kind.SHARE, None) for s in shares))
    console().print(grid)
    if len(cohorts) > n:
        say(f"{len(cohorts) - n:,} more cohorts: --limit {len(cohorts)} or --all shows them")
