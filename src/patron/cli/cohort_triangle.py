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

from patron.analytics.cohorts import triangle
from patron.analytics.columns import Kind
from patron.cli.present import Measured, View, cell, console, say


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
