"""The console's segments (web/segments.py), on both stores, from hand data.

Five customers: c1 to c5, where c<i> buys i times for 10.00 each, in months ending in
June 2025, the last purchase on June <i>. With distinct values the percent ranks are 0,
1/4, 1/2, 3/4, 1, so each RFM score is 1 + ⌊rank·5⌋ capped at 5: c<i> scores i on
recency (fewer days since June 5 is better), frequency and spend. The grid's rules name
c5 and c4 champions (R ≥ 4, F ≥ 4), c3 loyal (R ≥ 3, F ≥ 3), c2 hibernating (R = 2), c1
lost. Revenue: 150.00 in all; c5 50 (33.3%), c4 40 (26.7%), c3 30 (20.0%), c2 20
(13.3%), c1 10 (6.7%). A/B/C on spend alone (A: top 20%, B: next 30%): c5 is A (rank
1/5), c4 B (2/5 ≤ 0.5), c3 to c1 C. The best 20% of customers (c5) bring 33.3%."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.integration.helpers import buy


def _rows(page: str, table: str) -> list[list[str]]:
    found = re.search(rf'<table class="list" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert found is not None, table
    return [
        re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)
        for row in re.findall(r"<tr>(.*?)</tr>", found.group(1))
    ]


def test_rfm_abc_and_pareto_from_hand_data(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    order = 0
    for i in range(1, 6):
        member = patron.run(enroll, Enroll(f"c{i}", enrolled_at=datetime(2024, 1, 1))).member.id
        for k in range(i):  # June i, May i, April i...
            order += 1
            at = datetime(2025, 6 - k, i, 12)
            buy(patron, member, f"o-{order}", ("A", None, 1, "10.00"), at=at)

    page = log_in("analyst").get("/console/segments").text

    assert "5 customers who bought, as of Jun 5, 2025" in page
    assert _rows(page, "named") == [
        ["champions", "2", "60.0%"],
        ["loyal", "1", "20.0%"],
        ["hibernating", "1", "13.3%"],
        ["lost", "1", "6.7%"],
    ]
    assert _rows(page, "grid") == [
        ["5", "5", "1", "20.0%", "33.3%"],
        ["4", "4", "1", "20.0%", "26.7%"],
        ["3", "3", "1", "20.0%", "20.0%"],
        ["2", "2", "1", "20.0%", "13.3%"],
        ["1", "1", "1", "20.0%", "6.7%"],
    ]
    assert _rows(page, "abc") == [["A", "1", "33.3%"], ["B", "1", "26.7%"], ["C", "3", "40.0%"]]
    assert "The best 20% of customers bring 33.3% of revenue." in page
    assert 'role="img" aria-label="RFM grid' in page and 'aria-label="Pareto curve' in page
    assert "<script" not in page


def test_the_heat_maps_colours_run_to_the_largest_cell(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # a review: on a scale to 100%, the grid's cells (a few percent each) were all the
    # palest blue. Here every cell holds 20% of the customers: the legend ends at 20%.
    order = 0
    for i in range(1, 6):
        member = patron.run(enroll, Enroll(f"c{i}", enrolled_at=datetime(2024, 1, 1))).member.id
        for k in range(i):
            order += 1
            at = datetime(2025, 6 - k, i, 12)
            buy(patron, member, f"o-{order}", ("A", None, 1, "10.00"), at=at)

    page = log_in("analyst").get("/console/segments").text
    grid = re.search(r'<svg[^>]*aria-label="RFM grid.*?</svg>', page, re.S)
    assert grid is not None
    labels = re.findall(r">(\d+%)</text>", grid.group(0))
    assert labels[0] == "0%" and labels[-1] == "20%" and "100%" not in labels
