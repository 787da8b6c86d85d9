"""Joining from the portal (web/portal_join.py) and the member's profile
(web/portal_profile.py, the birthday included), without a browser, on both stores.

Joining takes one step and logs the new member in at once with their welcome gift shown;
every refused field is named beside itself and nothing is written; an address that is a
member's already gets the login form's "check your e-mail" page and a login link, never
a second member. Purchases a till recorded under an address become the member's only
once they open the link mailed to it: typing someone's address, phone or card hands over
nothing. The profile changes name, phone and consent, each consent a new record, audited.

The numbers come from PROGRAM: 1 point per euro, 100 welcome points, 50 for a referral
(to each side), purchases pending 14 days, Silver from 500 EUR of spend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.domain.birthdays import Birthday
from patron.domain.consent import ConsentSource, ConsentState
from patron.domain.earning import Line
from patron.domain.unclaimed import CustomerKeys
from patron.services.commands import MemberRef, RecordPurchase, RecordUnclaimed
from patron.services.consents import consent_state
from patron.services.earn import record_purchase
from patron.services.queries import balance
from patron.services.unclaimed import record_unclaimed
from tests.conftest import Clock, use_program
from tests.integration.helpers import member
from tests.support.portal import Kept

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SENT = "If this address belongs to a member, a link is on its way. It works once, for 15 minutes."
PROGRAM = """
name = "Portal"
currency = "EUR"

[earning]
points_per_unit = 1
welcome_bonus = 100
referral_bonus = 50
pending_days = 14

[tiers]
basis = "spend"
window_months = 12

  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Silver"
  threshold = 500
