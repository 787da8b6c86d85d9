"""Clubs on the web: the member asks to join a request club in the portal
(web/portal_clubs.py) and sees where they stand; in the console (web/clubs.py) an owner
approves the request and invites to an invitation club, an analyst only reads; each change
is in the club's history under who made it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.clubs import Change
from patron.services.clubs import club_history
from tests.conftest import EXAMPLE_PROGRAM, load_example
from tests.integration.helpers import member
from tests.support.portal import CSRF, form_value, logged_in, portal_app
from tests.web.conftest import token

REQUEST_CLUB = """
[[clubs]]
id = "runners"
name = "Runners"
join = "request"
benefits = ["Sunday runs"]
"""


def _with_runners(patron: Patron) -> None:
    load_example(patron, EXAMPLE_PROGRAM.read_text().replace("[cards]", REQUEST_CLUB + "\n[cards]"))


def test_a_member_asks_in_the_portal_and_an_owner_approves_in_the_console(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    _with_runners(patron)
    ana = member(patron, "ana", email="ana@shop.example")
    with logged_in(portal_app(patron), "ana@shop.example") as browser:
        page = browser.get("/portal/clubs").text
        assert "Runners" in page and "Sunday runs" in page and "Wine circle" not in page
        form = {"csrf": form_value(CSRF, page), "club": "runners", "action": "request"}
        assert browser.post("/portal/clubs", data=form).status_code == 303
        assert "You asked to join" in browser.get("/portal/clubs").text
        refused = browser.post("/portal/clubs", data={**form, "club": "wine"})
        assert refused.status_code == 422
    analyst = log_in("analyst").get("/console/clubs?club=runners").text
    assert f">{ana}</a>" in analyst and 'value="approve"' not in analyst
    owner = log_in("owner")
    page = owner.get("/console/clubs?club=runners").text
    approve = {"csrf": token(page), "club": "runners", "member": str(ana), "action": "approve"}
    assert owner.post("/console/clubs", data=approve).status_code == 303
    invite = {**approve, "club": "wine", "action": "invite", "reason": "tastings"}
    assert owner.post("/console/clubs", data=invite).status_code == 303
    assert [(c.change, c.actor) for c in patron.read(club_history, "runners")] == [
        (Change.REQUESTED, f"member:{ana}"),
        (Change.JOINED, "user:owner@shop.ro"),
    ]
    [invited] = patron.read(club_history, "wine")
    assert (invited.change, invited.reason) == (Change.INVITED, "tastings")
