"""The member's pages (web/portal_pages.py and the home of web/portal.py), without a
browser: the HTML holds the figures worked by hand in tests/support/portal.py.

Redemption through the portal on both stores (a double submit, refusals that change
nothing): tests/integration/test_portal_redemption.py; in a browser:
tests/e2e/test_portal_browser.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.config import get_settings
from patron.web import portal_pages
from tests.conftest import Clock, new_key
from tests.support.portal import (
    CSRF,
    PROGRAM,
    TRANSACTION,
    form_value,
    logged_in,
    portal_app,
    portal_shop,
)

PAGES = [
    "/portal",
    "/portal/rewards",
    "/portal/vouchers",
    "/portal/history",
    "/portal/invite",
    "/portal/data",
]


@pytest.fixture
def ana(sqlite_patron: Patron, clock: Clock) -> int:
    return portal_shop(sqlite_patron, clock)


@pytest.fixture
def app(sqlite_patron: Patron, ana: int) -> FastAPI:
    return portal_app(sqlite_patron)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with logged_in(app, "ana@shop.example") as client:
        yield client


def _text(html: str) -> str:
    return unescape(html).replace("\xa0", " ").replace("\u202f", " ")


def test_the_home_page_shows_points_pending_days_expiry_and_tier_progress(
    browser: TestClient,
) -> None:
    page = browser.get("/portal")
    assert page.status_code == 200
    html = _text(page.text)
    assert '<dd id="points">300</dd>' in html
    assert '<dd id="pending">120</dd>' in html
    assert '<ul id="pending-days">\n  <li>120 on Feb 3, 2026</li>' in html
    assert '<ul id="expiring">\n  <li>100 on Mar 1, 2026</li>' in html
    assert '<dd id="tier">Bronze</dd>' in html
    assert "Silver: €180.00 more of qualifying purchases" in html
    assert '<progress id="tier-progress" max="500.00" value="320.00">64%</progress>' in html
    assert '<span id="tier-progress-text">€320.00 of €500.00</span>' in html
    assert "As of Jan 20, 2026, 9:00:00 AM UTC." in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_navigation_and_marks_where_the_member_is(
    browser: TestClient, path: str
) -> None:
    html = browser.get(path).text
    for link in [*PAGES, "/portal/profile"]:
        assert f'<a href="{link}"' in html
    assert f'<a href="{path}" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


def test_a_rewards_own_pages_are_marked_as_the_rewards(browser: TestClient) -> None:
    _redeem(browser, "coffee")
    for path in ("/portal/rewards/coffee", "/portal/redemptions/1"):
        html = browser.get(path).text
        assert '<a href="/portal/rewards" aria-current="page">' in html
        assert html.count('aria-current="page"') == 1


@pytest.mark.parametrize("path", [*PAGES, "/portal/rewards/coffee", "/portal/redemptions/1"])
def test_without_a_session_every_page_leads_to_the_login(app: FastAPI, path: str) -> None:
    with TestClient(app, follow_redirects=False) as client:
        answer = client.get(path)
    assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")


def test_the_rewards_page_splits_what_ana_can_have_now_from_what_she_lacks_points_for(
    browser: TestClient,
) -> None:
    html = _text(browser.get("/portal/rewards").text)
    assert "You have 300 points to spend." in html
    now, later = html.split('id="now"')[1].split('id="later"')
    assert 'id="reward-wrap"' in now and "80 points" in now and "1 left" in now
    assert 'id="reward-coffee"' in now and 'href="/portal/rewards/coffee"' in now
    assert "Show the voucher number at the till" in now
    assert 'id="reward-lamp"' in later and "100 points missing" in later
    assert 'id="reward-ten-off"' in later and "700 points missing" in later
    assert "/portal/rewards/lamp" not in later  # nothing to choose there
    assert "vip" not in html  # Silver's only


def test_the_confirmation_says_the_cost_and_the_balance_after(browser: TestClient) -> None:
    page = browser.get("/portal/rewards/coffee")
    assert page.status_code == 200
    html = _text(page.text)
    assert '<dd id="cost">150 points</dd>' in html
    assert '<dd id="now">300</dd>' in html
    assert '<dd id="after">150</dd>' in html
    assert 'action="/portal/rewards/coffee"' in html
    assert form_value(TRANSACTION, html).startswith("portal-")


def _redeem(browser: TestClient, reward: str) -> tuple[str, dict[str, str]]:
    html = browser.get(f"/portal/rewards/{reward}").text
    form = {"csrf": form_value(CSRF, html), "transaction_id": form_value(TRANSACTION, html)}
    answer = browser.post(f"/portal/rewards/{reward}", data=form)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"], form


def test_a_redemption_shows_the_voucher_and_a_second_press_redeems_nothing_more(
    browser: TestClient,
) -> None:
    # when Ana redeems the coffee, then sends the same form again
    where, form = _redeem(browser, "coffee")
    again = browser.post("/portal/rewards/coffee", data=form)
    # then both answers lead to the one voucher, and 150 points were spent once
    assert where == "/portal/redemptions/1"
    assert (again.status_code, again.headers["location"]) == (303, where)
    html = _text(browser.get(where).text)
    assert '<strong id="voucher">1</strong>' in html
    assert '<dd id="reward">Free coffee</dd>' in html
    assert '<dd id="spent">150</dd>' in html
    assert '<dd id="points">150</dd>' in html
    assert (
        '<p id="instructions">Show the voucher number at the till: one coffee of your choice.</p>'
        in html
    )
    home = _text(browser.get("/portal").text)
    assert '<dd id="points">150</dd>' in home
    assert 'id="expiring"' not in home  # the welcome lot, closest to expiry, was spent first


def test_the_voucher_shows_its_code_and_the_vouchers_page_lists_it_with_its_state(
    browser: TestClient, sqlite_patron: Patron
) -> None:
    from patron.services.fulfil import UseVoucher, use

    # given Ana redeemed the coffee (a gift: a code, no expiry) and nothing yet
    assert 'id="no-vouchers"' in browser.get("/portal/vouchers").text
    where, _ = _redeem(browser, "coffee")
    with sqlite_patron.uow(readonly=True) as uow:
        found = uow.fulfilments.of_redemption(1)
    assert found is not None
    grouped = "-".join(found.code[i : i + 4] for i in (0, 4, 8))
    # then the voucher's page shows the code, valid, and no expiry line
    html = _text(browser.get(where).text)
    assert f'<strong id="code"><code>{grouped}</code></strong>' in html
    assert '<dd id="status">valid</dd>' in html and 'id="expires"' not in html
    listed = _text(browser.get("/portal/vouchers").text)
    assert (
        f'<td><code>{grouped}</code></td><td>no expiry</td><td class="state">valid</td>' in listed
    )
    # when the desk hands it over, both pages say so
    sqlite_patron.run(use, UseVoucher(found.code, "desk-1"))
    assert '<dd id="status">handed over</dd>' in _text(browser.get(where).text)
    assert '<td class="state">handed over</td>' in _text(browser.get("/portal/vouchers").text)


@pytest.mark.parametrize(
    ("reward", "status", "message"),
    [
        ("ten-off", 409, "This reward needs 1000 points and you have 300 to spend: 700 more."),
        ("vip", 409, "This reward is not for your tier."),
        ("no-such", 404, "This reward is not in the catalog."),
        ("x" * 300, 404, "This reward is not in the catalog."),  # longer than any id
    ],
)
def test_a_reward_refused_before_the_form_says_why(
    browser: TestClient, reward: str, status: int, message: str
) -> None:
    page = browser.get(f"/portal/rewards/{reward}")
    assert page.status_code == status
    assert f'<p class="error" role="alert" id="refused">{message}</p>' in page.text
    assert "transaction_id" not in page.text


def test_a_reward_out_of_stock_is_listed_apart_and_refused(browser: TestClient) -> None:
    # given the one gift wrapping redeemed
    _redeem(browser, "wrap")
    # then it is out of stock on the list, and refused
    html = _text(browser.get("/portal/rewards").text)
    assert 'id="reward-wrap"' in html.split('id="gone"')[1]
    page = browser.get("/portal/rewards/wrap")
    assert page.status_code == 409
    assert 'id="refused">This reward is out of stock.</p>' in page.text


GOOD_ID = "portal-aaaaaaaaaaaaaaaaaaaaaa"


@pytest.mark.parametrize(
    ("csrf", "transaction_id"),
    [(None, GOOD_ID), ("forged", GOOD_ID), ("page's", "mine"), ("page's", None)],
)
def test_a_form_without_its_token_or_with_a_strange_transaction_id_redeems_nothing(
    browser: TestClient, csrf: str | None, transaction_id: str | None
) -> None:
    token = form_value(CSRF, browser.get("/portal/rewards/coffee").text)
    sent = {"csrf": token if csrf == "page's" else csrf, "transaction_id": transaction_id}
    answer = browser.post(
        "/portal/rewards/coffee", data={k: v for k, v in sent.items() if v is not None}
    )
    assert answer.status_code == 403
    assert "This form expired, so nothing was redeemed: choose the reward again." in answer.text
    assert '<dd id="points">300</dd>' in browser.get("/portal").text


def test_a_member_sees_no_other_members_voucher(
    app: FastAPI, browser: TestClient, sqlite_patron: Patron
) -> None:
    from tests.integration.helpers import member

    member(sqlite_patron, "c-2", email="bob@shop.example", name="Bob")
    _redeem(browser, "coffee")
    with logged_in(app, "bob@shop.example") as bob:
        for path in ("/portal/redemptions/1", "/portal/redemptions/2", "/portal/redemptions/x"):
            page = bob.get(path)
            assert page.status_code == 404
            assert "You have no redemption with this number." in page.text


def test_the_history_lists_purchases_and_points_newest_first(browser: TestClient) -> None:
    _redeem(browser, "coffee")
    html = _text(browser.get("/portal/history").text)
    purchases = html.split('id="purchases"')[1].split("</table>")[0]
    assert purchases.count("<tr>") == 3  # the header and two purchases
    rows = purchases.split("<tbody>")[1]
    assert rows.index("Jan 20, 2026") < rows.index("Dec 1, 2025")
    assert '<td class="num">€120.00</td><td class="num">120</td><td class="num">—</td>' in rows
    assert '<td class="num">€200.00</td><td class="num">200</td><td class="num">—</td>' in rows
    entries = html.split('id="entries"')[1].split("</table>")[0].split("<tbody>")[1]
    kinds = [
        '<td>Spent on a reward</td><td class="num">-150</td>',
        '<td>Earned on a purchase</td><td class="num">+120</td>',
        '<td>Earned on a purchase</td><td class="num">+200</td>',
        '<td>Welcome gift</td><td class="num">+100</td>',
    ]
    positions = [entries.index(k) for k in kinds]
    assert positions == sorted(positions)


def test_the_history_pages_each_list_on_its_own(
    browser: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portal_pages, "PURCHASES_SHOWN", 1)
    monkeypatch.setattr(portal_pages, "ENTRIES_SHOWN", 2)
    first = _text(browser.get("/portal/history").text)
    assert "€120.00" in first and "€200.00" not in first
    assert 'href="/portal/history?page=2"' in first
    # entries 3 (+120) and 2 (+200) shown; the older page starts before entry 2
    assert "+120" in first and "+200" in first and "+100" not in first
    assert 'href="/portal/history?page=1&before=2"' in first
    second = _text(browser.get("/portal/history?page=2&before=2").text)
    assert "€200.00" in second and "€120.00" not in second
    assert "+100" in second and "+200" not in second
    assert 'href="/portal/history?page=3' not in second


@pytest.mark.parametrize("query", ["page=0", "page=x", "before=-1", "page=99999999"])
def test_a_history_page_that_does_not_exist_says_so(browser: TestClient, query: str) -> None:
    page = browser.get(f"/portal/history?{query}")
    assert page.status_code == 422
    assert "This page of your history does not exist." in page.text


def test_the_invitation_holds_the_referral_link_and_the_bonus(
    browser: TestClient, sqlite_patron: Patron, ana: int
) -> None:
    with sqlite_patron.uow(readonly=True) as uow:
        found = uow.members.get(ana)
        assert found is not None
        code = found.referral_code
    html = _text(browser.get("/portal/invite").text)
    assert f'value="http://testserver/portal/join?ref={code}"' in html
    assert (
        "When a friend who joined through your link first buys, you get 50 points and your"
        " friend 50 points." in html
    )
    assert '<td id="referral-points">0</td>' in html


def test_an_invitation_says_plainly_when_the_program_pays_nothing(
    sqlite_patron: Patron, clock: Clock
) -> None:
    portal_shop(sqlite_patron, clock, PROGRAM.replace("referral_bonus = 50", "referral_bonus = 0"))
    with logged_in(portal_app(sqlite_patron), "ana@shop.example") as client:
        html = client.get("/portal/invite").text
    assert "The program gives no points for inviting a friend at the moment." in html


def test_the_data_download_is_the_apis_export_of_the_member_only(
    browser: TestClient, sqlite_patron: Patron, app: FastAPI, ana: int
) -> None:
    html = browser.get("/portal/data").text
    refused = browser.post("/portal/data", data={"csrf": "forged"})
    assert refused.status_code == 403
    answer = browser.post("/portal/data", data={"csrf": form_value(CSRF, html)})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="patron-member-{ana}.json"'
    )
    mine = json.loads(answer.content)
    key = new_key(sqlite_patron, "admin")
    with TestClient(app) as api:
        theirs = api.get(f"/v1/members/{ana}/export", headers={"Authorization": f"Bearer {key}"})
    assert theirs.status_code == 200
    assert mine["member"]["email"] == "ana@shop.example"
    assert {**mine, "generated_at": None} == {**theirs.json(), "generated_at": None}


def test_the_pages_speak_the_shops_language(
    sqlite_patron: Patron, ana: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATRON_LOCALE", "ro_RO")
    get_settings.cache_clear()
    try:
        with logged_in(portal_app(sqlite_patron), "ana@shop.example") as client:
            home = _text(client.get("/portal").text)
            rewards = _text(client.get("/portal/rewards").text)
            refused = _text(client.get("/portal/rewards/ten-off").text)
    finally:
        get_settings.cache_clear()
    assert '<html lang="ro">' in home
    assert '<label for="tier-progress">Progresul spre Silver</label>' in home
    assert '<span id="tier-progress-text">320,00 EUR din 500,00 EUR</span>' in home
    assert '<ul id="pending-days">\n  <li>120 pe 3 feb. 2026</li>' in home
    assert "Aveți 300 puncte de folosit." in rewards and "lipsesc 700 puncte" in rewards
    assert "mai trebuie 700." in refused