"""
MARIA = {
    "email": "Maria@Shop.example",
    "name": "Maria Ionescu",
    "phone": "+40 722-123-456",
    "card": "ab 1234",
}


@pytest.fixture
def mail() -> Kept:
    return Kept()


@pytest.fixture
def app(patron: Patron, mail: Kept) -> FastAPI:
    use_program(patron, PROGRAM)
    app = create_app(patron)
    app.state.mail = mail
    app.state.public_url = "http://testserver"
    return app


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _token(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def _join(client: TestClient, path: str = "/portal/join", **fields: str) -> Response:
    page = client.get(path)
    hidden = re.search(r'name="referral_code" value="([^"]*)"', page.text)
    data = {"referral_code": hidden.group(1) if hidden else "", **fields, "csrf": _token(page)}
    return client.post("/portal/join", data=data)


def _confirm(client: TestClient, link: str) -> Response:
    page = client.get(link)
    token = link.split("token=", 1)[1]
    return client.post("/portal/login/confirm", data={"token": token, "csrf": _token(page)})


def _main(page: Response) -> str:
    return page.text.split("<main>", 1)[1].split("</main>", 1)[0]


def _members(patron: Patron) -> int:
    return patron.read(lambda uow: uow.members.count())


def _consents(patron: Patron, member_id: int) -> list[tuple[bool, str]]:
    history = patron.read(lambda uow: uow.consents.history(member_id))
    return [(c.granted, c.source.value) for c in history]


def _maria(patron: Patron) -> int:
    found = patron.read(lambda uow: uow.members.by_email("maria@shop.example"))
    assert found is not None
    return found.id


def _till(patron: Patron, order_id: str, keys: CustomerKeys, at: datetime, total: str) -> None:
    """A till records a sale for a customer who is not a member: one line of `total`."""
    line = Line("SKU-1", "books", 1, Decimal(total))
    command = RecordUnclaimed(keys, order_id, at, "EUR", (line,))
    patron.run(record_unclaimed, command)


def test_joining_enrols_logs_in_at_once_and_shows_the_welcome_gift(
    browser: TestClient, patron: Patron, mail: Kept
) -> None:
    # when
    answer = _join(browser, **MARIA)
    # then: logged in, on the welcome page
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/welcome"
    welcome = browser.get("/portal/welcome")
    assert welcome.status_code == 200
    assert 'id="welcome-points">100 points<' in welcome.text
    assert "referral-points" not in welcome.text
    assert "Welcome, Maria Ionescu!" in welcome.text
    # the member as kept: the address in lower case, phone and card as a till types them
    member_id = _maria(patron)
    contact = patron.read(lambda uow: uow.contacts.get(member_id))
    assert (contact.phone, contact.card) == ("+40722123456", "AB1234")
    assert patron.read(balance, member_id).points == 100
    # the unticked box is an answer: declined, from the portal
    assert _consents(patron, member_id) == [(False, "portal")]
    # the link that proves the address went to it
    [message] = mail.messages
    assert (message.to, message.subject) == ("maria@shop.example", "Confirm your address")


def test_a_ticked_box_counts_once_the_address_is_proved(
    browser: TestClient, patron: Patron, clock: Clock, mail: Kept
) -> None:
    """Double opt-in: joining with an address proves nothing, so the yes is kept
    `unconfirmed` (the state stays "not recorded": no marketing may go out), and counts
    from the moment the member opens the link mailed to the address."""
    assert _join(browser, **MARIA, marketing="yes").status_code == 303
    maria = _maria(patron)
    assert _consents(patron, maria) == [(True, "unconfirmed")]
    assert patron.read(consent_state, maria) is ConsentState.NOT_RECORDED
    assert "they start once you confirm your address" in browser.get("/portal/profile").text
    clock.advance(minutes=1)
    assert _confirm(browser, mail.link()).status_code == 303
    assert _consents(patron, maria) == [(True, "unconfirmed"), (True, "portal")]
    assert patron.read(consent_state, maria) is ConsentState.GRANTED


def test_an_unticked_box_before_the_proof_leaves_nothing_to_confirm(
    browser: TestClient, patron: Patron, clock: Clock, mail: Kept
) -> None:
    """Maria joins saying no (a no counts at once), ticks the box on her profile (a yes
    awaiting the proof), then unticks it: the no is recorded again, so opening the link
    afterwards confirms nothing."""
    assert _join(browser, **MARIA).status_code == 303
    maria = _maria(patron)

    def save(**marketing: str) -> None:
        form = {"name": "Maria Ionescu", "phone": "", **marketing}
        form["csrf"] = _token(browser.get("/portal/profile"))
        assert browser.post("/portal/profile", data=form).status_code == 200

    save(marketing="yes")
    save()  # the box unticked
    clock.advance(minutes=1)
    assert _confirm(browser, mail.link()).status_code == 303
    assert _consents(patron, maria) == [(False, "portal"), (True, "unconfirmed"), (False, "portal")]
    assert patron.read(consent_state, maria) is ConsentState.DECLINED


def test_a_referral_link_carries_its_code_and_pays_both_members_on_the_first_purchase(
    browser: TestClient, patron: Patron
) -> None:
    # given
    ana = member(patron, "c-1", email="ana@shop.example", name="Ana Pop")
    code = patron.read(lambda uow: uow.members.get(ana)).referral_code
    form = browser.get(f"/portal/join?ref={code}")
    assert f'name="referral_code" value="{code}"' in form.text
    # when
    assert _join(browser, f"/portal/join?ref={code}", **MARIA).status_code == 303
    # then: 100 welcome points for Maria, nothing yet for the invitation
    welcome = browser.get("/portal/welcome").text
    assert "referral-points" not in welcome
    assert patron.read(balance, _maria(patron)).points == 100
    assert patron.read(balance, ana).points == 100
    # when Maria first buys (30.00): 50 each, pending for the 14 days of returns
    patron.run(
        record_purchase,
        RecordPurchase(
            MemberRef(id=_maria(patron)),
            "o-1",
            patron.clock(),
            "EUR",
            (Line("A", None, 1, Decimal("30.00")),),
        ),
    )
    assert (patron.read(balance, _maria(patron)).pending, patron.read(balance, ana).pending) == (
        30 + 50,
        50,
    )


def test_an_invitation_with_the_inviting_members_own_address_is_refused_beside_it(
    browser: TestClient, patron: Patron, mail: Kept
) -> None:
    # given Ana's link, and an address that is her mailbox with dots and a tag
    ana = member(patron, "c-1", email="ana.pop@shop.example", name="Ana Pop")
    code = patron.read(lambda uow: uow.members.get(ana)).referral_code
    # when someone joins through it with that address
    answer = _join(
        browser, f"/portal/join?ref={code}", **{**MARIA, "email": "AnaPop+2@shop.example"}
    )
    # then the invitation is refused, and nothing is written
    assert answer.status_code == 422
    assert '<p class="error" id="referral_code-error">This invitation cannot be used' in answer.text
    assert _members(patron) == 1
    assert mail.messages == []


REFUSALS = [
    ("email", "maria@", "This is not an e-mail address: check it."),
    ("email", "maria\x00@shop.example", "This is not an e-mail address: check it."),
    ("name", "M" * 201, "This name is too long: at most 200 characters."),
    ("name", "   ", "Type your name."),
    ("name", "Maria\x00Ionescu", "This name holds a character that cannot be kept"),
    ("name", "Maria\x1b[31m", "This name holds a character that cannot be kept"),
    ("phone", "0722 ABC", "This is not a phone number"),
    ("phone", "12345", "This is not a phone number"),
    ("card", "AB-12!", "This is not a card number"),
    ("card", "A" * 33, "This is not a card number"),
    ("referral_code", "NOSUCH99", "This invitation code is not known"),
]


@pytest.mark.parametrize(("field", "value", "said"), REFUSALS)
def test_every_refusal_is_shown_beside_its_field_and_writes_nothing(
    browser: TestClient, patron: Patron, mail: Kept, field: str, value: str, said: str
) -> None:
    # given
    before = _members(patron)
    # when
    answer = _join(browser, **{**MARIA, field: value})
    # then
    assert answer.status_code == 422
    assert f'<p class="error" id="{field}-error">{said}' in answer.text
    assert _members(patron) == before
    assert mail.messages == []
    assert "patron_member=" not in answer.headers.get("set-cookie", "")


def test_a_card_another_member_holds_is_refused_beside_the_card(
    browser: TestClient, patron: Patron
) -> None:
    assert _join(browser, **MARIA).status_code == 303
    with TestClient(browser.app, follow_redirects=False) as other:
        answer = _join(other, email="ion@shop.example", name="Ion", card="AB1234")
    assert answer.status_code == 422
    assert '<p class="error" id="card-error">This card is registered already' in answer.text
    assert _members(patron) == 1


def test_an_address_already_a_member_gets_the_same_answer_as_the_login_and_a_login_link(
    browser: TestClient, patron: Patron, mail: Kept
) -> None:
    # given
    ana = member(patron, "c-1", email="ana@shop.example", name="Ana Pop")
    # when: someone joins with Ana's address, another name, a referral code of nobody
    answer = _join(browser, email="ANA@shop.example", name="Somebody Else", card="ZZ99")
    # then: the login form's page, no session, no second member, Ana unchanged
    assert answer.status_code == 200
    assert SENT in answer.text
    assert "patron_member=" not in answer.headers.get("set-cookie", "")
    assert _members(patron) == 1
    assert patron.read(lambda uow: uow.members.get(ana)).name == "Ana Pop"
    assert patron.read(lambda uow: uow.contacts.get(ana)).card is None
    [message] = mail.messages
    assert (message.to, message.subject) == ("ana@shop.example", "Your login link")


def test_a_join_without_its_form_token_is_refused_and_writes_nothing(
    browser: TestClient, patron: Patron
) -> None:
    answer = browser.post("/portal/join", data={**MARIA, "csrf": "forged"})
    assert answer.status_code == 403
    assert _members(patron) == 0


def test_the_login_page_leads_to_the_join_form(browser: TestClient) -> None:
    assert 'href="/portal/join"' in browser.get("/portal/login").text


def test_earlier_purchases_become_the_members_only_once_the_address_is_proved(
    browser: TestClient, patron: Patron, clock: Clock, mail: Kept
) -> None:
    # given: on 1 and 10 December a till recorded Maria's purchases under her address;
    # one under her phone only, one under another address
    maria_keys = CustomerKeys(email="maria@shop.example", phone="+40722123456")
    _till(patron, "T-1", maria_keys, datetime(2025, 12, 1, 10), "300.00")
    _till(patron, "T-2", CustomerKeys(email="maria@shop.example"), datetime(2025, 12, 10), "240")
    _till(patron, "T-3", CustomerKeys(phone="+40722123456"), datetime(2025, 12, 11), "70.00")
    _till(patron, "T-4", CustomerKeys(email="ion@shop.example"), datetime(2025, 12, 12), "90")
    # when: she joins (2026-01-01 09:00)
    assert _join(browser, **MARIA).status_code == 303
    member_id = _maria(patron)
    # then: typing the address proved nothing: nothing linked yet
    assert patron.read(lambda uow: uow.members.get(member_id)).purchase_count == 0
    assert 'id="linked"' not in browser.get("/portal/welcome").text
    # when: she opens the link mailed to her address
    confirmed = _confirm(browser, mail.link())
    # then: the two purchases under her address are hers, earned at their own dates
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/portal/welcome"
    welcome = browser.get("/portal/welcome")
    assert 'id="linked">2 purchases, 540 points<' in welcome.text
    mine = patron.read(lambda uow: uow.personal.purchases(member_id))
    assert [(p.order_id, p.occurred_at, p.points_earned) for p in mine] == [
        ("T-1", datetime(2025, 12, 1, 10), 300),
        ("T-2", datetime(2025, 12, 10), 240),
    ]
    # 300 + 240 = 540 EUR of spend since December: Silver (from 500), as a member then;
    # T-1's points were spendable on 15 Dec, T-2's on 24 Dec: all 640 spendable now
    view = patron.read(balance, member_id)
    assert (view.tier, view.points, view.pending) == ("Silver", 640, 0)
    # the phone-only purchase and the other address's stay where they were
    waiting = patron.read(lambda uow: [uow.unclaimed.open_order(o) for o in ("T-3", "T-4")])
    assert waiting == [True, True]
    # a second login links nothing twice
    clock.advance(minutes=1)
    with TestClient(browser.app, follow_redirects=False) as again:
        form = _token(again.get("/portal/login"))
        again.post("/portal/login", data={"email": "maria@shop.example", "csrf": form})
        assert _confirm(again, mail.link()).headers["location"] == "/portal"
    assert len(patron.read(lambda uow: uow.personal.purchases(member_id))) == 2


def test_proving_the_address_ends_the_session_of_whoever_joined_with_it(
    browser: TestClient, patron: Patron, clock: Clock, mail: Kept
) -> None:
    # given: somebody joins with Maria's address and is logged in at once
    _till(patron, "T-1", CustomerKeys(email="maria@shop.example"), datetime(2025, 12, 1), "300")
    assert _join(browser, **MARIA).status_code == 303
    assert browser.get("/portal").status_code == 200
    # when: Maria opens the link mailed to her address, in her own browser
    clock.advance(minutes=2)
    with TestClient(browser.app, follow_redirects=False) as maria:
        assert _confirm(maria, mail.link()).status_code == 303
        # then: she is in, with her purchase; the other browser is logged out
        assert maria.get("/portal").status_code == 200
        assert browser.get("/portal").status_code == 303
        assert browser.get("/portal/history").status_code == 303
        # and a later link (a second device) ends no session: only the first proves
        clock.advance(minutes=1)
        with TestClient(browser.app, follow_redirects=False) as phone:
            form = _token(phone.get("/portal/login"))
            phone.post("/portal/login", data={"email": "maria@shop.example", "csrf": form})
            assert _confirm(phone, mail.link()).status_code == 303
            assert phone.get("/portal").status_code == 200
        assert maria.get("/portal").status_code == 200


def test_the_profile_changes_name_phone_and_consent_each_change_recorded_and_audited(
    browser: TestClient, patron: Patron, clock: Clock, mail: Kept
) -> None:
    # given: Maria joined and proved her address (a yes before that awaits the proof)
    assert _join(browser, **MARIA).status_code == 303
    member_id = _maria(patron)
    assert _confirm(browser, mail.link()).status_code == 303
    page = browser.get("/portal/profile")
    assert page.status_code == 200
    assert 'value="maria@shop.example" readonly' in page.text
    assert "You do not receive the shop&#39;s news and offers." in page.text
    session_token = _token(page)
    # when
    clock.advance(minutes=5)
    saved = browser.post(
        "/portal/profile",
        data={"name": "Maria I.", "phone": "", "marketing": "yes", "csrf": session_token},
    )
    # then
    assert saved.status_code == 200
    assert 'id="saved"' in saved.text
    assert "You receive the shop&#39;s news and offers." in saved.text
    found = patron.read(lambda uow: uow.members.get(member_id))
    assert found.name == "Maria I."
    assert patron.read(lambda uow: uow.contacts.get(member_id)).phone is None
    assert _consents(patron, member_id) == [(False, "portal"), (True, "portal")]
    audit = patron.read(lambda uow: uow.audit.for_member(member_id))
    assert [(a.actor, a.action, a.details) for a in audit] == [
        (
            f"member:{member_id}",
            "member.profile_changed",
            {"name": True, "phone": True, "marketing": "granted"},
        )
    ]
    # when: the same form again changes nothing, so nothing is recorded
    browser.post(
        "/portal/profile",
        data={"name": "Maria I.", "phone": "", "marketing": "yes", "csrf": session_token},
    )
    assert len(_consents(patron, member_id)) == 2
    assert len(patron.read(lambda uow: uow.audit.for_member(member_id))) == 1
    # when: consent withdrawn: a third record, the latest is the state
    browser.post("/portal/profile", data={"name": "Maria I.", "phone": "", "csrf": session_token})
    assert _consents(patron, member_id)[-1] == (False, ConsentSource.PORTAL.value)
    assert len(_consents(patron, member_id)) == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "", "phone": ""}, "name"), ({"name": "Maria", "phone": "phone?"}, "phone")],
)
def test_a_refused_profile_field_is_shown_beside_it_and_nothing_changes(
    browser: TestClient, patron: Patron, data: dict[str, str], field: str
) -> None:
    assert _join(browser, **MARIA).status_code == 303
    member_id = _maria(patron)
    token = _token(browser.get("/portal/profile"))
    answer = browser.post("/portal/profile", data={**data, "marketing": "yes", "csrf": token})
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text
    assert patron.read(lambda uow: uow.members.get(member_id)).name == "Maria Ionescu"
    assert _consents(patron, member_id) == [(False, "portal")]


def test_a_profile_form_without_the_sessions_token_is_refused(
    browser: TestClient, patron: Patron
) -> None:
    assert _join(browser, **MARIA).status_code == 303
    answer = browser.post("/portal/profile", data={"name": "X", "marketing": "yes", "csrf": "?"})
    assert answer.status_code == 403
    assert patron.read(lambda uow: uow.members.get(_maria(patron))).name == "Maria Ionescu"


def test_the_profile_and_welcome_pages_need_a_member_session(browser: TestClient) -> None:
    for path in ("/portal/profile", "/portal/welcome"):
        answer = browser.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


def test_the_profile_sets_changes_and_forgets_the_birthday(
    browser: TestClient, patron: Patron
) -> None:
    # given Maria, joined, without a birthday
    assert _join(browser, **MARIA).status_code == 303
    member_id = _maria(patron)
    token = _token(browser.get("/portal/profile"))
    form = {"name": MARIA["name"], "phone": MARIA["phone"], "csrf": token}
    # a day that does not exist is refused beside its field, nothing saved
    refused = browser.post("/portal/profile", data={**form, "birthday": "02-30"})
    assert refused.status_code == 422
    assert 'id="birthday-error"' in refused.text
    assert patron.read(lambda uow: uow.birthdays.of(member_id)) is None
    # set without the year, shown back; then emptied: forgotten
    saved = browser.post("/portal/profile", data={**form, "birthday": "04-17"})
    assert saved.status_code == 200
    assert 'value="04-17"' in browser.get("/portal/profile").text
    assert patron.read(lambda uow: uow.birthdays.of(member_id)) == Birthday(4, 17)
    browser.post("/portal/profile", data={**form, "birthday": ""})
    assert patron.read(lambda uow: uow.birthdays.of(member_id)) is None
    audit = patron.read(lambda uow: uow.audit.for_member(member_id))
    assert [a.details for a in audit] == [{"birthday": True}, {"birthday": True}]
