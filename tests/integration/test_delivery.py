"""The worker's delivery of queued messages (delivery.py, services/deliveries.py) over real
SMTP (aiosmtpd), on SQLite and PostgreSQL.

A marketing e-mail arrives with both parts, its CSS inlined, in the member's language,
from the marketing From, with RFC 8058's List-Unsubscribe and List-Unsubscribe-Post; a
transactional one carries neither. The one-click POST of that header stops the member's
next message: one queued before is refused at send time, one asked after at enqueue. A
suppressed address receives no marketing. A 4xx is deferred and retried, and failed
after the last attempt; a 5xx bounces and suppresses the address; a template that does
not render fails alone. A claim a crash left unanswered is sent again once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from patron.api.app import create_app
from patron.api.examples import EXPORT
from patron.bootstrap import Patron
from patron.delivery import DeliveryOptions, MessageDelivery, Senders
from patron.domain.consent import ConsentSource
from patron.domain.messages import Channel, Kind, Outgoing, SuppressionReason
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.mail import SmtpSender, SmtpServer
from patron.services import deliveries as uc
from patron.services import messages as core
from patron.services import surveys as uc_surveys
from patron.services.commands import EraseMember, MemberRef
from patron.services.consents import record_consent
from patron.services.export import export_member
from patron.services.privacy import erase_member
from patron.store.messages import StoredTemplate
from tests.conftest import Clock, load_example, make_patron
from tests.integration.helpers import member
from tests.support.smtp import Inbox, smtp_inbox

BASE = "https://loyalty.shop.example"
FROM = "Shop <no-reply@shop.example>"
MARKETING_FROM = "Shop news <news@shop.example>"
HTML = (
    "<html><head><style>h1.title { color: #1f5f8b }</style></head><body>"
    '<h1 class="title">{{ greeting }} {{ member.first_name }}</h1>'
    "<p>{{ member.balance }} / {{ reward.name }}</p>"
    '<a href="{{ unsubscribe_url }}">x</a></body></html>'
)
TEMPLATES = {
    "en": ("Your news, {{ member.first_name }}", "Hello {{ member.first_name }}"),
    "ro": ("Noutăți pentru {{ member.first_name }}", "Bună ziua {{ member.first_name }}"),
}


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_inbox() as found:
        yield found


def _delivery(patron: Patron, inbox: Inbox, attempts: int = 3) -> MessageDelivery:
    server = SmtpServer.parse(inbox.url)
    options = DeliveryOptions(
        base_url=BASE,
        marketing_from=MARKETING_FROM,
        policy=RetryPolicy(attempts, timedelta(minutes=1), timedelta(hours=1), jitter=0.5),
    )
    sender = SmtpSender(server, FROM, timeout=5, clock=patron.clock, keep=True)
    return MessageDelivery(patron, Senders(sender), options)


def _templates(patron: Patron) -> None:
    def put(uow: object, _: None) -> None:
        for locale, (subject, text) in TEMPLATES.items():
            stored = StoredTemplate(
                "campaign/1/A", locale, subject, text, HTML, patron.clock(), "t"
            )
            uow.message_templates.put(stored)  # type: ignore[attr-defined]

    patron.run(put, None)


def _subscriber(patron: Patron, external: str, email: str, locale: str | None = None) -> int:
    found = member(patron, external, email=email, name=f"{external.title()} Pop")
    patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), found)
    if locale:
        patron.run(lambda uow, m: uow.members.set_locale(m, locale), found)
    return found


def _ask(patron: Patron, member_id: int, key: str, **kw: object) -> int:
    outgoing = Outgoing(
        member_id,
        Channel.EMAIL,
        str(kw.pop("template", "campaign/1/A")),
        key,
        campaign_id=1,
        context=kw.pop("context", {"greeting": "Hi"}),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    queued = patron.run(core.enqueue, outgoing)
    assert queued.message_id is not None
    return queued.message_id


def _status(patron: Patron, message_id: int) -> tuple[str, str | None]:
    found = patron.read(uc.message_status, message_id)
    assert found is not None
    return found


def test_a_marketing_email_in_the_members_language_with_one_click_headers(
    patron: Patron, inbox: Inbox
) -> None:
    # given: Ana reads Romanian; the campaign's template in the store in en and ro
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com", locale="ro")
    message = _ask(patron, ana, "campaign:1:member:ana")
    # when
    assert _delivery(patron, inbox).step() == 1
    # then
    got = inbox.only().message
    assert got["Subject"] == "Noutăți pentru Ana"
    assert got["From"] == MARKETING_FROM and got["To"] == "ana@example.com"
    assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        rf"<({BASE}/u/u\.{ana}\.marketing\.{message}\.\d+\.[\w-]+)>", got["List-Unsubscribe"]
    )
    assert link is not None, got["List-Unsubscribe"]
    text = got.get_body(("plain",))
    html = got.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().strip() == "Bună ziua Ana"
    body = html.get_content()
    assert '<h1 class="title" style="color: #1f5f8b;">Hi Ana</h1>' in body  # the rule inlined
    assert "<style>" not in body and f'href="{link.group(1)}"' in body
    # the example program's welcome bonus, 100 points, affords no reward: the cheapest
    # one is recommended, the coffee at 150 (the tree 250, the gift wrap 200, ...)
    assert "<p>100 / Free coffee</p>" in body
    assert _status(patron, message) == ("sent", None)


def test_a_transactional_email_carries_no_marketing_header(patron: Patron, inbox: Inbox) -> None:
    ana = member(patron, "ana", email="ana@example.com")  # no consent at all
    message = _ask(
        patron,
        ana,
        "consent:confirm:ana",
        template="consent/confirm",
        kind=Kind.TRANSACTIONAL,
        context={"confirm_url": f"{BASE}/u/c.token"},
    )
    _delivery(patron, inbox).step()
    got = inbox.only().message
    assert got["From"] == FROM
    assert got["List-Unsubscribe"] is None and got["List-Unsubscribe-Post"] is None
    assert got["Subject"] == "Confirm that you want our news and offers"
    assert f"{BASE}/u/c.token" in got.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _status(patron, message) == ("sent", None)


def test_a_one_click_unsubscribe_stops_the_next_messages(patron: Patron, inbox: Inbox) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    _ask(patron, ana, "run:1")
    delivery = _delivery(patron, inbox)
    delivery.step()
    queued_before = _ask(patron, ana, "run:2")  # queued while the consent still holds
    # when: the mail program's one-click POST (no cookie, no form token)
    url = inbox.only().message["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    with TestClient(create_app(patron)) as client:
        answer = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    # then: the one asked after is refused at once, the one queued before at send time
    after = patron.run(core.enqueue, Outgoing(ana, Channel.EMAIL, "campaign/1/A", "run:3"))
    assert after.refused is not None and after.refused.value == "no_consent"
    delivery.step()
    assert _status(patron, queued_before) == ("refused", "no_consent")
    assert len(inbox.received) == 1
    assert patron.read(uc.unsubscribes, 1) == 1
    assert patron.read(uc.unsubscribes, 2) == 0


def test_a_suppressed_address_never_receives_marketing(patron: Patron, inbox: Inbox) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    queued = _ask(patron, ana, "run:1")
    # the address is suppressed after the message was queued (in another case)
    patron.run(
        lambda uow, _: core.suppress(
            uow, Channel.EMAIL, "ANA@example.com ", SuppressionReason.MANUAL, "test"
        ),
        None,
    )
    assert _delivery(patron, inbox).step() == 1
    assert _status(patron, queued) == ("refused", "suppressed")
    assert inbox.received == []


def test_a_4xx_is_deferred_and_retried_then_sent(
    patron: Patron, inbox: Inbox, clock: Clock
) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    message = _ask(patron, ana, "run:1")
    inbox.defer["ana@example.com"] = 1
    delivery = _delivery(patron, inbox)
    delivery.step()
    assert _status(patron, message) == ("deferred", None)
    assert delivery.step() == 0  # not before its time (at most a minute after)
    clock.advance(seconds=61)
    assert delivery.step() == 1
    assert _status(patron, message) == ("sent", None)
    assert len(inbox.received) == 1
    row = patron.read(lambda uow: uow.messages.get(message))
    assert (row["attempts"], row["address"], row["sent_at"]) == (2, "ana@example.com", clock.now)


def test_repeated_deferral_fails_after_the_last_attempt(
    patron: Patron, inbox: Inbox, clock: Clock
) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    message = _ask(patron, ana, "run:1")
    inbox.defer["ana@example.com"] = 10
    delivery = _delivery(patron, inbox, attempts=2)
    delivery.step()
    clock.advance(minutes=2)
    delivery.step()
    assert _status(patron, message) == ("failed", None)
    row = patron.read(lambda uow: uow.messages.get(message))
    assert "451" in row["error"]


def test_a_5xx_bounces_and_suppresses_the_address(patron: Patron, inbox: Inbox) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    message = _ask(patron, ana, "run:1")
    inbox.refuse.add("ana@example.com")
    _delivery(patron, inbox).step()
    assert _status(patron, message) == ("bounced", None)
    assert patron.read(core.suppressed, Channel.EMAIL, "ana@example.com")
    later = patron.run(core.enqueue, Outgoing(ana, Channel.EMAIL, "campaign/1/A", "run:2"))
    assert later.refused is not None and later.refused.value == "suppressed"


def test_a_template_that_does_not_render_fails_alone(patron: Patron, inbox: Inbox) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    broken = _ask(patron, ana, "run:1", template="campaign/404/A")
    fine = _ask(patron, ana, "run:2")
    assert _delivery(patron, inbox).step() == 2
    assert _status(patron, broken) == ("failed", None)
    assert _status(patron, fine) == ("sent", None)
    row = patron.read(lambda uow: uow.messages.get(broken))
    assert "no template 'campaign/404/A'" in row["error"]


def test_a_claim_left_by_a_crash_is_sent_once_after_reconcile(patron: Patron, inbox: Inbox) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    message = _ask(patron, ana, "run:1")
    # a worker claims the message (the record before the send), then dies
    claimed = patron.run(uc.claim_messages, uc.Claim(10, timedelta(minutes=10)))
    assert [c.message_id for c in claimed] == [message]
    delivery = _delivery(patron, inbox)
    assert delivery.step() == 0  # leased: nobody else takes it
    assert delivery.reconcile(single=True) == 1
    assert delivery.step() == 1
    assert delivery.step() == 0
    assert len(inbox.received) == 1 and _status(patron, message) == ("sent", None)


@pytest.mark.postgres
def test_two_workers_on_postgresql_claim_each_message_once(
    tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """SQLite takes one worker per store (a file lock); several claim at once on PostgreSQL."""
    from sqlalchemy import text

    patron = make_patron("postgres", tmp_path, clock, request)
    load_example(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    ids = [_ask(patron, ana, f"run:{n}") for n in range(4)]
    claim = uc.Claim(2, timedelta(minutes=10))
    # two workers' claim transactions open at once: the second skips the rows the first
    # holds instead of waiting for them (without SKIP LOCKED it would wait, then fail)
    with patron.uow() as first, patron.uow() as second:
        second.connection.execute(text("SET LOCAL lock_timeout = '2s'"))
        mine = uc.claim_messages(first, claim)
        theirs = uc.claim_messages(second, uc.Claim(10, timedelta(minutes=10)))
        first.commit()
        second.commit()
    patron.dispose()
    assert [c.message_id for c in mine] == ids[:2]
    assert [c.message_id for c in theirs] == ids[2:]


JOURNEYS = """
name = "Shop"
currency = "EUR"

