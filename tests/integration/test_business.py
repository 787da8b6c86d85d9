"""Business customers on both stores (services/business.py): a business's buyers earn into
its one balance and tier, a removed buyer finds nothing, a VAT number of the wrong shape
is refused, and the entitlements of its tier count down, refuse a use too many (also
under concurrent uses on PostgreSQL) and start again with the next period.

The program below is the test's own: Bronze from 0 (x1), Gold from 1000 EUR spent (x2);
Gold gives 2 visits a quarter and an unlimited hotline. The clock starts on 2026-01-01.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.domain.audit import AuditAction, AuditQuery
from patron.domain.earning import Line
from patron.domain.errors import (
    BuyerTaken,
    EntitlementExhausted,
    InvalidInput,
    NotFound,
    PatronError,
    VatNumberInvalid,
)
from patron.services.business import (
    AddBuyer,
    CreateBusiness,
    RemoveBuyer,
    add_buyer,
    business_view,
    create_business,
    remove_buyer,
)
from patron.services.cards import Lookup, find_members
from patron.services.commands import BuyerRef, EraseMember, MemberRef, RecordPurchase
from patron.services.earn import Recorded, record_purchase
from patron.services.entitlements import UseEntitlement, use_entitlement
from patron.services.privacy import erase_member
from tests.conftest import Clock, make_patron, use_program
from tests.integration.helpers import (
    assert_verified,
    at_once,
    balance_of,
    is_recorded,
    member,
    outcome,
)

PROGRAM = """
name = "B2B"
currency = "EUR"

[earning]
points_per_unit = 1

[tiers]
basis = "spend"
window_months = 12

  [[tiers.levels]]
  name = "Bronze"
  threshold = 0

  [[tiers.levels]]
  name = "Gold"
  threshold = 1000
  multiplier = 2
  entitlements = [
    { id = "visits", name = "Account manager's visits", quantity = 2, per = "quarter" },
    { id = "hotline", name = "Priority hotline" },
  ]
