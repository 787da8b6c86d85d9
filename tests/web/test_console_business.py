"""A business on the console's customer page (web/customer.py) and on its portal home
(web/portal.py): the company, its buyers and its entitlements with what is left; staff who
may change data record a use, under their name. examples/program.toml: Gold (from 1500
EUR) has 2 visits a quarter."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from html import unescape

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.audit import audit_trail
from patron.services.business import AddBuyer, CreateBusiness, add_buyer, create_business
from patron.services.commands import BuyerRef, Line, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from tests.conftest import Clock
from tests.integration.helpers import member
from tests.support.portal import logged_in, portal_app
from tests.web.conftest import token


def _gold_business(patron: Patron) -> int:
    biz = member(patron, "B-7", email="office@librariacentrala.ro")
    ref = MemberRef(id=biz)
    patron.run(create_business, CreateBusiness(ref, "Libraria Centrala SRL", "RO18547290", "t"))
    patron.run(add_buyer, AddBuyer(ref, "Radu Ionescu", "t", email="radu@librariacentrala.ro"))
    line = (Line("PAPER", None, 1, Decimal("1500.00")),)
    buyer = BuyerRef(email="radu@librariacentrala.ro")
    patron.run(
        record_purchase,
        RecordPurchase(MemberRef(), "T-1", patron.clock(), "EUR", line, buyer=buyer),
    )
    return biz


def test_staff_see_the_business_and_record_a_visit_until_none_is_left(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    biz = _gold_business(patron)
    analyst = unescape(log_in("analyst").get(f"/console/customers/{biz}").text)
    assert "Libraria Centrala SRL" in analyst and "RO18547290" in analyst
    assert "Radu Ionescu" in analyst and "Account manager's visits" in analyst
    assert "/entitlements/visits" not in analyst  # an analyst changes nothing
    owner = log_in("owner")
    page = owner.get(f"/console/customers/{biz}").text
    for _ in range(2):
        form = {"note": "catalog presented", "csrf": token(page)}
        answer = owner.post(f"/console/customers/{biz}/entitlements/visits", data=form)
        assert answer.status_code == 303
        page = owner.get(answer.headers["location"]).text
    assert "Use recorded." in page
    refused = owner.post(
        f"/console/customers/{biz}/entitlements/visits", data={"csrf": token(page)}
    )
    assert refused.status_code == 422
    assert "Not recorded: visits: all 2 uses of this quarter are spent" in unescape(refused.text)
    entries = patron.read(audit_trail, AuditQuery(action="business.entitlement_used")).entries
    assert [(e.actor, e.reason) for e in entries] == [
        ("user:owner@shop.ro", "catalog presented")
    ] * 2


def test_the_portal_home_of_a_business_shows_its_entitlements(patron: Patron, clock: Clock) -> None:
    biz = _gold_business(patron)
    assert biz
    with logged_in(portal_app(patron), "office@librariacentrala.ro") as browser:
        html = unescape(browser.get("/portal").text)
    assert "Your benefits as Libraria Centrala SRL" in html
    assert "Account manager's visits" in html and "Priority hotline" in html
