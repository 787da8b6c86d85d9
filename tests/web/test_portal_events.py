"""The member's events in the portal (web/portal_events.py), on examples/program.toml's
wine tasting (20 seats, 500 points, free for Gold): an RSVP from the page takes a seat and
spends the points, a cancellation gives them back, a full event puts the member on the
waiting list with their place, another member's RSVP cannot be cancelled, a form without
its token does nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.services.adjust import adjust
from patron.services.commands import Adjust
from patron.services.events import RsvpTo, rsvp
from tests.conftest import load_example
from tests.integration.helpers import balance_of, member
from tests.support.portal import CSRF, form_value, logged_in, portal_app


@pytest.fixture
def setup(sqlite_patron: Patron) -> tuple[Patron, int]:
    load_example(sqlite_patron)
    ana = member(sqlite_patron, "ana", email="ana@shop.example")
    sqlite_patron.run(adjust, Adjust(ana, 900, "setup", "tests"))
    return sqlite_patron, ana


@pytest.fixture
def browser(setup: tuple[Patron, int]) -> Iterator[TestClient]:
    with logged_in(portal_app(setup[0]), "ana@shop.example") as client:
        yield client


def test_a_member_rsvps_from_the_page_and_cancels(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    patron, ana = setup
    page = browser.get("/portal/events").text
    assert 'id="event-wine-tasting"' in page and 'id="rsvp-wine-tasting"' in page
    assert "500 points" in page
    # when Ana presses "I will come"
    sent = browser.post("/portal/events/wine-tasting/rsvp", data={"csrf": form_value(CSRF, page)})
    assert sent.status_code == 303 and sent.headers["location"] == "/portal/events?done=rsvp"
    # then she has a seat, paid 500 points, and a button to cancel
    page = browser.get("/portal/events?done=rsvp").text
    assert "you have a seat" in page and 'id="cancel-wine-tasting"' in page
    assert balance_of(patron, ana) == 500
    # when she cancels, the points are back
    [action] = [a for a in page.split('action="')[1:] if a.startswith("/portal/rsvps/")]
    cancel_path = action.split('"')[0]
    done = browser.post(cancel_path, data={"csrf": form_value(CSRF, page)})
    assert done.status_code == 303 and balance_of(patron, ana) == 1000
    assert 'id="rsvp-wine-tasting"' in browser.get("/portal/events").text


def test_a_full_event_shows_the_place_on_the_waiting_list(
    browser: TestClient, setup: tuple[Patron, int]
) -> None:
    # given the 20 seats taken by others, one of them holding RSVP `theirs`
    patron, ana = setup
    others = [member(patron, f"o-{i}") for i in range(20)]
    for mid in others:
        patron.run(adjust, Adjust(mid, 900, "setup", "tests"))
        theirs = patron.run(rsvp, RsvpTo(mid, "wine-tasting"))
    page = browser.get("/portal/events").text
    assert "Join the waiting list" in page
    # when Ana answers, she is first on the waiting list and has paid nothing
    browser.post("/portal/events/wine-tasting/rsvp", data={"csrf": form_value(CSRF, page)})
    page = browser.get("/portal/events").text
    assert "on the waiting list, number 1" in page and balance_of(patron, ana) == 1000
    # another member's RSVP is not hers to cancel; a form without its token does nothing
    refused = browser.post(
        f"/portal/rsvps/{theirs.id}/cancel", data={"csrf": form_value(CSRF, page)}
    )
    assert refused.status_code == 404
    stale = browser.post(f"/portal/rsvps/{theirs.id}/cancel", data={"csrf": "nope"})
    assert stale.status_code == 403
    assert balance_of(patron, others[-1]) == 500
