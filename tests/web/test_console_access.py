"""The console's rewards and API keys (web/access.py), on both stores: the catalog with
its stock; keys listed for every role, created and revoked by owners only, a new key
shown once and working at once, every change audited under the staff user."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.services.audit import audit_trail
from tests.web.conftest import token

KEY = re.compile(r'<code id="issued-key">(ptr_[^<]+)</code>')


def _create(browser: TestClient, **form: str | list[str]):  # type: ignore[no-untyped-def]
    sent = token(browser.get("/console/keys").text)
    return browser.post("/console/keys", data={"csrf": sent, **form})


def test_the_catalog_shows_what_is_left_in_stock(log_in: Callable[[str], TestClient]) -> None:
    page = log_in("analyst").get("/console/rewards").text
    rows = re.findall(r"<tr><td>([^<]+)</td><td>[^<]+</td><td class=\"num\">([^<]+)</td>", page)
    assert [name for name, _ in rows][:2] == ["Free coffee", "Gift wrapping"]  # cheapest first
    assert [points for _, points in rows] == ["150", "200", "250", "300", "500", "500", "1,000"]


def test_an_owner_creates_a_key_shown_once_that_works_at_once(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    owner = log_in("owner")
    answer = _create(owner, name="till-7", scope="pos", shop="cluj", operations=["earn", "redeem"])
    assert answer.status_code == 200
    found = KEY.search(answer.text)
    assert found is not None
    key = found.group(1)
    assert key not in owner.get("/console/keys").text  # never shown again
    with TestClient(create_app(patron)) as api:
        headers = {"Authorization": f"Bearer {key}"}
        assert api.get("/v1/rewards", headers=headers).status_code == 200
    listed = owner.get("/console/keys").text
    assert "<td>till-7</td><td>pos</td><td>cluj</td><td>earn, redeem</td>" in listed
    [entry] = patron.read(audit_trail, AuditQuery(action="apikey.created")).entries
    assert entry.actor == "user:owner@shop.ro" and entry.details["name"] == "till-7"
    assert key not in str(entry.details)
    prefix = key.split("_")[1]
    revoked = owner.post(f"/console/keys/{prefix}/revoke", data={"csrf": token(listed)})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/console/keys?revoked={prefix}"
    told = owner.get(revoked.headers["location"]).text
    assert f"Revoked till-7 (ptr_{prefix})." in told
    with TestClient(create_app(patron)) as api:  # a new server: no key remembered
        assert api.get("/v1/rewards", headers=headers).status_code == 401
    [entry] = patron.read(audit_trail, AuditQuery(action="apikey.revoked")).entries
    assert entry.actor == "user:owner@shop.ro"


def test_a_key_that_cannot_be_is_refused_with_the_reason(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    answer = _create(log_in("owner"), name="ana", scope="admin", shop="cluj")
    assert answer.status_code == 422 and "shop" in answer.text
    assert patron.read(audit_trail, AuditQuery(action="apikey.created")).entries == []


def test_only_an_owner_manages_keys(log_in: Callable[[str], TestClient], patron: Patron) -> None:
    marketer = log_in("marketer")
    page = marketer.get("/console/keys").text
    assert "New key" not in page and "Revoke" not in page
    answer = _create(marketer, name="till-9", scope="pos")
    assert answer.status_code == 403 and "Only an owner manages API keys" in answer.text
    forged = log_in("owner").post("/console/keys", data={"csrf": "forged", "name": "till-9"})
    assert forged.status_code == 403
    assert patron.read(audit_trail, AuditQuery(action="apikey.created")).entries == []
