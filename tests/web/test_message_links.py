"""The links in messages (web/message_links.py) and the portal's preferences page
(web/portal_preferences.py), without a browser.

A GET of an unsubscribe link changes nothing (link scanners open links); its button, or
the mail program's RFC 8058 one-click POST with no cookie and no form token, records a
`no` at once with the source `unsubscribe` and the message; a forged token changes
nothing. The preferences page shows each channel's answer with when and how, and saves a
yes or no per channel and the language of the messages."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.consent import (
    MARKETING,
    MARKETING_PUSH,
    MARKETING_SMS,
    ConsentSource,
    ConsentState,
)
from patron.services.consents import consent_state, record_consent
from patron.services.preferences import confirm_link, message_locale, unsubscribe_link
from tests.conftest import Clock
from tests.support.portal import CSRF, form_value, logged_in, portal_app, portal_shop

BUTTON = re.compile(r'<form method="post" action="(/u/[^"]+)"')


@pytest.fixture
def ana(sqlite_patron: Patron, clock: Clock) -> int:
    member_id = portal_shop(sqlite_patron, clock)
    clock.now = datetime(2026, 2, 1, 9, 0)
    sqlite_patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), member_id)
    return member_id


@pytest.fixture
def app(sqlite_patron: Patron, ana: int) -> FastAPI:
    return portal_app(sqlite_patron)


def _link(patron: Patron, member_id: int, purpose: str = MARKETING, message: int = 5) -> str:
    url = patron.run(
        lambda uow, _: unsubscribe_link(uow, "http://testserver", member_id, purpose, message),
        None,
    )
    return str(url).removeprefix("http://testserver")


def _history(patron: Patron, member_id: int) -> list[tuple[str, bool, str, int | None]]:
    records = patron.read(lambda uow: uow.consents.history(member_id))
    return [(r.purpose, r.granted, r.source.value, r.message_id) for r in records]


def test_a_get_shows_a_button_and_changes_nothing(
    sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    path = _link(sqlite_patron, ana)
    with TestClient(app) as client:
        page = client.get(path)
    assert page.status_code == 200
    assert BUTTON.search(page.text) is not None and BUTTON.search(page.text).group(1) == path  # type: ignore[union-attr]
    assert "news and offers by e-mail" in page.text
    assert sqlite_patron.read(consent_state, ana) is ConsentState.GRANTED


def test_the_one_click_post_unsubscribes_at_once_without_cookie_or_form_token(
    sqlite_patron: Patron, app: FastAPI, ana: int, clock: Clock
) -> None:
    path = _link(sqlite_patron, ana, message=5)
    clock.now = datetime(2026, 2, 3, 10, 0)
    with TestClient(app) as client:
        done = client.post(path, data={"List-Unsubscribe": "One-Click"})
        again = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == again.status_code == 200
    assert "You are unsubscribed" in done.text
    assert sqlite_patron.read(consent_state, ana) is ConsentState.DECLINED
    # one record, the first: following the link again adds nothing
    assert _history(sqlite_patron, ana) == [
        (MARKETING, True, "api", None),
        (MARKETING, False, "unsubscribe", 5),
    ]


def test_a_link_for_sms_leaves_the_e_mail_consent(
    sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    path = _link(sqlite_patron, ana, purpose=MARKETING_SMS, message=9)
    with TestClient(app) as client:
        assert client.post(path).status_code == 200
    assert sqlite_patron.read(consent_state, ana) is ConsentState.GRANTED
    assert sqlite_patron.read(consent_state, ana, MARKETING_SMS) is ConsentState.DECLINED


def test_a_forged_link_is_refused_and_changes_nothing(
    sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    path = _link(sqlite_patron, ana)
    forged = path.replace(f"/u/u.{ana}.", f"/u/u.{ana + 1}.")
    with TestClient(app) as client:
        for answer in (client.get(forged), client.post(forged), client.post("/u/nonsense")):
            assert answer.status_code == 400
            assert "The link is incomplete, not one we sent, or too old" in answer.text
    assert len(_history(sqlite_patron, ana)) == 1


def test_the_confirmation_link_turns_an_awaiting_yes_into_a_yes(
    sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    def unconfirmed(uow: object, m: int) -> None:
        record_consent(uow, m, True, ConsentSource.UNCONFIRMED, None, MARKETING_SMS)  # type: ignore[arg-type]

    sqlite_patron.run(unconfirmed, ana)
    url = sqlite_patron.run(lambda uow, m: confirm_link(uow, "http://x", m, MARKETING_SMS), ana)
    with TestClient(app) as client:
        assert client.post(str(url).removeprefix("http://x")).status_code == 200
    assert sqlite_patron.read(consent_state, ana, MARKETING_SMS) is ConsentState.GRANTED
    assert _history(sqlite_patron, ana)[-1] == (MARKETING_SMS, True, "confirmation", None)


def test_the_preferences_page_shows_how_and_saves_per_channel(
    sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    with logged_in(app, "ana@shop.example") as browser:
        page = browser.get("/portal/preferences")
        assert page.status_code == 200
        assert "through the shop" in page.text  # the API's yes, and when
        assert "You have not said yet." in page.text  # SMS and push
        token = form_value(CSRF, page.text)
        form = {"marketing_sms": "yes", "language": "ro", "csrf": token}
        saved = browser.post("/portal/preferences", data=form)
        refused = browser.post("/portal/preferences", data={**form, "csrf": "?"})
        bad = browser.post("/portal/preferences", data={**form, "language": "xx"})
    assert saved.status_code == 200 and 'id="saved"' in saved.text
    assert (refused.status_code, bad.status_code) == (403, 422)
    # e-mail unticked: a no; SMS ticked: a yes; push unticked: a no (an unticked box is
    # an answer, as on the join form), all from the portal
    assert _history(sqlite_patron, ana)[1:] == [
        (MARKETING, False, "portal", None),
        (MARKETING_SMS, True, "portal", None),
        (MARKETING_PUSH, False, "portal", None),
    ]
    assert sqlite_patron.read(message_locale, ana) == "ro"