[tiers]
[[tiers.levels]]
name = "Member"
threshold = 0
[[tiers.levels]]
name = "Silver"
threshold = 100

[journeys.welcome]
[journeys.tier_up]
[journeys.survey]
"""


def test_the_journeys_packaged_messages_render_and_arrive_with_absolute_links(
    patron: Patron, inbox: Inbox
) -> None:
    from patron.services.surveys import AddSurvey, add_survey
    from patron.services.webhooks import route_events
    from tests.conftest import use_program
    from tests.integration.helpers import buy

    # given the welcome, tier-up and survey journeys on, and a survey after purchases
    use_program(patron, JOURNEYS)
    question = {"en": "Would you recommend us?"}
    patron.run(add_survey, AddSurvey("after", "nps", question, "t", after_purchase=True))
    ana = _subscriber(patron, "ana", "ana@example.com")
    # when Ana joins and buys enough for Silver, and the worker routes and delivers
    buy(patron, ana, "o-1", ("A", None, 1, "120.00"))
    patron.run(route_events, 500)
    delivery = _delivery(patron, inbox)
    while delivery.step():
        pass
    # then three messages arrive, each rendered from its packaged template
    got = {r.message["Subject"]: r.message for r in inbox.received}
    assert delivery.counts.failed == 0 and len(got) == 3, list(got)
    bodies = [m.get_body(("plain",)).get_content() for m in got.values()]  # type: ignore[union-attr]
    survey = next(b for b in bodies if "/portal/survey/" in b)
    assert re.search(rf"{BASE}/portal/survey/\S+", survey), survey
    assert any("Silver" in b for b in bodies)
    assert all(f"{BASE}/u/" in b for b in bodies)  # every one marketing: its unsubscribe link


def test_one_batch_of_mixed_outcomes_each_recorded_over_one_connection_until_a_refusal(
    patron: Patron, inbox: Inbox
) -> None:
    """A batch is prepared together and its outcomes recorded together: each message
    still gets its own member's fields and its own outcome; the SMTP connection is kept
    from message to message, closed after the bounce, and opened again for the next."""
    _templates(patron)
    ids = {
        n: _subscriber(patron, n, f"{n}@example.com") for n in ("ana", "bob", "cid", "dan", "eve")
    }
    asked = {n: _ask(patron, ids[n], f"run:{n}") for n in ("ana", "bob", "cid", "eve")}
    asked["dan"] = _ask(patron, ids["dan"], "run:dan", template="campaign/404/A")
    patron.run(
        lambda uow, _: core.suppress(
            uow, Channel.EMAIL, "bob@example.com", SuppressionReason.MANUAL, "t"
        ),
        None,
    )
    inbox.refuse.add("cid@example.com")
    delivery = _delivery(patron, inbox)
    assert delivery.step() == 5
    assert {n: _status(patron, m)[0] for n, m in asked.items()} == {
        "ana": "sent", "bob": "refused", "cid": "bounced", "eve": "sent", "dan": "failed",
    }  # fmt: skip
    assert [r.message["Subject"] for r in inbox.received] == ["Your news, Ana", "Your news, Eve"]
    assert [r.rcpt_tos for r in inbox.received] == [["ana@example.com"], ["eve@example.com"]]
    for got, name in zip(inbox.received, ("ana", "eve"), strict=True):
        link = got.message["List-Unsubscribe"]
        assert f"/u/u.{ids[name]}.marketing.{asked[name]}." in link
    assert inbox.sessions == 2
    counts = delivery.counts
    assert (counts.sent, counts.refused, counts.bounced, counts.failed) == (2, 1, 1, 1)
    assert delivery.step() == 0  # idle: the kept connection is closed
    assert delivery.senders.mail._smtp is None  # type: ignore[attr-defined]


def test_a_claim_takes_run_out_leases_then_deferred_then_queued_soonest_due_first(
    patron: Patron, clock: Clock
) -> None:
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    now = clock()
    later = _ask(patron, ana, "q:later", not_before=now - timedelta(minutes=1))
    sooner = _ask(patron, ana, "q:sooner", not_before=now - timedelta(minutes=5))
    same = _ask(patron, ana, "q:same", not_before=now - timedelta(minutes=5))
    future = _ask(patron, ana, "q:future", not_before=now + timedelta(minutes=5))
    leased = patron.run(uc.claim_messages, uc.Claim(1, timedelta(seconds=30)))
    assert [c.message_id for c in leased] == [sooner]  # the soonest due, then by id
    clock.advance(minutes=1)  # its lease has run out
    claimed = patron.run(uc.claim_messages, uc.Claim(3, timedelta(minutes=10)))
    assert [c.message_id for c in claimed] == [sooner, same, later]
    assert future not in [c.message_id for c in claimed]


def test_the_export_holds_the_messages_and_survey_answers_and_erasure_blanks_them(
    patron: Patron, inbox: Inbox
) -> None:
    # given: Ana was sent one message, has one waiting, and answered a survey in words
    _templates(patron)
    ana = _subscriber(patron, "ana", "ana@example.com")
    sent = _ask(patron, ana, "run:1")
    assert _delivery(patron, inbox).step() == 1
    waiting = _ask(patron, ana, "run:2")
    survey = patron.run(uc_surveys.add_survey, uc_surveys.AddSurvey("nps", "nps", {"en": "?"}, "t"))
    token = patron.run(lambda uow, _: uc_surveys.invite(uow, survey.id, ana, None), None).token
    patron.run(uc_surveys.respond, uc_surveys.Respond(token, 9, "Quick and friendly"))

    def exported() -> dict[str, Any]:
        return patron.read(export_member, MemberRef(id=ana), lambda _: {})

    # when she asks for her data: both messages, where the sent one went, and her words
    doc = exported()
    assert doc["format_version"] == 5
    # the API's documented example has the same shape (api/examples.py)
    assert (doc.keys(), doc["member"].keys()) == (EXPORT.keys(), EXPORT["member"].keys())
    assert doc["consents"].keys() == EXPORT["consents"].keys()
    assert doc["messages"][0].keys() == EXPORT["messages"][0].keys()
    assert doc["survey_answers"][0].keys() == EXPORT["survey_answers"][0].keys()
    assert EXPORT["format_version"] == 5
    messages = [(m["id"], m["template"], m["status"], m["address"]) for m in doc["messages"]]
    assert messages == [
        (sent, "campaign/1/A", "sent", "ana@example.com"),
        (waiting, "campaign/1/A", "queued", None),
    ]
    assert doc["messages"][0]["sent_at"] is not None
    answers = [(a["survey"], a["score"], a["comment"]) for a in doc["survey_answers"]]
    assert answers == [("nps", 9, "Quick and friendly")]
    states = {k: v for k, v in doc["consents"].items() if k != "history"}
    assert states == {
        "marketing": "granted",
        "marketing_sms": "not recorded",
        "marketing_push": "not recorded",
    }
    # when she is erased
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "ticket 1", "tests"))
    # then the address is gone, the waiting message is refused and never sent, her words
    # are blanked and her score stays (it is in the survey's results)
    doc = exported()
    assert [(m["status"], m["refusal"], m["address"]) for m in doc["messages"]] == [
        ("sent", None, None),
        ("refused", "erased", None),
    ]
    assert [(a["score"], a["comment"]) for a in doc["survey_answers"]] == [(9, None)]
    assert _delivery(patron, inbox).step() == 0
    assert len(inbox.received) == 1
    audit = patron.read(lambda uow: uow.audit.for_member(ana))
    [erased] = [a for a in audit if a.action == "member.erased"]
    assert erased.details["message_addresses"] == 1
