"""Consents as recorded, read where a shop uses them, on SQLite and PostgreSQL: the
history is appended to and never rewritten, its latest record is the state; segment
lists, the member's data export and erasure all see the same state. Purchases awaiting a
member (services/unclaimed.py): recorded, linked once, their keys erased with the member.

The segment lists are tests/integration/test_segment_exports.py's small history (ann,
bob, cid): ann said yes then no then yes, bob said no, cid was never asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.consent import ConsentSource, ConsentState
from patron.domain.earning import Line
from patron.domain.errors import InvalidInput, OrderTaken
from patron.domain.unclaimed import CustomerKeys
from patron.services.commands import EraseMember, MemberRef, RecordPurchase, RecordUnclaimed
from patron.services.consents import consent_state, consent_states, record_consent
from patron.services.earn import record_purchase
from patron.services.export import export_member
from patron.services.privacy import erase_member
from patron.services.unclaimed import (
    Linked,
    Welcome,
    link_earlier_purchases,
    record_unclaimed,
    welcome,
)
from tests.conftest import Clock
from tests.integration.helpers import member
from tests.integration.test_segment_exports import CONTACTS, cli, small_history, store

__all__ = ["store"]  # the fixture, used by name


def _say(patron: Patron, member_id: int, granted: bool) -> bool:
    """The member's answer as a till records it (through the API: it counts at once; a
    yes in the portal awaits the proof of the address, tests/web/test_portal_join.py)."""
    return patron.run(
        lambda uow, yes: record_consent(uow, member_id, yes, ConsentSource.API), granted
    )


def _ids(patron: Patron, *external: str) -> list[int]:
    found = patron.read(lambda uow: uow.members.ids_by_external(external))
    return [found[x] for x in external]


def test_the_latest_answer_is_the_state_and_an_unchanged_one_adds_no_record(
    patron: Patron, clock: Clock
) -> None:
    # given
    ana = member(patron, "c-1")
    assert patron.read(consent_state, ana) is ConsentState.NOT_RECORDED
    # when: yes, yes again (no change), then no
    assert _say(patron, ana, True) is True
    clock.advance(hours=1)
    assert _say(patron, ana, True) is False
    clock.advance(hours=1)
    assert _say(patron, ana, False) is True
    # then
    history = patron.read(lambda uow: uow.consents.history(ana))
    assert [(c.granted, c.recorded_at) for c in history] == [
        (True, datetime(2026, 1, 1, 9)),
        (False, datetime(2026, 1, 1, 11)),
    ]
    assert patron.read(consent_state, ana) is ConsentState.DECLINED
    other = member(patron, "c-2")
    assert patron.read(consent_states, [ana, other]) == {
        ana: ConsentState.DECLINED,
        other: ConsentState.NOT_RECORDED,
    }


def test_a_segment_list_of_the_store_says_each_members_latest_answer(store: Patron) -> None:
    # given
    small_history(store)
    ann, bob = _ids(store, "ann", "bob")
    for answer in (True, False, True):
        _say(store, ann, answer)
    _say(store, bob, False)
    # when
    rows = cli("analytics", "rfm", "store", "--format", "csv").splitlines()
    # then
    assert rows[0].endswith(CONTACTS)
    assert [r.split(",")[0] + "," + r.split(",")[-1] for r in rows[1:]] == [
        "ann,granted",
        "bob,declined",
        "cid,not recorded",
    ]


def test_the_data_export_holds_the_state_and_every_record(patron: Patron, clock: Clock) -> None:
    ana = member(patron, "c-1", email="ana@shop.example")
    _say(patron, ana, True)
    clock.advance(days=2)
    _say(patron, ana, False)
    doc = patron.read(export_member, MemberRef(id=ana), lambda _: {})
    assert doc["format_version"] == 5
    assert doc["consents"] == {
        "marketing": "declined",
        "marketing_sms": "not recorded",
        "marketing_push": "not recorded",
        "history": [
            {"purpose": "marketing", "granted": True, "recorded_at": "2026-01-01T09:00:00Z",
             "source": "api"},
            {"purpose": "marketing", "granted": False, "recorded_at": "2026-01-03T09:00:00Z",
             "source": "api"},
        ],
    }  # fmt: skip


def _unclaimed(order_id: str, keys: CustomerKeys, at: datetime, **kw: object) -> RecordUnclaimed:
    line = Line("SKU-1", "books", 2, Decimal("12.50"))
    return RecordUnclaimed(keys, order_id, at, str(kw.get("currency", "EUR")), (line,))


def test_order_ids_are_unique_across_purchases_and_those_awaiting_a_member(
    patron: Patron,
) -> None:
    # given
    ana = member(patron, "c-1")
    at = datetime(2025, 12, 1)
    keys = CustomerKeys(email="ion@shop.example")
    patron.run(record_unclaimed, _unclaimed("T-1", keys, at))
    line = (Line("SKU-1", None, 1, Decimal("5")),)
    # when / then: a member's purchase cannot take an awaiting order id, nor the reverse
    with pytest.raises(OrderTaken):
        patron.run(record_purchase, RecordPurchase(MemberRef(id=ana), "T-1", at, "EUR", line))
    patron.run(record_purchase, RecordPurchase(MemberRef(id=ana), "T-2", at, "EUR", line))
    with pytest.raises(OrderTaken):
        patron.run(record_unclaimed, _unclaimed("T-2", keys, at))
    with pytest.raises(OrderTaken):
        patron.run(record_unclaimed, _unclaimed("T-1", keys, at))
    assert patron.read(lambda uow: uow.purchases.by_order_id("T-1")) is None


@pytest.mark.parametrize(
    ("keys", "currency", "ahead", "said"),
    [
        (CustomerKeys(), "EUR", False, "customer: give the customer's email, phone or card"),
        (CustomerKeys(card="AB12"), "USD", False, "currency USD differs from the program's EUR"),
        (CustomerKeys(card="AB12"), "EUR", True, "more than a day ahead"),
    ],
)
def test_a_refused_purchase_awaiting_a_member_writes_nothing(
    patron: Patron, keys: CustomerKeys, currency: str, ahead: bool, said: str
) -> None:
    at = patron.clock() + timedelta(days=2) if ahead else datetime(2025, 12, 1)
    with pytest.raises(InvalidInput, match=said):
        patron.run(record_unclaimed, _unclaimed("T-1", keys, at, currency=currency))
    assert patron.read(lambda uow: uow.unclaimed.by_order_id("T-1")) is None


def test_erasure_blanks_the_phone_card_and_the_keys_of_linked_purchases(patron: Patron) -> None:
    # given: Ana's purchase awaited her address; she joined, proved it, gave phone and card
    keys = CustomerKeys(email="ana@shop.example", phone="+40722123456")
    patron.run(record_unclaimed, _unclaimed("T-1", keys, datetime(2025, 12, 1)))
    ana = member(patron, "c-1", email="ana@shop.example")
    patron.run(lambda uow, card: uow.contacts.set(ana, phone="+40722123456", card=card), "AB12")
    linked = patron.run(link_earlier_purchases, ana)
    # 2 x 12.50 EUR of books: 25 points at 1 a euro, books x2 (examples/program.toml)
    assert (linked.purchases, linked.points) == (1, 50)
    # when
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "cli:test"))
    # then
    contact = patron.read(lambda uow: uow.contacts.get(ana))
    assert (contact.phone, contact.card) == (None, None)
    kept = patron.read(lambda uow: uow.unclaimed.by_order_id("T-1"))
    assert kept is not None and kept.keys == CustomerKeys() and kept.member_id == ana
    # linking again gives nothing twice
    assert patron.run(link_earlier_purchases, ana).purchases == 0


def test_erasure_blanks_the_members_keys_on_purchases_still_awaiting_a_member(
    patron: Patron,
) -> None:
    # given: Ana (phone +40722123456, card AB12); purchases a till kept under her phone
    # alone, her card and another address, and one under Ion's phone
    ana = member(patron, "c-1", email="ana@shop.example")
    patron.run(lambda uow, card: uow.contacts.set(ana, phone="+40722123456", card=card), "AB12")
    at = datetime(2025, 12, 1)
    patron.run(record_unclaimed, _unclaimed("P-1", CustomerKeys(phone="+40722123456"), at))
    both = CustomerKeys(email="ion@shop.example", card="AB12")
    patron.run(record_unclaimed, _unclaimed("P-2", both, at))
    patron.run(record_unclaimed, _unclaimed("P-3", CustomerKeys(phone="+40733000000"), at))
    # when
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "cli:test"))

    # then: her phone and card are gone from them; Ion's address and phone stay
    def keys(order: str) -> CustomerKeys | None:
        kept = patron.read(lambda uow: uow.unclaimed.by_order_id(order))
        return None if kept is None else kept.keys

    assert keys("P-1") == CustomerKeys()
    assert keys("P-2") == CustomerKeys(email="ion@shop.example")
    assert keys("P-3") == CustomerKeys(phone="+40733000000")


def test_the_welcome_says_what_the_latest_link_brought_and_only_the_invited_ones_bonus(
    patron: Patron, clock: Clock
) -> None:
    # given: Ana invites Maria (examples/program.toml: 100 welcome points, 200 a referral to
    # each, paid with Maria's first purchase of at least 20.00: here T-1, once linked)
    ana = member(patron, "c-1", email="ana@shop.example")
    code = patron.read(lambda uow: uow.members.get(ana)).referral_code  # type: ignore[union-attr]
    maria = member(patron, "c-2", email="maria@shop.example", referral_code=code)
    keys = CustomerKeys(email="maria@shop.example")
    # a first link brings T-1 (2 x 12.50 EUR of books: 25 x 2 = 50 points)
    patron.run(record_unclaimed, _unclaimed("T-1", keys, datetime(2025, 12, 1)))
    assert patron.run(link_earlier_purchases, maria) == Linked(1, 50)
    # a later link brings T-2 and T-3 (50 points each)
    clock.advance(hours=1)
    patron.run(record_unclaimed, _unclaimed("T-2", keys, datetime(2025, 12, 2)))
    patron.run(record_unclaimed, _unclaimed("T-3", keys, datetime(2025, 12, 3)))
    patron.run(link_earlier_purchases, maria)
    # then
    assert patron.read(welcome, maria) == Welcome(100, 200, Linked(2, 100))
    assert patron.read(welcome, ana) == Welcome(100, 0, Linked(0, 0))  # her 200 were earned
