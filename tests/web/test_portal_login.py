"""The portal's door (web/portal.py), without a browser: asking for a link tells nobody who
is a member and is limited; the link's page spends nothing and its button logs in once;
the member's session is HttpOnly, SameSite and Secure over HTTPS, apart from the
console's; the member's page shows the API's figures; a failed send says "try again".

The mail sender is replaced by one that keeps what it is given (the real senders:
tests/integration/test_mail_sender.py); the whole way through SMTP and a browser:
tests/e2e/test_portal_browser.py."""

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
from patron.config import get_settings
from patron.services.commands import EraseMember, Line, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.privacy import erase_member
from patron.services.secrets import SESSION_KEY, server_secret
from patron.web.sessions import Sessions
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


@pytest.fixture
def ana(patron: Patron) -> int:
    return member(patron, "c-1", email="Ana@Shop.example", name="Ana Pop")


def _token(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def _ask(client: TestClient, email: str) -> Response:
    token = _token(client.get("/portal/login"))
    return client.post("/portal/login", data={"email": email, "csrf": token})


def _confirm(client: TestClient, link: str) -> Response:
    page = client.get(link)
    assert page.status_code == 200, page.text
    token = link.split("token=", 1)[1]
    return client.post("/portal/login/confirm", data={"token": token, "csrf": _token(page)})


def _log_in(client: TestClient, mail: Kept, email: str = "ana@shop.example") -> Response:
    assert _ask(client, email).status_code == 200
    return _confirm(client, mail.link())


def _cookie(answer: Response, name: str) -> str:
    [line] = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    return line


def _main(page: Response) -> str:
    return page.text.split("<main>", 1)[1].split("</main>", 1)[0]


def test_the_login_form_carries_a_token_in_a_cookie_of_the_portals_own(
    browser: TestClient,
) -> None:
    form = browser.get("/portal/login")
    assert form.status_code == 200
    cookie = _cookie(form, "patron_member_csrf")
    assert f"patron_member_csrf={_token(form)};" in cookie
    assert "HttpOnly" in cookie and "Path=/portal" in cookie and "SameSite=strict" in cookie
    assert form.headers["cache-control"] == "no-store"


def test_a_members_address_and_an_unknown_one_get_the_same_page(
    browser: TestClient, mail: Kept, ana: int
) -> None:
    known = _ask(browser, " ANA@shop.example")
    unknown = _ask(browser, "bo@shop.example")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.text and _main(known) == _main(unknown)
    [message] = mail.messages
    assert (message.to, message.subject) == ("Ana@Shop.example", "Your login link")
    assert message.text.startswith("Hello Ana Pop,\n")
    assert re.search(r"\nhttp://testserver/portal/login/confirm\?token=[\w-]{43}\n", message.text)


def test_a_fourth_request_in_15_minutes_gets_the_same_page_and_no_mail(
    browser: TestClient, mail: Kept, clock: Clock, ana: int
) -> None:
    pages = [_ask(browser, "ana@shop.example") for _ in range(4)]
    assert [p.status_code for p in pages] == [200] * 4
    assert len({_main(p) for p in pages}) == 1
    assert len(mail.messages) == 3
    clock.advance(minutes=15)
    _ask(browser, "ana@shop.example")
    assert len(mail.messages) == 4


def test_a_request_without_the_forms_token_is_refused_and_sends_nothing(
    browser: TestClient, mail: Kept, ana: int
) -> None:
    browser.get("/portal/login")
    for sent in ["", "forged-token"]:
        answer = browser.post("/portal/login", data={"email": "ana@shop.example", "csrf": sent})
        assert answer.status_code == 403
        assert "The form expired: please send it again." in answer.text
    assert mail.messages == []


def test_what_is_not_an_address_is_said_so(browser: TestClient, mail: Kept) -> None:
    answer = _ask(browser, "ana at shop")
    assert answer.status_code == 422
    assert "This is not an e-mail address: check it and send it again." in answer.text
    assert 'value="ana at shop"' in answer.text


def test_a_failed_send_says_try_again(browser: TestClient, mail: Kept, ana: int) -> None:
    mail.fail = True
    answer = _ask(browser, "ana@shop.example")
    assert answer.status_code == 503
    assert "We could not send the e-mail. Please try again in a minute." in answer.text
    assert SENT not in answer.text


def test_without_a_public_url_a_link_names_a_loopback_address_only(
    app: FastAPI, mail: Kept, ana: int
) -> None:
    app.state.public_url = None
    # a request that came to another name (a Host header is the client's to write)
    with TestClient(app, base_url="http://evil.example", follow_redirects=False) as client:
        assert _ask(client, "ana@shop.example").status_code == 503
    assert mail.messages == []
    with TestClient(app, base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        assert _ask(client, "ana@shop.example").status_code == 200
    assert "\nhttp://127.0.0.1:8000/portal/login/confirm?token=" in mail.messages[0].text


def test_opening_the_link_spends_nothing_and_its_button_logs_in(
    browser: TestClient, patron: Patron, mail: Kept, ana: int
) -> None:
    # given Ana's welcome 100 points and a purchase of 50.00 EUR today, pending 14 days
    line = Line("A", None, 1, Decimal("50.00"))
    purchase = RecordPurchase(MemberRef(id=ana), "o-1", patron.clock(), "EUR", (line,))
    patron.run(record_purchase, purchase)
    _ask(browser, "ana@shop.example")
    link = mail.link()
    # when a mail scanner opens the link twice, then Ana presses the button
    for _ in range(2):
        page = browser.get(link)
        assert page.status_code == 200 and "Log me in" in page.text
    answer = _confirm(browser, link)
    # then she is logged in with a session cookie of the portal's own
    assert answer.status_code == 303 and answer.headers["location"] == "/portal"
    cookie = _cookie(answer, "patron_member")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/portal" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    home = browser.get("/portal")
    assert home.status_code == 200
    assert '<dd id="points">100</dd>' in home.text
    assert '<dd id="pending">50</dd>' in home.text
    assert '<dd id="tier">Bronze</dd>' in home.text
    # Silver at 500.00 EUR of spend: 450.00 more after the 50.00
    assert "Silver: €450.00 more of qualifying purchases" in home.text
    assert "As of Jan 1, 2026, 9:00:00\u202fAM UTC." in home.text  # the clock's moment


def test_a_used_an_expired_and_an_unknown_link_are_refused(
    browser: TestClient, mail: Kept, clock: Clock, ana: int
) -> None:
    assert _log_in(browser, mail).status_code == 303
    used = mail.link()
    browser.cookies.clear()
    again = browser.get(used)
    assert again.status_code == 410 and "This link was used already" in again.text
    refused = browser.post(
        "/portal/login/confirm", data={"token": used.split("token=")[1], "csrf": "x"}
    )
    assert refused.status_code == 403  # without the page's token, not even looked at
    _ask(browser, "ana@shop.example")
    late = mail.link()
    page = browser.get(late)
    clock.advance(minutes=15)
    token = late.split("token=", 1)[1]
    answer = browser.post("/portal/login/confirm", data={"token": token, "csrf": _token(page)})
    assert answer.status_code == 410
    assert "This link expired: a link works for 15 minutes." in answer.text
    assert "patron_member=" not in answer.headers.get("set-cookie", "")
    unknown = browser.get("/portal/login/confirm?token=" + "x" * 43)
    assert unknown.status_code == 404 and "This link is not valid" in unknown.text


def test_a_confirmation_posted_without_the_pages_token_leaves_the_link_usable(
    browser: TestClient, mail: Kept, ana: int
) -> None:
    _ask(browser, "ana@shop.example")
    token = mail.link().split("token=", 1)[1]
    refused = browser.post("/portal/login/confirm", data={"token": token})
    assert refused.status_code == 403 and "The page expired" in refused.text
    assert _confirm(browser, mail.link()).status_code == 303


def test_every_portal_page_sends_a_visitor_to_the_login(browser: TestClient) -> None:
    for method, path in [("GET", "/portal"), ("POST", "/portal/logout")]:
        answer = browser.request(method, path)
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"


def test_over_https_the_cookies_are_secure(app: FastAPI, mail: Kept, ana: int) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert "Secure" in _cookie(client.get("/portal/login"), "patron_member_csrf")
        _ask(client, "ana@shop.example")
        answer = _confirm(client, mail.link())
        assert answer.status_code == 303 and "Secure" in _cookie(answer, "patron_member")


def test_logging_out_needs_the_pages_token_and_ends_the_session(
    browser: TestClient, mail: Kept, ana: int, clock: Clock
) -> None:
    _log_in(browser, mail)
    page = browser.get("/portal")
    refused = browser.post("/portal/logout", data={"csrf": "forged"})
    assert refused.status_code == 403 and browser.get("/portal").status_code == 200
    copied = browser.cookies.get("patron_member", path="/portal")
    clock.advance(seconds=1)
    out = browser.post("/portal/logout", data={"csrf": _token(page)})
    assert out.status_code == 303 and out.headers["location"] == "/portal/login"
    assert "Max-Age=0" in _cookie(out, "patron_member")
    assert browser.get("/portal").status_code == 303
    # a copy of the cookie, kept from before the logout, opens nothing either
    with TestClient(browser.app, follow_redirects=False) as other:
        other.cookies.set("patron_member", copied, path="/portal")
        assert other.get("/portal").status_code == 303


def test_an_erased_members_session_ends_at_the_next_page(
    browser: TestClient, patron: Patron, mail: Kept, ana: int
) -> None:
    _log_in(browser, mail)
    assert browser.get("/portal").status_code == 200
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "tests"))
    assert browser.get("/portal").status_code == 303


