"""The portal's survey page (web/portal_survey.py), without a browser, on both stores: the
link opens the question with no login, in the shop's locale; the form needs its CSRF
token and a score; one answer counts, a second is told so; unknown and closed links are
told apart; a detractor's answer reaches the alert address over real SMTP (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.engage.channels.mail import mail_sender
from patron.services import surveys as uc
from patron.web import i18n
from tests.integration.helpers import member, record
from tests.support.smtp import smtp_inbox

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
QUESTION = {
    "en": "How likely are you to recommend us?",
    "ro": "Cât de probabil este să ne recomandați?",
}


@pytest.fixture
def app(patron: Patron) -> FastAPI:
    app = create_app(patron)
    app.state.public_url = "http://testserver"
    return app


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def link(patron: Patron, kind: str = "nps", comment: bool = True) -> tuple[int, str, int]:
    """A survey, a member who bought, and the member's link about the purchase."""
    made = uc.AddSurvey(
        f"{kind} survey", kind, QUESTION, "ana", {"en": "Why?", "ro": "De ce?"} if comment else None
    )
    sid = patron.run(uc.add_survey, made).id
    mid = member(patron, "c-1")
    bought = record(patron, mid, "o-1")
    invited = patron.run(lambda uow, _: uc.invite(uow, sid, mid, bought.purchase_id), None)
    return sid, invited.token, mid


def answers(patron: Patron, sid: int) -> list[tuple[int, str | None]]:
    return [(r.score, r.comment) for r in patron.read(uc.latest_responses, sid)]


def test_the_link_opens_the_question_and_one_answer_counts(
    patron: Patron, browser: TestClient
) -> None:
    sid, token, _ = link(patron)
    page = browser.get(f"/portal/survey/{token}")
    assert page.status_code == 200
    assert QUESTION["en"] in page.text and "Why?" in page.text
    assert len(re.findall(r'type="radio" id="score-(\d+)"', page.text)) == 11  # 0…10
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    assert answers(patron, sid) == []  # opening spends nothing
    sent = browser.post(
        f"/portal/survey/{token}", data={"csrf": csrf, "score": "9", "comment": " Quick "}
    )
    assert sent.status_code == 200, sent.text
    assert 'id="answered"' in sent.text
    assert answers(patron, sid) == [(9, "Quick")]
    # the same link again: told it was answered, and the first answer stays
    again = browser.get(f"/portal/survey/{token}")
    assert again.status_code == 409 and "answered already" in again.text
    resent = browser.post(f"/portal/survey/{token}", data={"csrf": csrf, "score": "1"})
    assert resent.status_code == 409
    assert answers(patron, sid) == [(9, "Quick")]


def test_a_form_without_its_token_or_score_changes_nothing(
    patron: Patron, browser: TestClient
) -> None:
    sid, token, _ = link(patron, "csat")
    page = browser.get(f"/portal/survey/{token}")
    assert len(re.findall(r'type="radio"', page.text)) == 5  # 1…5
    assert answers(patron, sid) == []
    forged = browser.post(f"/portal/survey/{token}", data={"csrf": "forged", "score": "5"})
    assert forged.status_code == 403 and "expired" in forged.text
    # each page answered carries a fresh token, in its form and its cookie
    csrf = CSRF.search(forged.text).group(1)  # type: ignore[union-attr]
    blank = browser.post(f"/portal/survey/{token}", data={"csrf": csrf, "comment": "kept"})
    assert blank.status_code == 422 and "Choose a score" in blank.text
    assert ">kept</textarea>" in blank.text  # what they wrote stays in the box
    csrf = CSRF.search(blank.text).group(1)  # type: ignore[union-attr]
    off_scale = browser.post(f"/portal/survey/{token}", data={"csrf": csrf, "score": "0"})
    assert off_scale.status_code == 422  # 0 is not on CSAT's 1–5
    assert "scale shown" in off_scale.text
    too_high = browser.post(f"/portal/survey/{token}", data={"csrf": csrf, "score": "11"})
    assert too_high.status_code == 422
    assert answers(patron, sid) == []


def test_unknown_and_closed_links_are_told_apart(patron: Patron, browser: TestClient) -> None:
    sid, token, _ = link(patron)
    unknown = browser.get(f"/portal/survey/{token[:-3]}")
    assert unknown.status_code == 404 and "not valid" in unknown.text
    patron.run(uc.set_survey_state, uc.SetSurveyState(sid, False, "ana"))
    closed = browser.get(f"/portal/survey/{token}")
    assert closed.status_code == 410 and "closed" in closed.text


def test_the_page_speaks_the_shops_locale(patron: Patron) -> None:
    _, token, _ = link(patron)
    app = create_app(patron)
    try:
        i18n.use("ro")
        app.user_middleware.clear()
        from patron.web.templating import PageLocale

        app.add_middleware(PageLocale, locale="ro")
        with TestClient(app) as client:
            page = client.get(f"/portal/survey/{token}")
        assert QUESTION["ro"] in page.text and "De ce?" in page.text
        assert '<html lang="ro">' in page.text
    finally:
        i18n.use("en")


def test_a_detractor_is_mailed_to_the_alert_address_over_smtp(
    patron: Patron, app: FastAPI, browser: TestClient
) -> None:
    sid, token, mid = link(patron)
    with smtp_inbox() as inbox:
        app.state.mail = mail_sender(inbox.url, sender="Shop <shop@x.example>", mailbox=None)  # type: ignore[arg-type]
        app.state.survey_alert_email = "care@x.example"
        page = browser.get(f"/portal/survey/{token}")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        sent = browser.post(
            f"/portal/survey/{token}", data={"csrf": csrf, "score": "3", "comment": "Slow"}
        )
        assert sent.status_code == 200
        mail = inbox.wait()
    assert mail.rcpt_tos == ["care@x.example"]
    assert mail.message["Subject"] == "Survey alert: NPS 3 from c-1"
    text = mail.message.get_content()
    assert "Score: 3 on 0–10 (NPS)" in text and "Comment: Slow" in text
    assert "About: purchase " in text
    types = [e.type for e in patron.read(lambda uow: uow.outbox.for_member(mid))]
    assert types.count("survey.detractor") == 1


def test_a_passive_mails_nobody(patron: Patron, app: FastAPI, browser: TestClient) -> None:
    _, token, _ = link(patron)
    with smtp_inbox() as inbox:
        app.state.mail = mail_sender(inbox.url, sender="shop@x.example", mailbox=None)  # type: ignore[arg-type]
        app.state.survey_alert_email = "care@x.example"
        page = browser.get(f"/portal/survey/{token}")
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        assert (
            browser.post(f"/portal/survey/{token}", data={"csrf": csrf, "score": "7"}).status_code
            == 200
        )
    assert inbox.received == []
