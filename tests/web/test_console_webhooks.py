"""The console's webhooks page (web/webhooks.py), on both stores: subscriptions listed with
their event types for every role; added by an owner with the secret shown on that answer
only, removed, and dead letters replayed, each audited under the staff user; an analyst
(and a marketer) gets no form and is refused a change; a form without the session's token
is refused. The rules behind it are the API's (tests/e2e/test_webhooks_api.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from patron.bootstrap import Patron
from patron.domain.audit import AuditQuery
from patron.domain.webhooks import RetryPolicy
from patron.services import webhooks as uc
from patron.services.audit import audit_trail
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.web.conftest import token

SECRET = re.compile(r'<code id="issued-secret">(whsec_[^<]+)</code>')
URL = "https://crm.example.com/patron"


def _add(browser: TestClient, **form: str | list[str]):  # type: ignore[no-untyped-def]
    sent = token(browser.get("/console/webhooks").text)
    return browser.post("/console/webhooks", data={"csrf": sent, **form})


def _audited(patron: Patron, action: str) -> list[tuple[str, dict[str, object]]]:
    entries = patron.read(audit_trail, AuditQuery(action=action)).entries
    return [(e.actor, e.details) for e in entries]


def _dead_letter(patron: Patron) -> int:
    """A subscription to member.enrolled, a member enrolled, and its one delivery failed
    once with a 500 under a policy of one attempt: a dead letter. Its id."""
    patron.run(uc.add_webhook, uc.AddWebhook(URL, ["member.enrolled"], "cli:root"))
    patron.run(enroll, Enroll("c-1"))
    assert patron.run(uc.route_events, 100) == 2  # member.enrolled and its welcome points
    [job] = patron.run(uc.claim_deliveries, uc.Claim(10, timedelta(minutes=1)))
    once = RetryPolicy(max_attempts=1)
    patron.run(uc.finish_delivery, uc.Answer(job, 500, "HTTP 500: down", once))
    return job.delivery_id


def test_an_owner_adds_a_subscription_whose_secret_is_shown_once_and_audited(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given an owner on the page, which offers every event type as a checkbox
    owner = log_in("owner")
    page = owner.get("/console/webhooks").text
    assert 'value="voucher.issued"' in page and 'value="*"' in page
    # when they add a subscription to two types
    answer = _add(
        owner,
        url=URL,
        event_types=["points.earned", "rsvp.seated"],
        description="the CRM",
    )
    # then the answer shows its secret, the list its types, and no later page the secret
    assert answer.status_code == 200
    found = SECRET.search(answer.text)
    assert found is not None
    secret = found.group(1)
    listed = owner.get("/console/webhooks").text
    assert secret not in listed
    assert (
        f"<td>1</td><td><code>{URL}</code></td><td>points.earned, rsvp.seated</td>"
        "<td>the CRM</td>" in listed
    )
    assert _audited(patron, "webhook.added") == [
        (
            "user:owner@shop.ro",
            {
                "subscription_id": 1,
                "url": URL,
                "event_types": ["points.earned", "rsvp.seated"],
            },
        )
    ]
    assert secret not in str(_audited(patron, "webhook.added"))


def test_a_subscription_that_cannot_be_is_refused_with_the_reason_and_nothing_stored(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    owner = log_in("owner")
    bad_url = _add(owner, url="ftp://crm.example.com", event_types=["points.earned"])
    assert bad_url.status_code == 422
    assert "is not an http(s) URL" in bad_url.text
    no_type = _add(owner, url=URL)
    assert no_type.status_code == 422 and "name at least one of" in no_type.text
    assert patron.read(uc.webhooks) == []
    assert _audited(patron, "webhook.added") == []


def test_an_owner_removes_a_subscription(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given a subscription with one delivery waiting
    patron.run(uc.add_webhook, uc.AddWebhook(URL, ["member.enrolled"], "cli:root"))
    patron.run(enroll, Enroll("c-1"))
    patron.run(uc.route_events, 100)
    owner = log_in("owner")
    # when the owner removes it
    sent = token(owner.get("/console/webhooks").text)
    answer = owner.post("/console/webhooks/1/remove", data={"csrf": sent})
    # then it is off, its waiting delivery a dead letter, and the page says so
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/webhooks?done=removed&count=1"
    told = owner.get(answer.headers["location"]).text
    assert "Subscription removed; 1 waiting deliveries became dead letters." in told
    assert patron.read(uc.webhooks) == []
    assert _audited(patron, "webhook.removed") == [
        ("user:owner@shop.ro", {"subscription_id": 1, "dead_lettered": 1})
    ]
    # removing it again: not found, nothing more audited
    again = owner.post("/console/webhooks/1/remove", data={"csrf": sent})
    assert again.status_code == 404 and "no webhook subscription 1" in again.text
    assert len(_audited(patron, "webhook.removed")) == 1


def test_the_delivery_log_filters_by_state_shows_attempts_and_replays_a_dead_letter(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given one dead letter (one attempt, answered 500)
    dead = _dead_letter(patron)
    owner = log_in("owner")
    # then it is listed under "dead", not under "delivered", with its replay button
    shown = owner.get("/console/webhooks?state=dead").text
    assert f'<tr class="dead"><td><a href="/console/webhooks?delivery={dead}' in shown
    assert f'aria-label="Replay delivery {dead}"' in shown
    assert "pending: 0; being sent: 0; dead letters: 1." in shown
    assert "No delivery matches." in owner.get("/console/webhooks?state=delivered").text
    # and its attempts: the first, answered 500
    attempts = owner.get(f"/console/webhooks?delivery={dead}").text
    assert f"Attempts of delivery {dead}" in attempts
    assert re.search(r'<td class="num">1</td><td>[^<]+</td><td>[^<]+</td><td>500</td>', attempts)
    assert "HTTP 500: down" in attempts
    # when the owner replays it
    answer = owner.post(
        "/console/webhooks/replay", data={"csrf": token(shown), "delivery": str(dead)}
    )
    # then it is pending again, and audited
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/webhooks?done=replayed&count=1"
    assert "1 deliveries will be sent again." in owner.get(answer.headers["location"]).text
    [delivery] = patron.read(uc.deliveries, uc.ListDeliveries())
    assert (delivery.id, delivery.state, delivery.attempts) == (dead, "pending", 0)
    assert _audited(patron, "webhook.replayed") == [
        ("user:owner@shop.ro", {"deliveries": [dead], "count": 1})
    ]


def test_an_unknown_delivery_is_not_found(log_in: Callable[[str], TestClient]) -> None:
    answer = log_in("analyst").get("/console/webhooks?delivery=99")
    assert answer.status_code == 404 and "no webhook delivery 99" in answer.text


def test_an_analyst_reads_the_page_and_is_refused_every_change(
    log_in: Callable[[str], TestClient], patron: Patron
) -> None:
    # given a subscription and a dead letter
    dead = _dead_letter(patron)
    for role in ("analyst", "marketer"):
        browser = log_in(role)
        # the page lists them, with no form to change anything
        page = browser.get("/console/webhooks").text
        assert f"<code>{URL}</code>" in page and f"delivery={dead}" in page
        assert "New subscription" not in page and "Remove" not in page
        assert "Replay" not in page
        # and every change is refused, saying who may
        sent = token(page)  # the session's own token (the logout form's)
        refusals = [
            browser.post(
                "/console/webhooks",
                data={"csrf": sent, "url": URL, "event_types": ["*"]},
            ),
            browser.post("/console/webhooks/1/remove", data={"csrf": sent}),
            browser.post("/console/webhooks/replay", data={"csrf": sent, "delivery": str(dead)}),
            browser.post("/console/webhooks/replay", data={"csrf": sent}),
        ]
        for refused in refusals:
            assert refused.status_code == 403
            assert f"Only an owner manages webhooks; you are a {role}." in refused.text
    # an owner's form without the session's token is refused too
    forged = log_in("owner").post(
        "/console/webhooks", data={"csrf": "forged", "url": URL, "event_types": ["*"]}
    )
    assert forged.status_code == 403
    # nothing changed: one subscription (the first), the letter dead, nothing audited
    assert [s.id for s in patron.read(uc.webhooks)] == [1]
    [delivery] = patron.read(uc.deliveries, uc.ListDeliveries())
    assert delivery.state == "dead"
    for action in ("webhook.removed", "webhook.replayed"):
        assert _audited(patron, action) == []
    assert [actor for actor, _ in _audited(patron, "webhook.added")] == ["cli:root"]
