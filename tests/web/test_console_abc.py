"""The A/B/C class on the console's customer list (web/customers.py): a filter beside the
tier, RFM segment and churn risk, a column, and the CSV export keeping the filter. The
classes are those of analytics/abc.py on its default criteria (spend only; A the top 20%
of buyers, B the next 30%, C the rest), worked out here by hand."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.integration.helpers import buy

ROW = re.compile(
    r'<a href="/console/customers/\d+">([^<]*)</a></td>'
    r'(?:\s*<td>(?:<bdi>)?[^<]*(?:</bdi>)?</td>){3}\s*<td class="abc">([^<]*)</td>'
)


@pytest.fixture
def console(log_in: Callable[[str], TestClient], patron: Patron) -> TestClient:
    """Ten buyers spending 100, 200, ... 1,000 EUR (K-01 the least) and one who never
    bought. Ranked by spend, K-10 and K-09 are the top 2 of 10 (A), K-08 to K-06 the
    next 3 (B), K-05 to K-01 the rest (C); N-00 has no class."""
    for i in range(1, 11):
        member = patron.run(enroll, Enroll(f"K-{i:02d}", name=f"Buyer {i}")).member.id
        buy(patron, member, f"o-{i}", ("A", None, 1, f"{i * 100}.00"))
    patron.run(enroll, Enroll("N-00", name="Never bought"))
    return log_in("analyst")


A, B, C = ["K-10", "K-09"], ["K-08", "K-07", "K-06"], ["K-05", "K-04", "K-03", "K-02", "K-01"]


def test_each_customer_shows_the_class_of_their_spend(console: TestClient) -> None:
    page = console.get("/console/customers?sort=external_id&dir=desc").text
    shown = dict(ROW.findall(page))
    assert shown == {**dict.fromkeys(A, "A"), **dict.fromkeys(B, "B"), **dict.fromkeys(C, "C"),
                     "N-00": "—"}  # fmt: skip


@pytest.mark.parametrize(("abc", "expected"), [("A", A), ("B", B), ("C", C)])
def test_the_class_filter_lists_that_class_and_the_export_keeps_it(
    console: TestClient, abc: str, expected: list[str]
) -> None:
    page = console.get(f"/console/customers?abc={abc}&sort=lifetime_spend&dir=desc").text
    assert [i for i, _ in ROW.findall(page)] == expected
    assert f'<option value="{abc}" selected>' in page
    export = re.search(r'href="(/console/customers\.csv\?[^"]*)"', page)
    assert export is not None and f"abc={abc}" in export.group(1)
    rows = console.get(export.group(1).replace("&amp;", "&")).text.splitlines()[1:]
    assert sorted(r.split(",")[0] for r in rows) == sorted(expected)


def test_a_class_that_is_no_class_is_refused(console: TestClient) -> None:
    assert console.get("/console/customers?abc=D").status_code == 422
