"""The console's door (web/console.py, web/sessions.py), without a browser: every page asks
for a login; the login form is protected against cross-site posts and guessing; the
session cookie is HttpOnly, SameSite and Secure over HTTPS, lasts 12 hours on the
server's clock, ends when the user is disabled, and is signed with a key every worker
shares. The browser's view of the same pages: tests/e2e (headless Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.staff import NewUser, create_user, disable_user
from tests.conftest import Clock

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def ana(patron: Patron) -> str:
    new = NewUser("ana@shop.ro", "owner", "Ana Pop", PASSWORD)
    patron.run(lambda uow, n: create_user(uow, n, "cli:root"), new)
    return "ana@shop.ro"


@pytest.fixture
def browser(patron: Patron) -> Iterator[TestClient]:
    with TestClient(create_app(patron), follow_redirects=False) as client:
        yield client


def _token(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def _log_in(client: TestClient, email: str, password: str = PASSWORD, **form: str) -> Response:
    token = _token(client.get("/console/login"))
    return client.post(
        "/console/login", data={"email": email, "password": password, "csrf": token, **form}
    )


def _cookie(answer: Response, name: str) -> str:
    [line] = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
    return line


def test_every_console_page_sends_a_visitor_to_the_login(browser: TestClient) -> None:
    for method, path in [("GET", "/console"), ("POST", "/console/logout")]:
        answer = browser.request(method, path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/console/login?next={path}"


def test_a_good_login_opens_the_console_with_a_protected_cookie(
    browser: TestClient, patron: Patron, ana: str
) -> None:
    for external_id in ("c-1", "c-2"):
        patron.run(enroll, Enroll(external_id))
    answer = _log_in(browser, "ANA@shop.ro ", next="/console")
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = _cookie(answer, "patron_session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain HTTP here
    page = browser.get("/console")
    assert page.status_code == 200
    assert "Signed in as <strong>ana@shop.ro</strong>, owner." in page.text
    assert '<th scope="row">Members</th><td class="num">2</td>' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_over_https_both_cookies_are_secure(patron: Patron, ana: str) -> None:
    with TestClient(
        create_app(patron), base_url="https://testserver", follow_redirects=False
    ) as client:
        form = client.get("/console/login")
        assert "Secure" in _cookie(form, "patron_login_csrf")
        answer = _log_in(client, ana)
        assert answer.status_code == 303
        assert "Secure" in _cookie(answer, "patron_session")


def test_a_login_posted_without_the_forms_token_is_refused_and_counts_nothing(
    browser: TestClient, ana: str
) -> None:
    browser.get("/console/login")
    for sent in ["", "forged-token"]:
        answer = browser.post(
            "/console/login", data={"email": ana, "password": PASSWORD, "csrf": sent}
        )
        assert answer.status_code == 403
        assert "The form expired: please log in again." in answer.text
        assert "patron_session" not in answer.headers.get("set-cookie", "")
    # a login page of another site cannot lock the user out either
    for _ in range(6):
        browser.post("/console/login", data={"email": ana, "password": "wrong wrong wrong"})
    assert _log_in(browser, ana).status_code == 303


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    browser: TestClient, ana: str
) -> None:
    wrong = _log_in(browser, ana, "not the password")
    unknown = _log_in(browser, "nobody@shop.ro", "not the password")
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert "The e-mail or the password is wrong." in answer.text
        assert "patron_session" not in answer.headers.get("set-cookie", "")


def test_five_wrong_passwords_lock_the_login_answered_as_a_wrong_password(
    browser: TestClient, ana: str
) -> None:
    statuses = [_log_in(browser, ana, f"wrong password {i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    locked = _log_in(browser, ana)  # the right password, during the lock
    assert locked.status_code == 401 and "patron_session" not in locked.headers.get(
        "set-cookie", ""
    )
    # the same words as for an unknown e-mail: the lock tells nobody the address exists
    unknown = _log_in(browser, "nobody@shop.ro", "wrong password")
    assert (
        _error(locked)
        == _error(unknown)
        == (
            "The e-mail or the password is wrong. After five wrong passwords in a row a user is"
            " locked for 15 minutes."
        )
    )


def test_an_address_that_fails_too_often_is_refused_for_a_while(
    browser: TestClient, ana: str
) -> None:
    from patron.web.throttle import FailedLogins

    ticks = [0.0]
    browser.app.state.failed_logins = FailedLogins(3, 600.0, lambda: ticks[0])  # type: ignore[attr-defined]
    for who in ("a@shop.ro", "b@shop.ro", "c@shop.ro"):  # many users, one address
        assert _log_in(browser, who, "guess guess guess").status_code == 401
    refused = _log_in(browser, ana)  # even the right password, from this address
    assert refused.status_code == 429 and refused.headers["retry-after"] == "600"
    assert "Too many failed logins from this address: try again in 10 minutes." in refused.text
    ticks[0] = 600.0  # the first failure has left the window
    assert _log_in(browser, ana).status_code == 303


def _error(answer: Response) -> str:
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', answer.text)
    assert found is not None, answer.text
    return found.group(1)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/console", "/v1/audit", "javascript:x"]
)
def test_after_the_login_only_a_console_page_is_followed(
    browser: TestClient, ana: str, target: str
) -> None:
    answer = _log_in(browser, ana, next=target)
    assert answer.headers["location"] == "/console"


def test_logging_out_needs_the_pages_token_and_ends_the_session(
    browser: TestClient, ana: str
) -> None:
    _log_in(browser, ana)
    page = browser.get("/console")
    refused = browser.post("/console/logout", data={"csrf": "forged"})
    assert refused.status_code == 403 and browser.get("/console").status_code == 200
    out = browser.post("/console/logout", data={"csrf": _token(page)})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert "Max-Age=0" in _cookie(out, "patron_session")
    assert browser.get("/console").status_code == 303


def test_a_disabled_user_is_sent_to_the_login_at_the_next_page(
    browser: TestClient, patron: Patron, ana: str
) -> None:
    patron.run(lambda uow, n: create_user(uow, n, "cli:root"), NewUser("bo@shop.ro", "owner"))
    _log_in(browser, ana)
    assert browser.get("/console").status_code == 200
    patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), ana)
    assert browser.get("/console").status_code == 303


def test_a_session_lasts_twelve_hours_on_the_servers_clock(
    browser: TestClient, clock: Clock, ana: str
) -> None:
    _log_in(browser, ana)
    clock.advance(hours=11, minutes=59)
    assert browser.get("/console").status_code == 200
    clock.advance(minutes=1)
    assert browser.get("/console").status_code == 303


def test_a_forged_cookie_opens_nothing(browser: TestClient, ana: str) -> None:
    answer = _log_in(browser, ana)
    value = _cookie(answer, "patron_session").split(";")[0].split("=", 1)[1]
    browser.cookies.clear()
    forged = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    browser.cookies.set("patron_session", forged, path="/console")
    assert browser.get("/console").status_code == 303


def test_every_worker_checks_sessions_with_the_same_key(patron: Patron, ana: str) -> None:
    with TestClient(create_app(patron), follow_redirects=False) as first:
        answer = _log_in(first, ana)
    value = _cookie(answer, "patron_session").split(";")[0].split("=", 1)[1]
    with TestClient(create_app(patron), follow_redirects=False) as second:
        second.cookies.set("patron_session", value, path="/console")
        assert second.get("/console").status_code == 200
    with patron.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM server_secrets")).scalar_one() == 1


def _session_cookie(client: TestClient) -> str:
    value = client.cookies.get("patron_session")
    assert value is not None
    return value


def _with_cookie(patron: Patron, value: str) -> int:
    """The status of the overview asked by another browser holding `value`."""
    with TestClient(create_app(patron), follow_redirects=False) as other:
        other.cookies.set("patron_session", value, path="/console")
        return other.get("/console").status_code


def test_a_cookie_kept_from_before_a_logout_opens_nothing(
    browser: TestClient, patron: Patron, clock: Clock, ana: str
) -> None:
    _log_in(browser, ana)
    kept = _session_cookie(browser)
    clock.advance(seconds=1)
    page = browser.get("/console")
    out = browser.post("/console/logout", data={"csrf": CSRF.search(page.text).group(1)})  # type: ignore[union-attr]
    assert out.status_code == 303
    assert _with_cookie(patron, kept) == 303  # replayed after the logout: refused
    clock.advance(seconds=1)
    _log_in(browser, ana)  # a new login works as before
    assert browser.get("/console").status_code == 200


def test_a_new_password_and_a_disable_end_the_earlier_sessions(
    browser: TestClient, patron: Patron, clock: Clock, ana: str
) -> None:
    from patron.services.staff import disable_user, enable_user, set_password

    patron.run(lambda uow, n: create_user(uow, n, "cli:root"), NewUser("bo@shop.ro", "owner"))
    _log_in(browser, ana)
    kept = _session_cookie(browser)
    clock.advance(seconds=1)
    patron.run(lambda uow, e: set_password(uow, e, PASSWORD, "cli:root"), ana)
    assert _with_cookie(patron, kept) == 303
    clock.advance(seconds=1)
    _log_in(browser, ana)
    kept = _session_cookie(browser)
    clock.advance(seconds=1)
    patron.run(lambda uow, e: disable_user(uow, e, "cli:root"), ana)
    patron.run(lambda uow, e: enable_user(uow, e, "cli:root"), ana)
    assert _with_cookie(patron, kept) == 303  # enabling again does not bring it back


def test_the_login_leads_back_to_the_page_asked_with_its_query(
    browser: TestClient, ana: str
) -> None:
    # a review saw the filters of a bookmarked list dropped on the way through the login
    asked = browser.get("/console/customers?q=ana&tier=Silver&page=2")
    assert asked.headers["location"] == (
        "/console/login?next=/console/customers%3Fq%3Dana%26tier%3DSilver%26page%3D2"
    )
    target = "/console/customers?q=ana&tier=Silver&page=2"
    form = browser.get(asked.headers["location"]).text
    assert 'name="next" value="/console/customers?q=ana&amp;tier=Silver&amp;page=2"' in form
    answer = _log_in(browser, ana, next=target)
    assert answer.status_code == 303 and answer.headers["location"] == target
