"""The console's goals on both stores: the list with statuses, the form for owners and
marketers (an analyst reads only), one goal's chart and the table of its numbers, and a
refused goal that writes nothing. Figures: tests/support/goals.py (by hand)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from tests.conftest import Clock
from tests.support import goals as scenario
from tests.web.conftest import token

FORM = {
    "kpi": "purchase_frequency", "target": "10", "deadline": "2026-07-31", "owner": "ana",
    "population": "all", "window_days": "30", "priority": "primary", "name": "More visits",
}  # fmt: skip


def test_a_marketer_sets_a_goal_and_reads_its_progress(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    scenario.build(patron, clock)
    browser = log_in("marketer")
    page = browser.get("/console/goals")
    assert page.status_code == 200 and 'id="no-goals"' in page.text
    assert 'href="/console/goals"' in page.text  # in the nav
    sent = browser.post("/console/goals", data={**FORM, "csrf": token(page.text)})
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location.startswith("/console/goals/")
    clock.now = datetime(2026, 7, 2, 9)  # the next day, an owner reads it (sessions last 12 h)
    browser = log_in("owner")
    detail = browser.get(location)
    assert detail.status_code == 200
    # 3 purchases of 4 members over 30 days: 9.125; the path's value on 07-02:
    # 9.125 + (10 − 9.125) / 30 = 9.154167
    assert '<dd id="path-today">9.154167</dd>' in detail.text
    assert '<dd id="status">on track</dd>' in detail.text
    assert '<figure class="chart" id="chart"><svg' in detail.text
    assert '<td class="num">9.125</td><td class="num">9.125</td><td class="num">0</td>' in (
        detail.text
    )
    listed = browser.get("/console/goals")
    assert "More visits" in listed.text and "<td>on track</td>" in listed.text
    audit = patron.read(lambda uow: uow.audit.search(AuditQuery(action="goal.created")))
    assert [e.actor for e in audit] == ["user:marketer@shop.ro"]


def test_a_refused_goal_says_why_and_writes_nothing(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    scenario.build(patron, clock)
    browser = log_in("owner")
    page = browser.get("/console/goals")
    sent = browser.post(
        "/console/goals", data={**FORM, "target": "9.125", "csrf": token(page.text)}
    )
    assert sent.status_code == 422
    assert "equals the baseline" in sent.text
    assert 'value="ana"' in sent.text  # the form keeps what was typed
    assert patron.read(lambda uow: uow.goals.all()) == []


def test_an_analyst_reads_goals_but_sets_none(
    patron: Patron, clock: Clock, log_in: Callable[[str], TestClient]
) -> None:
    scenario.build(patron, clock)
    browser = log_in("analyst")
    page = browser.get("/console/goals")
    assert page.status_code == 200 and 'id="goal-form"' not in page.text
    csrf = token(page.text)  # the logout form's: the session's token
    refused = browser.post("/console/goals", data={**FORM, "csrf": csrf})
    assert refused.status_code == 403
    assert patron.read(lambda uow: uow.goals.all()) == []
    assert browser.get("/console/goals/5").status_code == 404
