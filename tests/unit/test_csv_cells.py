"""The CSV files the command line writes cannot run a formula in a spreadsheet: a text
cell starting with = + - @ or a tab gets a leading apostrophe; numbers stay as they are."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from patron.cli.present import write_csv


def test_a_goal_named_like_a_formula_is_written_as_text() -> None:
    rows = [
        {"name": '=HYPERLINK("http://x")', "owner": "@ana", "baseline": Decimal("-0.5")},
        {"name": "More visits", "owner": "ana", "baseline": Decimal("3")},
    ]
    out = io.StringIO()
    write_csv(rows, "goals", out, ["name", "owner", "baseline"])
    found = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["name"] for r in found] == ['\'=HYPERLINK("http://x")', "More visits"]
    assert [r["owner"] for r in found] == ["'@ana", "ana"]
    assert [r["baseline"] for r in found] == ["-0.5", "3.0"]  # a number is not text