"""
ACTOR = "cli:maria"


def _business(patron: Patron, external_id: str = "B-7") -> int:
    use_program(patron, PROGRAM)
    mid = member(patron, external_id)
    patron.run(
        create_business,
        CreateBusiness(MemberRef(id=mid), "Libraria Centrala SRL", "RO18547290", ACTOR),
    )
    return mid


def _buyer(patron: Patron, mid: int, name: str, **keys: str) -> int:
    return patron.run(add_buyer, AddBuyer(MemberRef(id=mid), name, ACTOR, **keys)).id


def _buy(patron: Patron, buyer: BuyerRef, order_id: str, amount: str) -> Recorded:
    line = Line("BOOK", None, 1, Decimal(amount))
    command = RecordPurchase(MemberRef(), order_id, patron.clock(), "EUR", (line,), buyer=buyer)
    return patron.run(record_purchase, command)


def _use(patron: Patron, mid: int, entitlement: str, note: str | None = None) -> int | None:
    command = UseEntitlement(MemberRef(id=mid), entitlement, ACTOR, note)
    return patron.run(use_entitlement, command).entitlement.left


def test_two_buyers_of_a_business_earn_into_one_balance_and_one_tier(patron: Patron) -> None:
    # given a business with two buyers, one known by e-mail, one by phone
    biz = _business(patron)
    radu = _buyer(patron, biz, "Radu Ionescu", email="Radu@LibrariaCentrala.ro")
    ioana = _buyer(patron, biz, "Ioana Pop", phone="+40 722 555 010")
    # when Radu buys 600, Ioana 500 (1100 in all: Gold from 1000), then Radu 100
    first = _buy(patron, BuyerRef(email="radu@librariacentrala.ro"), "T-1", "600.00")
    second = _buy(patron, BuyerRef(phone="+40722555010"), "T-2", "500.00")
    third = _buy(patron, BuyerRef(id=radu), "T-3", "100.00")
    # then each purchase is the business's: 600 and 500 at Bronze (the purchase that
    # upgrades is scored at the old tier), 100 at Gold's x2 = 200; 1300 points in one balance
    assert [r.member_id for r in (first, second, third)] == [biz, biz, biz]
    assert [r.points_earned for r in (first, second, third)] == [600, 500, 200]
    assert [r.tier for r in (first, second, third)] == ["Bronze", "Gold", "Gold"]
    assert balance_of(patron, biz) == 1300
    view = patron.read(business_view, biz)
    assert (view.member.tier, view.member.purchase_count) == ("Gold", 3)
    assert view.member.lifetime_spend == Decimal("1200.00")
    assert [(b.buyer.id, b.purchases) for b in view.buyers] == [(radu, 2), (ioana, 1)]
    buyers_of = patron.read(
        lambda uow: [uow.businesses.buyer_of(r.purchase_id) for r in (first, second, third)]
    )
    assert buyers_of == [radu, ioana, radu]
    # and the till finds the business through either buyer (e-mail in any case, phone as typed)
    found = [m.id for m in patron.read(find_members, Lookup(buyer="RADU@librariacentrala.ro"))]
    assert found == [biz]
    assert [m.id for m in patron.read(find_members, Lookup(buyer="+40 722-555-010"))] == [biz]
    assert_verified(patron)


def test_a_removed_buyer_no_longer_finds_the_business_and_past_purchases_keep_them(
    patron: Patron,
) -> None:
    biz = _business(patron)
    radu = _buyer(patron, biz, "Radu Ionescu", email="radu@librariacentrala.ro")
    past = _buy(patron, BuyerRef(email="radu@librariacentrala.ro"), "T-1", "50.00")
    # when he is removed
    removed = patron.run(remove_buyer, RemoveBuyer(MemberRef(id=biz), radu, ACTOR, "left"))
    assert removed.removed_at == patron.clock()
    # then his e-mail finds nothing, a purchase naming him is refused and not recorded
    with pytest.raises(NotFound, match="no buyer of a business has this e-mail address"):
        patron.read(find_members, Lookup(buyer="radu@librariacentrala.ro"))
    with pytest.raises(NotFound):
        _buy(patron, BuyerRef(email="radu@librariacentrala.ro"), "T-2", "50.00")
    with pytest.raises(NotFound):
        _buy(patron, BuyerRef(id=radu), "T-3", "50.00")
    assert not is_recorded(patron, "T-2") and not is_recorded(patron, "T-3")
    # his past purchase is still the business's and still his
    assert patron.read(lambda uow: uow.businesses.buyer_of(past.purchase_id)) == radu
    assert balance_of(patron, biz) == 50
    # removing him again is refused; his address may now be another buyer's
    with pytest.raises(PatronError, match="removed already"):
        patron.run(remove_buyer, RemoveBuyer(MemberRef(id=biz), radu, ACTOR))
    again = _buyer(patron, biz, "Radu Ionescu", email="radu@librariacentrala.ro")
    assert again != radu


def test_an_address_held_by_an_active_buyer_is_refused_for_another(patron: Patron) -> None:
    biz = _business(patron)
    radu = _buyer(patron, biz, "Radu", email="radu@librariacentrala.ro")
    other = member(patron, "B-8")
    patron.run(create_business, CreateBusiness(MemberRef(id=other), "Alt SRL", "RO1234567", ACTOR))
    with pytest.raises(BuyerTaken) as refused:
        _buyer(patron, other, "Radu", email="RADU@librariacentrala.ro", phone="+40700000001")
    assert refused.value.facts == {"buyer_id": radu}
    assert patron.read(lambda uow: uow.businesses.buyers(other)) == []
    with pytest.raises(InvalidInput, match="email, phone or card"):
        _buyer(patron, other, "Nobody")


@pytest.mark.parametrize("vat", ["RO 1", "18547290", "R018547290", "RO12345678901234", "RO12?45"])
def test_a_vat_number_of_the_wrong_shape_is_refused_and_nothing_is_written(
    patron: Patron, vat: str
) -> None:
    use_program(patron, PROGRAM)
    mid = member(patron, "B-7")
    with pytest.raises(VatNumberInvalid, match="starts with the country's two letters"):
        patron.run(create_business, CreateBusiness(MemberRef(id=mid), "X SRL", vat, ACTOR))
    assert patron.read(lambda uow: uow.businesses.get(mid)) is None


def test_a_vat_number_is_kept_without_separators_in_upper_case(patron: Patron) -> None:
    use_program(patron, PROGRAM)
    mid = member(patron, "B-7")
    done = patron.run(
        create_business, CreateBusiness(MemberRef(id=mid), " X SRL ", "ro 185-472.90", ACTOR)
    )
    assert (done.company_name, done.vat_number) == ("X SRL", "RO18547290")


def _to_gold(patron: Patron, biz: int) -> None:
    _buyer(patron, biz, "Radu", email="radu@librariacentrala.ro")
    _buy(patron, BuyerRef(email="radu@librariacentrala.ro"), "T-GOLD", "1000.00")


def test_entitlement_uses_count_down_are_refused_when_none_is_left_and_come_back(
    patron: Patron, clock: Clock
) -> None:
    biz = _business(patron)
    # at Bronze the business has no visits at all
    with pytest.raises(InvalidInput, match="the tier 'Bronze' has no entitlement 'visits'"):
        _use(patron, biz, "visits")
    _to_gold(patron, biz)
    # two visits this quarter: 1 left, then 0, then refused with nothing written
    assert _use(patron, biz, "visits", "catalog presented") == 1
    clock.now = datetime(2026, 3, 31, 23, 59)
    assert _use(patron, biz, "visits") == 0
    with pytest.raises(EntitlementExhausted) as refused:
        _use(patron, biz, "visits")
    assert refused.value.facts == {"quantity": 2, "used": 2, "next_period": "2026-04-01"}
    view = patron.read(business_view, biz)
    visits = {e.id: (e.used, e.left) for e in view.entitlements}
    assert visits == {"visits": (2, 0), "hotline": (0, None)}
    assert [(u.entitlement, u.actor, u.note) for u in view.uses] == [
        ("visits", ACTOR, None),
        ("visits", ACTOR, "catalog presented"),
    ]
    audit = patron.read(
        lambda uow: uow.audit.search(AuditQuery(action=AuditAction.ENTITLEMENT_USED))
    )
    assert len(audit) == 2
    # the hotline is unlimited
    assert [_use(patron, biz, "hotline") for _ in range(3)] == [None, None, None]
    # a new quarter: two visits again
    clock.now = datetime(2026, 4, 1, 0, 0)
    assert _use(patron, biz, "visits") == 1
    left = {e.id: (e.used, e.left) for e in patron.read(business_view, biz).entitlements}
    assert left == {"visits": (1, 1), "hotline": (0, None)}


def test_a_member_that_is_not_a_business_has_no_buyers(patron: Patron) -> None:
    use_program(patron, PROGRAM)
    mid = member(patron, "C-1")
    with pytest.raises(NotFound, match="is not a business"):
        _buyer(patron, mid, "Radu", email="radu@x.example")


@pytest.mark.postgres
def test_concurrent_uses_never_exceed_the_quantity(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Ten staff record a visit at the same moment, each on its own PostgreSQL connection:
    exactly two are recorded, eight refused."""
    pg = make_patron("postgres", tmp_path, Clock(), request, pool_size=12)
    try:
        biz = _business(pg)
        _to_gold(pg, biz)
        results = at_once(10, lambda i: _use(pg, biz, "visits", f"staff {i}"))
        codes = Counter(outcome(r) for r in results)
        assert codes == {"ok": 2, "entitlement_exhausted": 8}
        assert sorted(r for r in results if not isinstance(r, PatronError)) == [0, 1]
        assert len(pg.read(lambda uow: uow.businesses.uses(biz))) == 2
    finally:
        pg.dispose()


