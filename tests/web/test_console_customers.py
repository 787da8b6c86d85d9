"""The console's customer list (web/customers.py over services/queries.find_members), on
both stores: a search that finds the shop's ids, names and e-mails in any case, Unicode
included, and takes % and _ literally; the tier filter; sorting with ties in a stable
order; pages; and the CSV export of the same list, whole, with each member's consent."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.web import customers
from tests.integration.helpers import buy

ROW = re.compile(r'<tr>\s*<td><a href="/console/customers/\d+">([^<]*)</a></td>')


@pytest.fixture
def console(log_in: Callable[[str], TestClient]) -> TestClient:
    """A browser logged in as an analyst: reading the list needs no more."""
    return log_in("analyst")


def _member(patron: Patron, external_id: str, name: str, email: str) -> int:
    return patron.run(enroll, Enroll(external_id, email=email, name=name)).member.id


def _ids(page: str) -> list[str]:
    return ROW.findall(page)


@pytest.fixture
def shop(patron: Patron) -> None:
    """Four customers; spend decides the tier (example program: Silver from 500 EUR)."""
    ana = _member(patron, "C-100", "Ăna Ștefan", "ana@shop.ro")
    bo = _member(patron, "C-200", "Bogdan Pop", "bo_pop@shop.ro")
    _member(patron, "C-300", "Cleo 50%", "cleo@shop.ro")
    dan = _member(patron, "X-400", "Dan Ene", "dan@other.ro")
    buy(patron, ana, "o-1", ("A", None, 1, "600.00"))
    buy(patron, bo, "o-2", ("A", None, 1, "120.00"))
    buy(patron, dan, "o-3", ("A", None, 1, "120.00"))


@pytest.mark.usefixtures("shop")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ăNA", ["C-100"]),  # Unicode, any case, on SQLite as on PostgreSQL
        ("q=ȘTEFAN", ["C-100"]),
        ("q=c-", ["C-300", "C-200", "C-100"]),  # the shop's ids
        ("q=OTHER.RO", ["X-400"]),  # e-mails
        ("q=50%25", ["C-300"]),  # % is a character, not a wildcard
        ("q=o_p", ["C-200"]),  # _ too: "bo_pop"...
        ("q=n_p", []),  # ...and not "bogdaN Pop"
        ("tier=Silver", ["C-100"]),
        ("q=c-&tier=Bronze", ["C-300", "C-200"]),
    ],
)
def test_the_search_finds_ids_names_and_emails(
    console: TestClient, query: str, expected: list[str]
) -> None:
    page = console.get(f"/console/customers?{query}")
    assert page.status_code == 200
    assert _ids(page.text) == expected


@pytest.mark.usefixtures("shop")
def test_sorting_by_spend_keeps_ties_in_member_order(console: TestClient) -> None:
    down = console.get("/console/customers?sort=lifetime_spend&dir=desc").text
    assert _ids(down) == ["C-100", "X-400", "C-200", "C-300"]  # 600, 120 (id 4), 120 (id 2), 0
    up = console.get("/console/customers?sort=lifetime_spend&dir=asc").text
    assert _ids(up) == ["C-300", "C-200", "X-400", "C-100"]
    assert '<td class="num">600.00</td>' in down and "Spend (EUR)" in down


def test_pages_of_fifty_with_a_count(console: TestClient, patron: Patron) -> None:
    for i in range(53):
        _member(patron, f"M-{i:03d}", f"Member {i}", f"m{i}@shop.ro")
    first = console.get("/console/customers?sort=external_id&dir=asc").text
    assert "1–50 of 53 members" in first and len(_ids(first)) == 50
    assert _ids(first)[0] == "M-000"
    link = re.search(r'href="([^"]+)" rel="next"', first)
    assert link is not None and 'rel="prev"' not in first
    second = console.get(link.group(1).replace("&amp;", "&")).text
    assert "51–53 of 53 members" in second
    assert _ids(second) == ["M-050", "M-051", "M-052"] and 'rel="next"' not in second


@pytest.mark.usefixtures("shop")
def test_the_export_holds_the_whole_filtered_list_with_consent(
    console: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customers, "MAX_PAGE", 1)  # one member per store read: every page
    answer = console.get("/console/customers.csv?q=c-&sort=external_id&dir=asc")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == [
        "external_id", "name", "email", "consent", "tier", "points", "purchases",
        "lifetime_spend_EUR", "enrolled_at",
    ]  # fmt: skip
    assert [r[:5] + r[6:8] for r in rows[1:]] == [
        ["C-100", "Ăna Ștefan", "ana@shop.ro", "not recorded", "Silver", "1", "600.00"],
        ["C-200", "Bogdan Pop", "bo_pop@shop.ro", "not recorded", "Bronze", "1", "120.00"],
        ["C-300", "Cleo 50%", "cleo@shop.ro", "not recorded", "Bronze", "0", "0.00"],
    ]


def test_bad_parameters_are_refused_and_visitors_sent_to_the_login(
    console: TestClient, patron: Patron
) -> None:
    assert console.get("/console/customers?sort=password").status_code == 422
    assert console.get("/console/customers?page=0").status_code == 422
    with TestClient(create_app(patron), follow_redirects=False) as visitor:
        for path in ("/console/customers", "/console/customers.csv"):
            answer = visitor.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/console/login?next=/console/customers")


@pytest.mark.usefixtures("shop")
def test_the_forms_empty_choices_mean_no_filter(console: TestClient) -> None:
    # the search form sends every field, the unused ones empty
    page = console.get("/console/customers?q=c-&tier=&segment=&risk=")
    assert page.status_code == 200 and _ids(page.text) == ["C-300", "C-200", "C-100"]


def test_the_export_neutralises_formulas_and_is_not_cached(
    console: TestClient, patron: Patron
) -> None:
    _member(patron, "=HYPERLINK(1)", "+SUM(1)", "@x.ro")
    _member(patron, "-2", "Ana\tPop", "plain@shop.ro")
    answer = console.get("/console/customers.csv?sort=external_id&dir=asc")
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(answer.text)))[1:]
    assert [r[:3] for r in rows] == [
        ["'-2", "Ana\tPop", "plain@shop.ro"],  # a tab inside is harmless; at the start it is not
        ["'=HYPERLINK(1)", "'+SUM(1)", "'@x.ro"],
    ]


def test_a_bad_parameter_gets_a_page_a_person_can_read(console: TestClient) -> None:
    answer = console.get("/console/customers?sort=password&page=0")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "This page cannot be shown: sort: Input should be" in answer.text
    assert "page: Input should be greater than or equal to 1" in answer.text
    # the API keeps answering problem+json
    api = console.get("/v1/rewards?limit=0")
    assert api.headers["content-type"] == "application/problem+json"


def test_a_name_with_a_right_to_left_override_is_isolated(
    console: TestClient, patron: Patron
) -> None:
    # a review: a name ending in U+202E turned the rest of the row around ("moc.pohs@...")
    member = _member(patron, "C-900", "Eve \u202egnp.exe", "eve@shop.ro")
    listed = console.get("/console/customers?q=eve").text
    assert "<td><bdi>Eve \u202egnp.exe</bdi></td>" in listed
    page = console.get(f"/console/customers/{member}").text
    assert "<h1><bdi>Eve \u202egnp.exe</bdi></h1>" in page
    assert "<title>\u2068Eve \u202egnp.exe\u2069" in page
