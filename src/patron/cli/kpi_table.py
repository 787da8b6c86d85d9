"""The table of `patron analytics kpis`: a KPI a row, its value, and with --compare the
previous period's value and the change in %.

The period is [start, end): the line above the table names its first and last day, so
that an `--end` typed as the last day (June 30 for a quarter) shows itself left out.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

import typer
from rich import box
from rich.table import Table

from patron.analytics.columns import encode, kind_of
from patron.analytics.kpis import PeriodKpis, compare
from patron.cli.present import View, cell, console, say

FIGURES = (
    "customers",
    "new_customers",
    "purchases",
    "revenue",
    "purchase_frequency",
    "average_basket",
    "repurchase_rate",
    "retention_rate",
    "churn_rate",
    "products_per_customer",
)


def span(kpis: PeriodKpis) -> str:
    """ "2025-03-01 to 2025-03-31": the first and the last day the period includes."""
    last = date.fromisoformat(kpis.end) - timedelta(days=1)
    return f"{kpis.start} to {last.isoformat()}"


def change(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def print_kpis(current: PeriodKpis, previous: PeriodKpis | None, shown: View) -> None:
    if shown.format == "json":
        typer.echo(json.dumps(_document(current, previous)))
    elif shown.format == "csv":
        _csv(current, previous)
    else:
        _table(current, previous, shown.currency)


def _document(current: PeriodKpis, previous: PeriodKpis | None) -> dict[str, Any]:
    """Without a previous period the KPIs by name; with one, each KPI's previous and
    current value and relative change (a fraction; null from 0)."""
    if previous is None:
        return {k: encode(v, kind_of("kpis", k)) for k, v in current.as_dict().items()}
    return {
        name: {
            "previous": encode(row["previous"], kind_of("kpis", name)),
            "current": encode(row["current"], kind_of("kpis", name)),
            "change": row["change"],
        }
        for name, row in compare(current, previous).items()
    }


def _csv(current: PeriodKpis, previous: PeriodKpis | None) -> None:
    rows: list[dict[str, Any]] = []
    for name in FIGURES:
        kind = kind_of("kpis", name)
        row = {"kpi": name, "value": encode(getattr(current, name), kind)}
        if previous is not None:
            row["previous"] = encode(getattr(previous, name), kind)
            row["change"] = compare(current, previous)[name]["change"]
        rows.append(row)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(rows[0]))
    writer.writerows([["" if v is None else v for v in row.values()] for row in rows])
    typer.echo(text.getvalue(), nl=False)


def _table(current: PeriodKpis, previous: PeriodKpis | None, currency: str | None) -> None:
    heading = f"KPIs of {span(current)} (--end {current.end} is not included)"
    if previous is not None:
        heading += f", against {span(previous)}"
    say(heading)
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    grid.add_column("KPI")
    grid.add_column("value", justify="right")
    changes = compare(current, previous) if previous is not None else {}
    if previous is not None:
        grid.add_column("previous", justify="right")
        grid.add_column("change", justify="right")
    for name in FIGURES:
        kind = kind_of("kpis", name)
        cells = [name.replace("_", " "), _shown(getattr(current, name), kind, currency)]
        if previous is not None:
            cells += [
                _shown(getattr(previous, name), kind, currency),
                change(changes[name]["change"]),
            ]
        grid.add_row(*cells)
    console().print(grid)


def _shown(value: Any, kind: Any, currency: str | None) -> str:
    return cell(value, kind, currency) or "n/a"