def test_erasing_a_business_blanks_its_buyers_and_keeps_its_purchases_theirs(
    patron: Patron,
) -> None:
    biz = _business(patron)
    radu = _buyer(
        patron, biz, "Radu Ionescu", email="radu@librariacentrala.ro", phone="+40722555010"
    )
    bought = _buy(patron, BuyerRef(id=radu), "T-1", "50.00")
    patron.run(erase_member, EraseMember(MemberRef(id=biz), "ticket 7", ACTOR))
    buyer = patron.read(lambda uow: uow.businesses.buyer(radu))
    assert buyer is not None
    assert (buyer.name, buyer.email, buyer.phone, buyer.card) == ("", None, None, None)
    assert buyer.removed_at == patron.clock()
    assert patron.read(lambda uow: uow.businesses.buyer_of(bought.purchase_id)) == radu
    with pytest.raises(NotFound):
        patron.read(find_members, Lookup(buyer="+40722555010"))


def test_the_business_export_holds_its_buyers_its_uses_and_its_birthday(
    patron: Patron, clock: Clock
) -> None:
    """GDPR Articles 15 and 20: what issue 15 keeps about a member is in their export
    (format 4), a removed buyer's data included while it is held."""
    from patron.domain.birthdays import Birthday
    from patron.services.birthdays import SetBirthday, set_birthday
    from patron.services.export import export_member

    biz = _business(patron)
    radu = _buyer(patron, biz, "Radu Ionescu", email="radu@librariacentrala.ro")
    _buyer(patron, biz, "Ioana Pop", phone="+40 722 555 010")
    patron.run(remove_buyer, RemoveBuyer(MemberRef(id=biz), radu, ACTOR, "left"))
    _buy(patron, BuyerRef(phone="+40722555010"), "T-1", "1000.00")  # Gold: visits
    _use(patron, biz, "visits", "catalog shown")
    patron.run(set_birthday, SetBirthday(biz, Birthday(3, 14), ACTOR))
    doc = patron.read(export_member, MemberRef(id=biz), lambda _: {})
    assert doc["format_version"] == 5
    assert doc["birthday"] == "--03-14"
    business = doc["business"]
    assert (business["company_name"], business["vat_number"]) == (
        "Libraria Centrala SRL",
        "RO18547290",
    )
    assert [
        (b["name"], b["email"], b["phone"], b["removed_at"] is None) for b in business["buyers"]
    ] == [
        ("Radu Ionescu", "radu@librariacentrala.ro", None, False),
        ("Ioana Pop", None, "+40722555010", True),
    ]
    assert [(u["entitlement"], u["note"]) for u in business["entitlement_uses"]] == [
        ("visits", "catalog shown")
    ]
    assert (doc["clubs"], doc["rsvps"]) == ({"now": [], "history": []}, [])
