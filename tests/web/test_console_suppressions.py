"""The console's suppression list (web/suppressions.py) and consent per channel on the
customer page (web/console_consents.py), on both stores: a marketer adds and removes an
address under their own name, an analyst reads only, a bad address is refused on the
page with nothing changed; staff record a member's yes per channel, source `console`."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.messages import Channel
from patron.services import messages as core
from patron.services.suppressions import suppression_list
from tests.integration.helpers import member
from tests.web.conftest import token


def test_a_marketer_adds_and_removes_an_address(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    console = log_in("marketer")
    page = console.get("/console/suppressions")
    assert page.status_code == 200 and "No address is suppressed." in page.text
    csrf = token(page.text)
    form = {"channel": "email", "address": " Ana@Example.com", "reason": "complaint", "csrf": csrf}
    added = console.post("/console/suppressions", data={**form, "action": "add"})
    assert (added.status_code, added.headers["location"]) == (
        303,
        "/console/suppressions?done=added",
    )
    (entry,) = patron.read(suppression_list, None, 10)
    assert (entry.address, entry.reason.value, entry.source, entry.actor) == (
        "ana@example.com",
        "complaint",
        "console",
        "user:marketer@shop.ro",
    )
    listed = console.get("/console/suppressions?channel=email").text
    assert "ana@example.com" in listed and "complaint" in listed
    bad = console.post("/console/suppressions", data={**form, "channel": "sms", "address": "x"})
    assert bad.status_code == 422 and "is no phone number" in bad.text
    odd = console.post("/console/suppressions", data={**form, "action": "purge"})
    assert odd.status_code == 422 and "neither add nor remove" in odd.text
    removed = console.post(
        "/console/suppressions",
        data={"channel": "email", "address": "ana@example.com", "action": "remove", "csrf": csrf},
    )
    assert removed.status_code == 303
    assert patron.read(suppression_list, None, 10) == []
    assert not patron.read(core.suppressed, Channel.EMAIL, "ana@example.com")


def test_an_analyst_reads_only_and_a_form_without_its_token_does_nothing(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    analyst = log_in("analyst")
    page = analyst.get("/console/suppressions")
    assert page.status_code == 200 and "Suppress an address" not in page.text
    form = {"channel": "email", "address": "a@x.example", "csrf": token(page.text)}
    assert analyst.post("/console/suppressions", data=form).status_code == 403
    marketer = log_in("marketer")
    assert marketer.post("/console/suppressions", data={**form, "csrf": "?"}).status_code == 403
    assert patron.read(suppression_list, None, 10) == []


def test_staff_record_consent_per_channel_on_the_customer_page(
    patron: Patron, log_in: Callable[[str], TestClient]
) -> None:
    ana = member(patron, "c-1", email="ana@example.com")
    console = log_in("marketer")
    page = console.get(f"/console/customers/{ana}")
    assert 'id="consents"' in page.text
    form = {"channel": "sms", "granted": "yes", "csrf": token(page.text)}
    done = console.post(f"/console/customers/{ana}/consents", data=form)
    assert done.status_code == 303
    history = patron.read(lambda uow: uow.consents.history(ana))
    assert [(r.purpose, r.granted, r.source.value, r.actor) for r in history] == [
        ("marketing_sms", True, "console", "user:marketer@shop.ro")
    ]
    bad = console.post(f"/console/customers/{ana}/consents", data={**form, "channel": "fax"})
    assert bad.status_code == 422
