"""The console's cohorts (web/cohorts.py), on both stores: the triangle the CLI prints,
as a table and as a heat map drawn on the server (SVG, no script), from hand data.

Ana buys in January and March 2025, Bo in January only, Cleo twice in February and once
in March. The January cohort (Ana, Bo) bought 100% in month 0, 0% in month 1 (February:
neither), 50% in month 2 (Ana in March); the February cohort (Cleo) 100% in months 0 and
1, and month 2 is past the data (March is the last month): empty."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.integration.helpers import buy

ROW = re.compile(r'<tr><th scope="row">(\d{4}-\d{2})</th>((?:<td class="num">[^<]*</td>)+)</tr>')


def test_the_retention_triangle_as_a_table_and_a_heat_map(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    days = {
        "ana": [(2025, 1, 10), (2025, 3, 5)],
        "bo": [(2025, 1, 20)],
        "cleo": [(2025, 2, 1), (2025, 2, 14), (2025, 3, 1)],
    }
    order = 0
    for name, dates in days.items():
        member = patron.run(enroll, Enroll(name, enrolled_at=datetime(2024, 12, 1))).member.id
        for year, month, day in dates:
            order += 1
            buy(
                patron,
                member,
                f"o-{order}",
                ("A", None, 1, "10.00"),
                at=datetime(year, month, day, 12),
            )

    page = log_in("analyst").get("/console/cohorts").text

    rows = [(month, re.findall(r">([^<]*)</td>", cells)) for month, cells in ROW.findall(page)]
    assert rows == [
        ("2025-01", ["2", "100.0%", "0.0%", "50.0%"]),
        ("2025-02", ["1", "100.0%", "100.0%", ""]),
    ]
    chart = re.search(r'<figure class="chart" id="chart">(<svg.*?</svg>)</figure>', page, re.S)
    assert chart is not None
    assert 'role="img" aria-label="Cohort retention' in chart.group(1)
    assert "<script" not in page
    marks = re.search(r'class="mark-rect role-mark[^"]*"[^>]*>(.*?)</g>', chart.group(1), re.S)
    assert marks is not None and marks.group(1).count("<path") == 5  # the five known cells
