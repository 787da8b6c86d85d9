"""A shop for the portal's page tests, and a member's browser logged in to it by the link
the portal mails (the whole door: tests/web/test_portal_login.py).

The shop's figures, worked by hand from PROGRAM (the tests expect these numbers):
- Ana enrols on 2025-03-01 09:00: the welcome gift, 100 points, spendable at once,
  expiring 12 months later, on 2026-03-01;
- she buys for 200.00 EUR on 2025-12-01 (200 points, pending 14 days: spendable from
  2025-12-15) and for 120.00 EUR on 2026-01-20 (120 points, spendable from 2026-02-03);
- seen on 2026-01-20 09:00: 300 points to spend, 120 pending (from 3 Feb 2026), 100
  expiring on 1 Mar 2026 (within 90 days), 320.00 EUR of qualifying spend: Bronze, and
  180.00 EUR short of Silver's 500.00.
- The catalog for Bronze, cheapest first: wrap (80 points, 1 left) and coffee (150) are
  within reach; lamp (400: 100 missing) and ten-off (1000: 700 missing) are not; vip
  (100) is Silver's only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.engage.channels.mail import MailNotSent, Message
from patron.services.commands import Line, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from tests.conftest import Clock, use_program
from tests.integration.helpers import member

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TRANSACTION = re.compile(r'name="transaction_id" value="([^"]+)"')
LINK = re.compile(r"https?://\S+/portal/login/confirm\?token=([\w-]+)")
PROGRAM = """
name = "Portal pages"
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

[expiry]
months = 12
warn_days = 30

[[rewards]]
id = "wrap"
name = "Gift wrapping"
kind = "service"
points = 80
stock = 1

[[rewards]]
id = "vip"
name = "VIP evening"
kind = "event"
points = 100
tiers = ["Silver"]

[[rewards]]
id = "coffee"
name = "Free coffee"
kind = "gift"
points = 150
description = "Show the voucher number at the till: one coffee of your choice."

[[rewards]]
id = "lamp"
name = "Desk lamp"
kind = "gift"
points = 400

[[rewards]]
id = "ten-off"
name = "10 EUR voucher"
kind = "discount"
points = 1000
"""


class Kept:
    """A mail sender that keeps what it is given, or fails when told to (the portal's
    tests read the links from it)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.fail = False

    def send(self, message: Message) -> None:
        if self.fail:
            raise MailNotSent("the mail server at mail.x.example:25 did not take the message")
        self.messages.append(message)

    def link(self) -> str:
        """The link of the last message, as a path on the test server."""
        found = LINK.search(self.messages[-1].text)
        assert found is not None, self.messages[-1].text
        return found.group(0).removeprefix("http://testserver")


def portal_shop(patron: Patron, clock: Clock, program: str = PROGRAM) -> int:
    """Ana's account as the module docstring works it out; her member id."""
    use_program(patron, program)
    clock.now = datetime(2025, 3, 1, 9, 0)
    ana = member(patron, "c-1", email="ana@shop.example", name="Ana Pop")
    clock.now = datetime(2025, 12, 1, 9, 0)
    _buy(patron, ana, "o-1", clock.now, "200.00")
    clock.now = datetime(2026, 1, 20, 9, 0)
    _buy(patron, ana, "o-2", clock.now, "120.00")
    return ana


def _buy(patron: Patron, member_id: int, order: str, at: datetime, amount: str) -> None:
    lines = (Line("A", None, 1, Decimal(amount)),)
    patron.run(record_purchase, RecordPurchase(MemberRef(id=member_id), order, at, "EUR", lines))


def portal_app(patron: Patron) -> FastAPI:
    app = create_app(patron)
    app.state.mail = Kept()
    app.state.public_url = "http://testserver"
    return app


def form_value(pattern: re.Pattern[str], page: str) -> str:
    found = pattern.search(page)
    assert found is not None, page
    return found.group(1)


@contextmanager
def logged_in(app: FastAPI, email: str) -> Iterator[TestClient]:
    """A browser logged in as the member of `email`, through the mailed link."""
    with TestClient(app, follow_redirects=False) as client:
        csrf = form_value(CSRF, client.get("/portal/login").text)
        assert client.post("/portal/login", data={"email": email, "csrf": csrf}).status_code == 200
        token = form_value(LINK, app.state.mail.messages[-1].text)
        page = client.get(f"/portal/login/confirm?token={token}")
        form = {"token": token, "csrf": form_value(CSRF, page.text)}
        assert client.post("/portal/login/confirm", data=form).status_code == 303
        yield client
