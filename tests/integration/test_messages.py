"""The message core on SQLite and PostgreSQL (services/messages.py): every message asked
for is recorded, queued or refused with its reason; a key is one message; consent, the
suppression list and the frequency cap decide, for one message and for a batch alike."""

from __future__ import annotations

from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource
from patron.domain.messages import (
    Channel,
    Kind,
    Outgoing,
    Queued,
    Refusal,
    Status,
    SuppressionReason,
)
from patron.services import messages as core
from patron.services.commands import EraseMember, MemberRef
from patron.services.consents import record_consent
from patron.services.privacy import erase_member
from tests.conftest import EXAMPLE_PROGRAM, Clock, load_example
from tests.integration.helpers import member

CAPPED = EXAMPLE_PROGRAM.read_text() + "\n[messages]\nfrequency_cap = { messages = 2, days = 7 }\n"


def _yes(patron: Patron, member_id: int, purpose: str = "marketing") -> None:
    patron.run(
        lambda uow, m: record_consent(uow, m, True, ConsentSource.API, purpose=purpose), member_id
    )


def _ask(patron: Patron, *outgoings: Outgoing) -> list[Queued]:
    return patron.run(core.enqueue_many, list(outgoings))


def _mail(member_id: int, key: str, kind: Kind = Kind.MARKETING, campaign: int = 1) -> Outgoing:
    return Outgoing(member_id, Channel.EMAIL, "campaign/1/A", key, kind, campaign_id=campaign)


def _status(patron: Patron, message_id: int | None) -> tuple[str, str | None]:
    assert message_id is not None
    row = patron.read(lambda uow: uow.messages.get(message_id))
    assert row is not None
    return row["status"], row["refusal"]


def test_a_consenting_member_is_queued_once_per_key(patron: Patron) -> None:
    ana = member(patron, "c-1", email="ana@example.com")
    _yes(patron, ana)
    # when: the same message asked twice, then once more in a later transaction
    first, again = _ask(patron, _mail(ana, "k-1"), _mail(ana, "k-1"))
    (later,) = _ask(patron, _mail(ana, "k-1"))
    # then: one row, queued
    assert first.refused is None and not first.duplicate
    assert _status(patron, first.message_id) == ("queued", None)
    assert again.message_id == first.message_id
    assert later == Queued(first.message_id, duplicate=True)
    assert patron.read(core.counts, 1) == {"queued": 1}


def test_refusals_are_recorded_with_their_reason(patron: Patron) -> None:
    ana = member(patron, "c-1", email="ana@example.com")  # never asked: no consent
    bob = member(patron, "c-2")  # no e-mail address
    cid = member(patron, "c-3", email="cid@example.com")
    _yes(patron, cid, purpose="marketing_sms")  # a yes to SMS is no yes to e-mail
    got = _ask(patron, _mail(ana, "a"), _mail(bob, "b"), _mail(cid, "c"))
    assert [q.refused for q in got] == [Refusal.NO_CONSENT, Refusal.NO_ADDRESS, Refusal.NO_CONSENT]
    assert _status(patron, got[0].message_id) == ("refused", "no_consent")
    assert patron.read(core.counts, 1) == {
        "refused": 3,
        "refused:no_consent": 2,
        "refused:no_address": 1,
    }


def test_a_suppressed_address_gets_no_marketing_whatever_its_case(patron: Patron) -> None:
    ana = member(patron, "c-1", email="Ana@Example.com")
    _yes(patron, ana)
    added = patron.run(
        lambda uow, a: core.suppress(uow, Channel.EMAIL, a, SuppressionReason.MANUAL, "test"),
        " ANA@example.COM",
    )
    assert added is True
    (refused,) = _ask(patron, _mail(ana, "m-1"))
    (receipt,) = _ask(patron, _mail(ana, "t-1", Kind.TRANSACTIONAL))
    assert refused.refused is Refusal.SUPPRESSED
    assert receipt.refused is None  # a receipt is no marketing
    # when: taken off the list
    assert patron.run(lambda uow, a: core.unsuppress(uow, Channel.EMAIL, a), "ana@example.com")
    (queued,) = _ask(patron, _mail(ana, "m-2"))
    assert queued.refused is None


def test_the_frequency_cap_counts_the_batch_and_its_window(patron: Patron, clock: Clock) -> None:
    load_example(patron, CAPPED)
    ana = member(patron, "c-1", email="ana@example.com")
    _yes(patron, ana)
    # when: three marketing messages in one batch, with a receipt between them
    got = _ask(
        patron,
        _mail(ana, "1"),
        _mail(ana, "r", Kind.TRANSACTIONAL),
        _mail(ana, "2"),
        _mail(ana, "3"),
    )
    assert [q.refused for q in got] == [None, None, None, Refusal.CAPPED]
    # a day later the two still count; eight days later they have left the window
    clock.advance(days=1)
    assert _ask(patron, _mail(ana, "4"))[0].refused is Refusal.CAPPED
    clock.advance(days=7)
    assert _ask(patron, _mail(ana, "5"))[0].refused is None


def test_the_gate_is_asked_again_at_send_time(patron: Patron) -> None:
    ana = member(patron, "c-1", email="ana@example.com")
    _yes(patron, ana)
    (queued,) = _ask(patron, _mail(ana, "m-1"))
    assert queued.refused is None

    def now(uow, kind):  # type: ignore[no-untyped-def]
        return core.gate_now(uow, ana, Channel.EMAIL, kind)

    assert patron.read(now, Kind.MARKETING) is None
    # when: the address is suppressed after the message was queued, then taken off
    patron.run(
        lambda uow, a: core.suppress(uow, Channel.EMAIL, a, SuppressionReason.COMPLAINT, "t"),
        "ana@example.com",
    )
    assert patron.read(now, Kind.MARKETING) is Refusal.SUPPRESSED
    patron.run(lambda uow, a: core.unsuppress(uow, Channel.EMAIL, a), "ana@example.com")
    assert patron.read(now, Kind.MARKETING) is None
    # when: the member says no after the message was queued
    patron.run(lambda uow, m: record_consent(uow, m, False, ConsentSource.API), ana)
    assert patron.read(now, Kind.MARKETING) is Refusal.NO_CONSENT
    assert patron.read(now, Kind.TRANSACTIONAL) is None
    # when: erased, nothing reaches them
    patron.run(erase_member, EraseMember(MemberRef(id=ana), actor="test", reason="asked"))
    assert patron.read(now, Kind.TRANSACTIONAL) is Refusal.ERASED
    assert _ask(patron, _mail(ana, "m-2"))[0].refused is Refusal.ERASED


def test_sms_and_push_use_their_own_consent_and_address(patron: Patron) -> None:
    ana = member(patron, "c-1", phone="+40 721 000 111")
    _yes(patron, ana, purpose="marketing_sms")
    sms = Outgoing(ana, Channel.SMS, "campaign/1/A", "s-1", campaign_id=2)
    push = Outgoing(ana, Channel.PUSH, "campaign/1/A", "p-1", campaign_id=2)
    got = _ask(patron, sms, push)
    assert [q.refused for q in got] == [None, Refusal.NO_CONSENT]
    patron.run(
        lambda uow, a: core.suppress(uow, Channel.SMS, a, SuppressionReason.BOUNCE, "test"),
        "0040721000111",
    )
    assert patron.read(core.suppressed, Channel.SMS, "+40721000111") is True
    assert _ask(patron, Outgoing(ana, Channel.SMS, "t", "s-2"))[0].refused is Refusal.SUPPRESSED
    assert Status.QUEUED.value in patron.read(core.counts, 2)
