"""Use-case rules that mutation testing found unguarded (docs/testing.md, "killed (tests
added this session)"), on SQLite and PostgreSQL: boundaries met exactly, the invoice
dates of a purchase, a purchase recorded without points, what the ledger entries, the
answers and the stored rows name, the counts of a tier re-evaluation, adjustments of one
point and of the whole balance, redemptions of 0 and 1 point and at a basket's cap, the
expiry warnings of a 0- and a 1-day notice, two expiry runs that overlap.

The example program (examples/program.toml) is loaded unless a test loads its own: 1 point
per EUR, books x2, Bronze 0 / Silver 500 (x1.25) / Gold 1500 EUR over 12 months, welcome
100, 14 days pending, lots expire 24 months after they were earned, warnings 30 days
before; redemptions from 100 points at 0.01 EUR, at most half a basket; the clock starts
on 2026-01-01 09:00 UTC.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import MemberErased, NotFound
from patron.services.adjust import adjust
from patron.services.commands import (
    Adjust,
    EraseMember,
    MemberRef,
    RecordPurchase,
    Redeem,
    Refund,
)
from patron.services.earn import record_purchase
from patron.services.export import export_member
from patron.services.members import find_member
from patron.services.privacy import erase_member
from patron.services.queries import balance
from patron.services.redeem import quote, redeem
from patron.services.refund import refund
from tests.conftest import EXAMPLE_PROGRAM, Clock
from tests.integration.helpers import balance_of, buy, is_recorded, member, record

pytestmark = pytest.mark.usefixtures("verified")

def example_with(old: str, new: str) -> str:
    text = EXAMPLE_PROGRAM.read_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- recording a purchase ---------------------------------------------------------------


# --- the member a use case names --------------------------------------------------------


def test_an_unknown_member_is_refused_naming_the_reference_given(patron: Patron) -> None:
    line = (Line("A", None, 1, Decimal("1.00")),)
    for ref, named in [
        (MemberRef(id=999), r"^no member with id 999$"),
        (MemberRef(external_id="nobody"), r"^no member with external_id 'nobody'$"),
    ]:
        with pytest.raises(NotFound, match=named):
            patron.run(record_purchase, RecordPurchase(ref, "o-1", patron.clock(), "EUR", line))


def test_reads_refuse_an_unknown_member_in_the_words_of_the_writes(patron: Patron) -> None:
    # given a store whose only member is 1 (ids start at 1)
    member(patron)
    # when a member view, a balance, an export and a quote name members that do not exist
    # then each is refused naming the reference, as record_purchase refuses it above
    refused = [
        (lambda: patron.read(find_member, MemberRef(external_id="nobody")), "external_id 'nobody'"),
        (lambda: patron.read(find_member, MemberRef.named("nobody")), "external_id 'nobody'"),
        (lambda: patron.read(find_member, MemberRef.named("7", "external_id")), "external_id '7'"),
        (lambda: patron.read(find_member, MemberRef.named("x", "id")), "id 0"),
        (lambda: patron.read(balance, 999), "id 999"),
        (lambda: patron.read(export_member, MemberRef(id=999), lambda _: {}), "id 999"),
        (lambda: patron.read(quote, Redeem(999, points=100)), "id 999"),
    ]
    for attempt, named in refused:
        with pytest.raises(NotFound, match=f"^no member with {named}$"):
            attempt()


# --- what the ledger entries of a spend name --------------------------------------------


def test_each_debit_entry_names_its_refund_redemption_or_adjustment(
    patron: Patron, clock: Clock
) -> None:
    # given 100 welcome points and 200 earned on o-1, spendable after 15 days
    mid = member(patron)
    o1 = buy(patron, mid, "o-1", ("A", None, 1, "200.00"))
    clock.advance(days=15)
    # when 30 points are corrected away, 100 redeemed and o-1 returned
    patron.run(adjust, Adjust(mid, -30, "damaged card", "alice"))
    spent = patron.run(redeem, Redeem(mid, points=100))
    back = patron.run(refund, Refund(o1.purchase_id, reason="broken"))
    # then (newest first) the refund's entry names the purchase, the refund and why; the
    # redemption's names the redemption; the correction's names who and why
    with patron.uow(readonly=True) as uow:
        entries = uow.ledger.entries(mid, 3, None)
    assert [
        (e.kind, e.purchase_id, e.refund_id, e.redemption_id, e.actor, e.reason) for e in entries
    ] == [
        ("refund", o1.purchase_id, back.refund_id, None, None, "broken"),
        ("redeem", None, None, spent.redemption_id, None, None),
        ("adjust", None, None, None, "alice", "damaged card"),
    ]


# --- the tier re-evaluation -------------------------------------------------------------


# --- adjustments ------------------------------------------------------------------------


# --- redemptions ------------------------------------------------------------------------


# --- expiry -----------------------------------------------------------------------------


# --- what mutation testing found unguarded since (docs/testing.md) ----------------------


def test_an_erased_member_is_refused_earning_a_quote_and_a_redemption_naming_the_action(
    patron: Patron,
) -> None:
    # given a member erased on the clock's day, 2026-01-01, who still holds 100 points
    mid = member(patron)
    patron.run(erase_member, EraseMember(MemberRef(id=mid), "asked to be forgotten", "alice"))
    erased = rf"^member {mid} was erased on 2026-01-01: they can no longer "
    # then a purchase, a quote and a redemption are each refused, naming what was refused
    with pytest.raises(MemberErased, match=erased + "earn points$"):
        record(patron, mid, "o-1")
    with pytest.raises(MemberErased, match=erased + "redeem points$"):
        patron.read(quote, Redeem(mid, points=100))
    with pytest.raises(MemberErased, match=erased + "redeem points$"):
        patron.run(redeem, Redeem(mid, points=100))
    # and nothing changed
    assert not is_recorded(patron, "o-1")
    assert balance_of(patron, mid) == 100


