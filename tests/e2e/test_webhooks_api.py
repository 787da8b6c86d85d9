"""Webhooks over HTTP, on both stores: admin only; the secret in the creation's answer
alone; a URL that is not http(s) refused with nothing stored; the delivery log and a
replay of the dead letters after the worker gave up (docs/webhooks.md)."""

from __future__ import annotations

from datetime import timedelta

from patron.bootstrap import Patron
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.webhooks import HttpSender
from patron.worker import Worker, WorkerOptions
from tests.conftest import Clock
from tests.e2e.conftest import Api
from tests.e2e.test_observability import scrape, value
from tests.support.webhook_receiver import Receiver, receiving

NO_WAIT = RetryPolicy(max_attempts=2, base=timedelta(0), cap=timedelta(0))


def work(patron: Patron) -> None:
    Worker(patron, HttpSender(), WorkerOptions(policy=NO_WAIT), single=True).run(until_idle=True)


def test_subscribe_list_fail_replay_and_remove(
    patron: Patron, admin: Api, pos: Api, clock: Clock
) -> None:
    answers = [500]
    with receiving(Receiver(answer=lambda _r: answers[0])) as receiver:
        body = {"url": receiver.url, "event_types": ["member.enrolled"], "description": "crm"}
        created = admin.post("/v1/webhooks", body, idem=None)
        assert created.status_code == 201, created.text
        sub = created.json()
        assert sub["secret"].startswith("whsec_")
        receiver.secret = sub["secret"]
        listed = admin.get("/v1/webhooks").json()
        assert listed["count"] == 1
        assert listed["data"][0] == {k: v for k, v in sub.items() if k != "secret"}
        # a till may not see them
        assert pos.get("/v1/webhooks").status_code == 403
        enrolled = admin.post("/v1/members", {"external_id": "c-1"})
        assert enrolled.status_code == 201
        # the metrics: events wait (enrolment and welcome bonus), the oldest 90 s old
        clock.advance(seconds=90)
        samples = scrape(admin.client)
        assert value(samples, "patron_outbox_backlog") == 2
        assert value(samples, "patron_outbox_oldest_age_seconds") == 90
        assert value(samples, "patron_webhook_dead_letters") == 0
        work(patron)  # two attempts, both 500: a dead letter
        samples = scrape(admin.client)
        assert value(samples, "patron_outbox_backlog") == 0
        assert value(samples, "patron_outbox_oldest_age_seconds") == 0
        assert value(samples, "patron_webhook_dead_letters") == 1
        dead = admin.get("/v1/webhooks/deliveries?state=dead").json()
        assert dead["count"] == 1
        delivery = dead["data"][0]
        assert (delivery["event_type"], delivery["attempts"], delivery["last_status"]) == (
            "member.enrolled",
            2,
            500,
        )
        assert delivery["member_id"] == enrolled.json()["id"]
        log = admin.get(f"/v1/webhooks/deliveries/{delivery['id']}/attempts").json()
        assert [(a["number"], a["status_code"]) for a in log["data"]] == [(1, 500), (2, 500)]
        unknown = admin.get(f"/v1/webhooks/deliveries/{delivery['id'] + 1000}/attempts")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "webhook_not_found")
        answers[0] = 200
        replayed = admin.post("/v1/webhooks/replay", {"dead": True}, idem=None)
        assert replayed.json() == {"count": 1}
        work(patron)
    assert [r.valid for r in receiver.received] == [True, True, True]
    assert len({r.msg_id for r in receiver.received}) == 1
    done = admin.get("/v1/webhooks/deliveries").json()["data"][0]
    assert (done["state"], done["last_status"]) == ("delivered", 200)
    removed = admin.client.delete(f"/v1/webhooks/{sub['id']}", headers=admin.headers(None))
    assert removed.json() == {"id": sub["id"], "dead_lettered": 0}
    again = admin.client.delete(f"/v1/webhooks/{sub['id']}", headers=admin.headers(None))
    assert (again.status_code, again.json()["code"]) == (404, "webhook_not_found")
    assert admin.get("/v1/webhooks").json() == {"data": [], "count": 0}


def test_a_url_that_is_not_http_is_refused_with_nothing_stored(admin: Api) -> None:
    body = {"url": "ftp://crm.example.com/in", "event_types": ["*"]}
    refused = admin.post("/v1/webhooks", body, idem=None)
    assert refused.status_code == 422
    assert refused.json()["code"] == "webhook_url_refused"
    assert refused.json()["detail"].startswith("url: 'ftp://crm.example.com/in' is not an http(s)")
    assert admin.get("/v1/webhooks").json() == {"data": [], "count": 0}


def test_a_replay_names_ids_or_the_dead_letters(admin: Api) -> None:
    both = admin.post("/v1/webhooks/replay", {"delivery_ids": [1], "dead": True}, idem=None)
    assert (both.status_code, both.json()["code"]) == (422, "invalid_input")
    unknown = admin.post("/v1/webhooks/replay", {"delivery_ids": [99]}, idem=None)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "webhook_not_found")
