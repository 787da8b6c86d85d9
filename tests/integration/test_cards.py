"""Loyalty cards on both stores (services/cards.py): batches, links, blocks, replacements
and finding a member at the till; examples/program.toml prints cards of 16 digits that
start with 2900."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from patron.bootstrap import Patron
from patron.domain.audit import AuditAction, AuditQuery
from patron.domain.cards import CardBlocked, CardMistyped, CardStatus, CardTaken, luhn_valid
from patron.domain.errors import InvalidInput, NotFound
from patron.services.adjust import adjust
from patron.services.cards import (
    BlockCard,
    IssueCards,
    LinkCard,
    Lookup,
    ReplaceCard,
    block_card,
    find_members,
    issue_cards,
    link_card,
    replace_card,
)
from patron.services.commands import Adjust, MemberRef
from tests.conftest import Clock, load_example, make_patron
from tests.integration.helpers import balance_of, member


def _batch(patron: Patron, count: int) -> list[str]:
    return patron.run(issue_cards, IssueCards(count, "cli:alice")).numbers


def _link(patron: Patron, number: str, member_id: int) -> None:
    patron.run(link_card, LinkCard(number, MemberRef(id=member_id), "apikey:till-1"))


def _found(patron: Patron, **key: str) -> list[int]:
    return [m.id for m in patron.read(find_members, Lookup(**key))]


def test_a_batch_holds_unique_random_luhn_valid_numbers_linked_to_nobody(patron: Patron) -> None:
    numbers = _batch(patron, 300)
    more = _batch(patron, 300)
    every = numbers + more
    assert len(set(every)) == 600
    assert all(len(n) == 16 and n.startswith("2900") and luhn_valid(n) for n in every)
    # not sequential: the bodies (digits 5 to 15) of numbers next to each other in the
    # sorted batch differ by far more than a counter's step
    bodies = sorted(int(n[4:15]) for n in numbers)
    steps = [b - a for a, b in zip(bodies, bodies[1:], strict=False)]
    assert sum(s == 1 for s in steps) == 0
    cards = patron.read(lambda uow: uow.cards.batch(uow.cards.get(numbers[0]).batch))  # type: ignore[union-attr]
    assert {c.status for c in cards} == {CardStatus.ISSUED} and len(cards) == 300
    assert {c.member_id for c in cards} == {None}
    audit = patron.read(lambda uow: uow.audit.search(AuditQuery(action=AuditAction.CARDS_ISSUED)))
    assert [(e.actor, e.details["count"]) for e in audit] == [("cli:alice", 300)] * 2


def test_a_blocked_card_finds_nobody_and_its_replacement_finds_the_member_points_intact(
    patron: Patron,
) -> None:
    # given: Ana holds a printed card and 600 points (100 welcome + 500 adjusted)
    old, new = _batch(patron, 2)
    ana = member(patron, "ana", email="ana@shop.example")
    patron.run(adjust, Adjust(ana, 500, "setup", "tests"))
    _link(patron, old, ana)
    assert _found(patron, card=old) == [ana]
    tier = patron.read(lambda uow: uow.members.get(ana)).tier  # type: ignore[union-attr]
    # when: she lost it; the shop hands her the next printed card in its place
    done = patron.run(replace_card, ReplaceCard(old, "apikey:till-1", new))
    # then
    assert (done.blocked.status, done.blocked.replaced_by) == (CardStatus.BLOCKED, new)
    assert (done.card.number, done.card.member_id) == (new, ana)
    with pytest.raises(CardBlocked):
        _found(patron, card=old)
    assert _found(patron, card=new) == [ana]
    assert balance_of(patron, ana) == 600
    assert patron.read(lambda uow: uow.members.get(ana)).tier == tier  # type: ignore[union-attr]
    # the blocked card cannot be linked to anybody again
    ion = member(patron, "ion")
    with pytest.raises(CardBlocked):
        _link(patron, old, ion)


def test_blocking_then_replacing_with_a_digital_card(patron: Patron) -> None:
    (card,) = _batch(patron, 1)
    ana = member(patron, "ana")
    _link(patron, card, ana)
    patron.run(block_card, BlockCard(card, "apikey:till-1", "lost"))
    with pytest.raises(CardBlocked):
        patron.run(block_card, BlockCard(card, "apikey:till-1"))
    done = patron.run(replace_card, ReplaceCard(card, "portal"))
    assert done.blocked.replaced_by == done.card.number and luhn_valid(done.card.number)
    assert _found(patron, card=done.card.number) == [ana]
    with pytest.raises(CardBlocked, match="replaced by"):
        patron.run(replace_card, ReplaceCard(card, "portal"))
    actions = [
        e.action for e in patron.read(lambda uow: uow.audit.search(AuditQuery(member_id=ana)))
    ]
    assert actions == ["card.linked", "card.blocked", "card.replaced"]


def test_a_mistyped_number_is_refused_and_looks_nobody_up(patron: Patron) -> None:
    (card,) = _batch(patron, 1)
    ana = member(patron, "ana")
    _link(patron, card, ana)
    typo = card[:-1] + str((int(card[-1]) + 1) % 10)
    with pytest.raises(CardMistyped, match="check digit"):
        _found(patron, card=typo)
    with pytest.raises(CardMistyped):
        _link(patron, typo, ana)
    # spaces and dashes as printed are fine
    spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    assert _found(patron, card=spaced) == [ana]


def test_a_card_of_another_member_is_refused_and_nothing_changes(patron: Patron) -> None:
    (card,) = _batch(patron, 1)
    ana, ion = member(patron, "ana"), member(patron, "ion")
    _link(patron, card, ana)
    _link(patron, card, ana)  # again, to her: nothing changes, no second audit entry
    with pytest.raises(CardTaken):
        _link(patron, card, ion)
    assert _found(patron, card=card) == [ana]
    assert patron.read(lambda uow: uow.cards.of_member(ion)) == []
    linked = patron.read(lambda uow: uow.audit.search(AuditQuery(action=AuditAction.CARD_LINKED)))
    assert [e.member_id for e in linked] == [ana]


def test_program_numbers_never_issued_are_refused_other_numbers_are_external_cards(
    patron: Patron,
) -> None:
    ana = member(patron, "ana")
    with pytest.raises(NotFound, match="never issued"):
        _link(patron, "2900000000000015", ana)  # Luhn-valid (5+2+9+4 = 20), never issued
    _link(patron, "ab-1234", ana)  # a card she had before the program printed any
    assert _found(patron, card="AB1234") == [ana]


def test_finding_a_member_by_phone_and_e_mail_as_typed(patron: Patron) -> None:
    ana = member(patron, "ana", email="ana@shop.example")
    ion = member(patron, "ion", email="ion@shop.example")
    patron.run(lambda uow, _: uow.contacts.set_phone(ana, "+40722123456"), None)
    patron.run(lambda uow, _: uow.contacts.set_phone(ion, "+40722123456"), None)
    assert _found(patron, email="  ANA@Shop.Example ") == [ana]
    # one phone, two members (a couple): both, the newest enrolled first
    assert _found(patron, phone="+40 (722) 123-456") == [ion, ana]
    with pytest.raises(NotFound):
        _found(patron, phone="+40 733 000 000")
    with pytest.raises(InvalidInput, match="phone"):
        _found(patron, phone="call me")
    with pytest.raises(InvalidInput, match="exactly one"):
        _found(patron, phone="+40722123456", email="ana@shop.example")


def test_erasure_blocks_the_members_cards(patron: Patron) -> None:
    from patron.services.commands import EraseMember
    from patron.services.privacy import erase_member

    (card,) = _batch(patron, 1)
    ana = member(patron, "ana")
    _link(patron, card, ana)
    patron.run(erase_member, EraseMember(MemberRef(id=ana), "asked", "cli:test"))
    kept = patron.read(lambda uow: uow.cards.get(card))
    assert kept is not None and (kept.status, kept.member_id) == (CardStatus.BLOCKED, None)
    with pytest.raises(CardBlocked):
        _found(patron, card=card)


def test_a_program_without_cards_section_issues_none(patron: Patron) -> None:
    from tests.conftest import EXAMPLE_PROGRAM

    text = EXAMPLE_PROGRAM.read_text()
    load_example(patron, text[: text.index("\n[cards]")])
    with pytest.raises(InvalidInput, match=r"no \[cards\] section"):
        _batch(patron, 1)


@pytest.mark.postgres
@pytest.mark.parametrize("card", ["issued", "AB1234"])
def test_concurrent_links_of_one_card_to_several_members_leave_exactly_one(
    card: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Eight tills link one card (a printed one, or an external one: no row yet) to eight
    members at the same moment, each on its own PostgreSQL connection: one wins."""
    pg = make_patron("postgres", tmp_path, Clock(), request, pool_size=10)
    try:
        load_example(pg)
        number = _batch(pg, 1)[0] if card == "issued" else card
        members = [member(pg, f"m-{i}") for i in range(8)]
        start = threading.Barrier(len(members))
        outcomes: dict[int, str] = {}

        def till(member_id: int) -> None:
            start.wait()
            try:
                _link(pg, number, member_id)
                outcomes[member_id] = "linked"
            except CardTaken:
                outcomes[member_id] = "taken"

        threads = [threading.Thread(target=till, args=(m,)) for m in members]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [m for m, said in outcomes.items() if said == "linked"]
        assert len(winners) == 1 and sorted(outcomes.values()).count("taken") == 7
        assert _found(pg, card=number) == winners
        holders = [m for m in members if pg.read(lambda uow, m=m: uow.cards.of_member(m))]
        assert holders == winners
    finally:
        pg.dispose()