def test_a_console_session_does_not_open_the_portal(
    browser: TestClient, patron: Patron, ana: int
) -> None:
    # a cookie signed with the server's key, naming member `ana`, but under the console's salt
    console = Sessions(patron.run(server_secret, SESSION_KEY))
    value = console.encode(console.issue(str(ana), datetime(2026, 1, 1, 9, 0)))
    browser.cookies.set("patron_member", value, path="/portal")
    assert browser.get("/portal").status_code == 303
    portal = Sessions(patron.run(server_secret, SESSION_KEY), salt="patron.portal.session")
    browser.cookies.clear()
    value = portal.encode(portal.issue(str(ana), patron.clock()))
    browser.cookies.set("patron_member", value, path="/portal")
    assert browser.get("/portal").status_code == 200


def test_the_portal_speaks_the_shops_language(
    patron: Patron, mail: Kept, ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATRON_LOCALE", "ro_RO")
    get_settings.cache_clear()
    use_program(patron, PROGRAM)
    app = create_app(patron)
    get_settings.cache_clear()
    app.state.mail, app.state.public_url = mail, "http://testserver"
    line = Line("A", None, 1, Decimal("1234.50"))
    purchase = RecordPurchase(MemberRef(id=ana), "o-1", patron.clock(), "EUR", (line,))
    patron.run(record_purchase, purchase)
    with TestClient(app, follow_redirects=False) as client:
        sent = _ask(client, "ana@shop.example")
        assert '<html lang="ro">' in sent.text
        assert "Dacă această adresă aparține unui membru, un link este pe drum." in sent.text
        _confirm(client, mail.link())
        home = client.get("/portal").text
    # 100 welcome points; 1,234 pending from 1,234.50 EUR (a point per whole euro); Silver
    # (500 EUR) reached at once, Gold not in this program: no next tier
    assert '<dt>Puncte de folosit</dt><dd id="points">100</dd>' in home
    assert '<dd id="pending">1.234</dd>' in home
    assert '<dd id="tier">Silver</dd>' in home and "Nivelul următor" not in home
    assert "La data de 1 ian. 2026, 09:00:00 UTC." in home


def test_a_field_longer_than_any_form_takes_gets_a_page_and_sends_nothing(
    browser: TestClient, mail: Kept, ana: int
) -> None:
    """The routes refuse a field over its length before any rule runs; a member gets a
    page saying which field, not the API's problem+json."""
    form = {"email": "a" * 401 + "@shop.example", "csrf": _token(browser.get("/portal/login"))}
    answer = browser.post("/portal/login", data=form)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "This form could not be taken, so nothing was changed: check email" in answer.text
    assert mail.messages == []
