"""SMS and push delivered by `patron worker` (worker.py's hook, delivery.py) through the
HTTP adapter to a local receiver, on SQLite and PostgreSQL: the text rendered from a
text-only template, to the member's phone (SMS) or external id (push), with the
message's id; a channel with no provider configured defers, saying so; a provider's
permanent refusal bounces and suppresses the number."""

from __future__ import annotations

from datetime import timedelta

from patron.bootstrap import Patron
from patron.delivery import DeliveryOptions, MessageDelivery, Senders
from patron.domain.consent import ConsentSource
from patron.domain.messages import Channel, Outgoing
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.mail import Message
from patron.engage.channels.text import HttpTextSender
from patron.engage.channels.webhooks import HttpSender
from patron.services import deliveries as uc
from patron.services import messages as core
from patron.services.consents import record_consent
from patron.store.messages import StoredTemplate
from patron.worker import Worker, WorkerOptions
from tests.integration.helpers import member
from tests.support.receiver import http_receiver

PHONE = "+40 712 345 678"


class NoMail:
    def send(self, message: Message) -> None:
        raise AssertionError("no e-mail in these tests")


def _setup(patron: Patron) -> int:
    ana = member(patron, "c-ana", email="ana@example.com", name="Ana Pop")

    def prepare(uow: object, m: int) -> None:
        uow.contacts.set_phone(m, PHONE)  # type: ignore[attr-defined]
        for purpose in ("marketing_sms", "marketing_push"):
            record_consent(uow, m, True, ConsentSource.API, None, purpose)  # type: ignore[arg-type]
        text = "{{ member.first_name }}: {{ member.balance }} points"
        stored = StoredTemplate("campaign/2/A", "en", "news", text, None, patron.clock(), "t")
        uow.message_templates.put(stored)  # type: ignore[attr-defined]

    patron.run(prepare, ana)
    return ana


def _ask(patron: Patron, ana: int, channel: Channel, key: str) -> int:
    queued = patron.run(core.enqueue, Outgoing(ana, channel, "campaign/2/A", key, campaign_id=2))
    assert queued.refused is None and queued.message_id is not None
    return queued.message_id


def _worker(patron: Patron, senders: Senders) -> Worker:
    options = DeliveryOptions(
        base_url="https://loyalty.shop.example",
        policy=RetryPolicy(3, timedelta(minutes=1), timedelta(hours=1)),
    )
    messages = MessageDelivery(patron, senders, options)
    return Worker(patron, HttpSender(), WorkerOptions(), single=True, messages=messages)


def test_the_worker_sends_an_sms_and_a_push_through_the_provider(patron: Patron) -> None:
    ana = _setup(patron)
    with http_receiver() as sms, http_receiver() as push:
        sms_id = _ask(patron, ana, Channel.SMS, "sms:1")
        push_id = _ask(patron, ana, Channel.PUSH, "push:1")
        senders = Senders(
            NoMail(), HttpTextSender(sms.url, "s-tok"), HttpTextSender(push.url, None)
        )
        worker = _worker(patron, senders)
        worker.run(until_idle=True)
    # the example program's welcome bonus: 100 points
    assert sms.bodies == [{"to": PHONE, "text": "Ana: 100 points", "message_id": sms_id}]
    assert sms.headers[0]["authorization"] == "Bearer s-tok"
    assert push.bodies == [{"to": "c-ana", "text": "Ana: 100 points", "message_id": push_id}]
    assert "authorization" not in push.headers[0]
    assert patron.read(uc.message_status, sms_id) == ("sent", None)
    assert patron.read(uc.message_status, push_id) == ("sent", None)
    assert worker.messages is not None and worker.messages.counts.sent == 2


def test_a_channel_without_a_provider_defers_saying_so(patron: Patron) -> None:
    ana = _setup(patron)
    push_id = _ask(patron, ana, Channel.PUSH, "push:1")
    _worker(patron, Senders(NoMail())).run(until_idle=True)
    assert patron.read(uc.message_status, push_id) == ("deferred", None)
    row = patron.read(lambda uow: uow.messages.get(push_id))
    assert "no push provider is configured" in row["error"]


def test_a_permanent_refusal_bounces_and_suppresses_the_number(patron: Patron) -> None:
    ana = _setup(patron)
    with http_receiver() as sms:
        sms.statuses.append(400)
        sms_id = _ask(patron, ana, Channel.SMS, "sms:1")
        _worker(patron, Senders(NoMail(), HttpTextSender(sms.url, None))).run(until_idle=True)
    assert patron.read(uc.message_status, sms_id) == ("bounced", None)
    assert patron.read(core.suppressed, Channel.SMS, "+40712345678")
