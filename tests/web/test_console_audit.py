"""The console's audit log (web/audit.py over services/audit.audit_trail), on both
stores: every manual change with its actor, filters by who, what, member and day (the
"to" day included), pages that continue after the last entry, and clear refusals."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.commands import Adjust, Enroll
from patron.services.enroll import enroll
from patron.web import audit
from tests.conftest import Clock

ROW = re.compile(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>")


def _rows(page: str) -> list[tuple[str, str, str]]:
    return ROW.findall(page)


@pytest.fixture
def history(patron: Patron, clock: Clock) -> int:
    """Three adjustments on three days (the clock starts 2026-01-01 09:00)."""
    member = patron.run(enroll, Enroll("C-1")).member.id
    for actor, points in [("user:ana@shop.ro", 10), ("cli:bob", 20), ("user:ana@shop.ro", 30)]:
        patron.run(adjust, Adjust(member, points, f"r{points}", actor))
        clock.advance(days=1)
    return member


def test_the_log_lists_and_filters_manual_changes(
    log_in: Callable[[str], TestClient], history: int
) -> None:
    browser = log_in("analyst")
    adjusted = "action=points.adjusted"
    assert [r[1:] for r in _rows(browser.get(f"/console/audit?{adjusted}").text)] == [
        ("user:ana@shop.ro", "points.adjusted"),
        ("cli:bob", "points.adjusted"),
        ("user:ana@shop.ro", "points.adjusted"),
    ]
    by_ana = browser.get(f"/console/audit?{adjusted}&actor=user:ana@shop.ro").text
    # written as every page writes a moment (Babel's medium format; CLDR's narrow space)
    assert [r[0] for r in _rows(by_ana)] == [
        "Jan 1, 2026, 9:00:00\u202fAM",
        "Jan 3, 2026, 9:00:00\u202fAM",
    ]
    one_day = browser.get(f"/console/audit?{adjusted}&since=2026-01-02&until=2026-01-02").text
    assert [r[1] for r in _rows(one_day)] == ["cli:bob"]  # "to" 2 January includes that day
    assert f'<a href="/console/customers/{history}">{history}</a>' in one_day


def test_pages_continue_after_the_last_entry(
    log_in: Callable[[str], TestClient], history: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "PAGE", 2)
    browser = log_in("analyst")
    first = browser.get("/console/audit?action=points.adjusted").text
    assert [r[1] for r in _rows(first)] == ["user:ana@shop.ro", "cli:bob"]
    link = re.search(r'href="([^"]+)" rel="next"', first)
    assert link is not None
    second = browser.get(link.group(1).replace("&amp;", "&")).text
    assert [r[1] for r in _rows(second)] == ["user:ana@shop.ro"]
    assert 'rel="next"' not in second


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("action=points.deleted", "action: &#39;points.deleted&#39; is not an audited action"),
        ("since=2026-02-02&until=2026-02-01", "the period starts after it ends (from &gt; to)"),
    ],
)
def test_a_bad_filter_says_what_is_wrong(
    log_in: Callable[[str], TestClient], query: str, message: str
) -> None:
    answer = log_in("analyst").get(f"/console/audit?{query}")
    assert answer.status_code == 422 and message in answer.text


def test_each_entry_shows_what_changed_and_the_widest_period_works(
    log_in: Callable[[str], TestClient], history: int
) -> None:
    browser = log_in("analyst")
    page = browser.get("/console/audit?action=points.adjusted&since=0001-01-01&until=9999-12-31")
    assert page.status_code == 200
    details = re.findall(r'<td class="details">([^<]*)</td>', page.text)
    assert [d.split(";")[1].strip() for d in details] == ["points: 10", "points: 20", "points: 30"]
