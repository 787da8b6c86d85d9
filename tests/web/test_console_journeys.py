"""The console's journeys (web/journeys.py over services/journeys.py), on both stores:
each journey with its switch as examples/program.toml writes it and its messages'
counts; the page links to the program, where journeys are switched.

examples/program.toml: welcome, expiry, tier_up, birthday, winback and survey on;
tier_down written with `enabled = false`."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource
from patron.services.commands import Enroll
from patron.services.consents import record_consent
from patron.services.enroll import enroll
from patron.services.webhooks import route_events

ROW = re.compile(
    r'<tr id="journey-([a-z_]+)"><th scope="row">[^<]+</th><td><code>[^<]+</code></td>'
    r'<td class="switch">(on|off)</td><td>.*?</td><td class="num">([0-9,]+)</td>'
    r'<td class="num">([0-9,]+)</td><td class="num">([0-9,]+)</td></tr>'
)


def test_each_journey_with_its_switch_and_counts(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given two new members, one consenting: a welcome queued and one refused
    for name, consents in (("ana", True), ("bob", False)):
        found = patron.run(enroll, Enroll(name, email=f"{name}@shop.ro")).member.id
        if consents:
            patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), found)
    patron.run(route_events, 500)
    browser = log_in("analyst")
    # when the page is asked
    page = browser.get("/console/journeys")
    # then
    assert page.status_code == 200
    rows = {name: rest for name, *rest in ROW.findall(page.text)}
    assert rows == {
        "welcome": ["on", "1", "0", "1"],
        "expiry": ["on", "0", "0", "0"],
        "tier_up": ["on", "0", "0", "0"],
        "tier_down": ["off", "0", "0", "0"],
        "birthday": ["on", "0", "0", "0"],
        "winback": ["on", "0", "0", "0"],
        "survey": ["on", "0", "0", "0"],
    }
    assert "<code>multiple = 2.5</code>" in page.text
    assert '<a href="/console/program">' in page.text.split("<main", 1)[1]


def test_win_backs_p_alive_is_the_one_the_member_insights_show(synthetic_base: Patron) -> None:
    """analytics/alive.py and the API's member insights (analytics/insights.py) pick the
    same model for the same day: a customer's P(alive) is the same number in both."""
    from patron.analytics.frames import from_store
    from patron.analytics.insights import CustomerBase
    from patron.services.program import load_program
    from patron.worker import p_alive_for
    from tests.conftest import EXAMPLE_PROGRAM

    assert p_alive_for(synthetic_base) is None  # the example sets no threshold
    text = EXAMPLE_PROGRAM.read_text().replace("# p_alive_below = 0.3", "p_alive_below = 0.3")
    synthetic_base.run(lambda uow, s: load_program(uow, s, "test"), text)
    alive = p_alive_for(synthetic_base)
    assert alive is not None and len(alive) == 400
    day = synthetic_base.clock().date()
    base = synthetic_base.analytics().run(lambda con: CustomerBase.fit(from_store(con), day))
    for customer in sorted(alive)[:5]:
        assert alive[customer] == pytest.approx(base.insights(customer)["p_alive"], abs=1e-9)
    assert 0 < min(alive.values()) < max(alive.values()) <= 1
