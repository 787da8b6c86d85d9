"""The console's events page (web/events.py) on both stores: each event with its
attendees and its waiting list in order; owners and marketers check an attendee in
(audited under the staff user), an analyst reads only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.adjust import adjust
from patron.services.audit import audit_trail
from patron.services.commands import Adjust
from patron.services.events import RsvpTo, rsvp
from tests.integration.helpers import member
from tests.web.conftest import token


def test_a_marketer_checks_an_attendee_in_and_an_analyst_cannot(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given (examples/program.toml) 21 members RSVPing to the 20 seats of the wine tasting
    seats = []
    for i in range(21):
        mid = member(patron, f"c-{i}")
        patron.run(adjust, Adjust(mid, 900, "setup", "tests"))
        seats.append(patron.run(rsvp, RsvpTo(mid, "wine-tasting")))
    first, last = seats[0], seats[-1]
    # then the page shows 20 of 20 seats taken, the attendees and one waiting
    analyst = log_in("analyst")
    page = analyst.get("/console/events").text
    assert "20 of 20 seats taken, 1 waiting" in page
    assert f'id="rsvp-{first.id}"' in page and f'id="rsvp-{last.id}"' in page
    assert 'id="waiting-wine-tasting"' in page
    # an analyst sees no button and is refused
    assert "check-in" not in page
    sent = analyst.post(f"/console/rsvps/{first.id}/check-in", data={"csrf": token(page)})
    assert sent.status_code == 403
    # when a marketer checks the first attendee in
    marketer = log_in("marketer")
    page = marketer.get("/console/events").text
    done = marketer.post(f"/console/rsvps/{first.id}/check-in", data={"csrf": token(page)})
    assert done.status_code == 303
    after = marketer.get(done.headers["location"]).text
    assert f"RSVP {first.id} checked in." in after
    [entry] = patron.read(audit_trail, AuditQuery(action="event.checked_in")).entries
    assert (entry.actor, entry.member_id) == ("user:marketer@shop.ro", first.member_id)
    # and the one waiting cannot be checked in
    again = marketer.post(f"/console/rsvps/{last.id}/check-in", data={"csrf": token(after)})
    assert again.status_code == 409 and "only an attending member is checked in" in again.text
