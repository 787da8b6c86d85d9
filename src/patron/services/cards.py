"""Loyalty cards: batches for the printer, a card linked to a member at the till or in
the portal, a lost card blocked and replaced, and the member a till's customer names by
card, phone or e-mail.

Design overview. A card names a member; the points and the tier are the member's, so
blocking or replacing a card moves no point: the member's ledger is not touched at all.
Every number typed is checked against the program's format first (domain/cards.py), so a
mistyped number is refused as such and never looked up. Linking is one conditional
statement (store/cards.py): of two tills linking one card to two members, exactly one
wins and the other is refused with `card_taken`. Every change is audited with its actor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from patron.domain.audit import AuditAction
from patron.domain.cards import (
    Card,
    CardBlocked,
    CardStatus,
    CardTaken,
    checked_count,
    checked_number,
    new_number,
)
from patron.domain.errors import InvalidInput, MemberErased, NoProgram, NotFound
from patron.domain.joining import FormRefused, checked_phone
from patron.domain.login_links import checked_address
from patron.domain.member import Member
from patron.domain.program import CardPolicy
from patron.services.commands import MemberRef
from patron.services.members import find_member
from patron.services.program import current_program
from patron.store.uow import UnitOfWork

NO_CARDS = (
    "cards: the program has no [cards] section, so it prints no cards; add one with a"
    " prefix (docs/program.md) and load the program"
)


@dataclass(frozen=True)
class IssueCards:
    count: int
    actor: str


@dataclass(frozen=True)
class IssuedBatch:
    batch: str
    numbers: list[str]
    created_at: datetime

    @property
    def count(self) -> int:
        return len(self.numbers)


@dataclass(frozen=True)
class LinkCard:
    number: str  # as typed
    member: MemberRef
    actor: str


@dataclass(frozen=True)
class BlockCard:
    number: str
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class ReplaceCard:
    number: str  # the lost card
    actor: str
    new_number: str | None = None  # a printed card handed over; None: a new digital card


@dataclass(frozen=True)
class Replaced:
    blocked: Card
    card: Card


@dataclass(frozen=True)
class Lookup:
    """What a till knows of its customer: exactly one of them (`buyer`: the e-mail, phone
    or card of a business's buyer, which finds the business: services/business.py)."""

    card: str | None = None
    phone: str | None = None
    email: str | None = None
    buyer: str | None = None


def _format(uow: UnitOfWork) -> CardPolicy | None:
    """The program's card format; None when no program or no [cards] section is loaded
    (then every number is an external card)."""
    try:
        return current_program(uow)[1].cards
    except NoProgram:
        return None


def typed_number(uow: UnitOfWork, text: str) -> str:
    """A typed number, normalised and checked (CardMistyped says why not)."""
    return checked_number(text, _format(uow))


def issue_cards(uow: UnitOfWork, cmd: IssueCards) -> IssuedBatch:
    """A batch of new card numbers for the printer, unique and linked to nobody."""
    count = checked_count(cmd.count)
    fmt = _format(uow)
    if fmt is None:
        raise InvalidInput(NO_CARDS)
    numbers: set[str] = set()
    while len(numbers) < count:
        fresh = {new_number(fmt) for _ in range(count - len(numbers))} - numbers
        numbers |= fresh - uow.cards.taken(fresh)
    batch = f"{uow.now:%Y%m%d}-{secrets.token_hex(3)}"
    ordered = sorted(numbers)  # the printer's order; the numbers themselves are random
    uow.cards.add_issued(ordered, batch, uow.now)
    details = {"batch": batch, "count": count}
    uow.audit.record(uow.now, cmd.actor, AuditAction.CARDS_ISSUED, None, None, details)
    return IssuedBatch(batch, ordered, uow.now)


def _member(uow: UnitOfWork, ref: MemberRef | int) -> Member:
    member = find_member(uow, ref, lock=True)
    if member.erased_at is not None:
        raise MemberErased(f"member {member.id} was erased: no card can be linked to them")
    return member


def linkable(uow: UnitOfWork, number: str, member_id: int | None) -> Card | None:
    """The card with this (checked) number if it may be linked to the member (None: a
    card that does not exist yet, an external one); CardTaken, CardBlocked or NotFound
    otherwise. Writes nothing."""
    card = uow.cards.get(number)
    fmt = _format(uow)
    if card is None:
        if fmt is not None and number.startswith(fmt.prefix):
            raise NotFound(f"card {number} was never issued: check the number on the card")
        return None
    if card.status is CardStatus.BLOCKED:
        raise CardBlocked(f"card {number} is blocked: it can no longer be used")
    if card.status is CardStatus.ACTIVE and card.member_id != member_id:
        raise CardTaken(f"card {number} belongs to another member")
    return card


def link_number(uow: UnitOfWork, number: str, member_id: int) -> Card:
    """Link a checked number to the member (already theirs: nothing changes)."""
    card = linkable(uow, number, member_id)
    if card is not None and card.status is CardStatus.ACTIVE:
        return card  # theirs already
    done = (
        uow.cards.add_linked(number, member_id, uow.now)
        if card is None
        else uow.cards.link_issued(number, member_id, uow.now)
    )
    if not done:  # another till linked it a moment ago
        raise CardTaken(f"card {number} belongs to another member")
    linked = uow.cards.get(number)
    assert linked is not None
    return linked


def link_card(uow: UnitOfWork, cmd: LinkCard) -> Card:
    """Link a card to a member: a printed card handed over at the till, or one the member
    types in the portal."""
    number = typed_number(uow, cmd.number)
    member = _member(uow, cmd.member)
    before = uow.cards.get(number)
    card = link_number(uow, number, member.id)
    if before is None or before.status is not CardStatus.ACTIVE:
        details = {"card": number}
        uow.audit.record(uow.now, cmd.actor, AuditAction.CARD_LINKED, member.id, None, details)
    return card


def _existing(uow: UnitOfWork, text: str) -> Card:
    number = typed_number(uow, text)
    card = uow.cards.get(number)
    if card is None:
        raise NotFound(f"no card {number}: check the number on the card")
    return card


def block_card(uow: UnitOfWork, cmd: BlockCard) -> Card:
    """Block a lost or stolen card: from now on it finds nobody. The points stay."""
    card = _existing(uow, cmd.number)
    if not uow.cards.block(card.number, uow.now):
        raise CardBlocked(f"card {card.number} is blocked already")
    details = {"card": card.number}
    uow.audit.record(
        uow.now, cmd.actor, AuditAction.CARD_BLOCKED, card.member_id, cmd.reason, details
    )
    blocked = uow.cards.get(card.number)
    assert blocked is not None
    return blocked


def replace_card(uow: UnitOfWork, cmd: ReplaceCard) -> Replaced:
    """Block a member's card (lost, worn) and link another in its place: a printed card
    handed over, or a new digital card. The member keeps their points and tier."""
    old = _existing(uow, cmd.number)
    if old.member_id is None:
        raise InvalidInput(f"card {old.number} is linked to no member: nothing to replace")
    if old.replaced_by is not None:
        raise CardBlocked(f"card {old.number} was replaced by card {old.replaced_by} already")
    member = _member(uow, old.member_id)
    if cmd.new_number is not None:
        number = typed_number(uow, cmd.new_number)
        if number == old.number:
            raise InvalidInput("new_card: the new card is the card being replaced")
        new = link_number(uow, number, member.id)
    else:
        new = _digital(uow, member.id)
    if not uow.cards.block(old.number, uow.now, replaced_by=new.number):
        uow.cards.set_replaced_by(old.number, new.number)  # blocked when lost, replaced now
    details = {"card": old.number, "new_card": new.number}
    uow.audit.record(uow.now, cmd.actor, AuditAction.CARD_REPLACED, member.id, None, details)
    blocked = uow.cards.get(old.number)
    assert blocked is not None
    return Replaced(blocked, new)


def _digital(uow: UnitOfWork, member_id: int) -> Card:
    """A new card of the program's format, linked to the member at once (the portal's
    card, or a replacement when no printed card is at hand)."""
    fmt = _format(uow)
    if fmt is None:
        raise InvalidInput(NO_CARDS)
    while True:
        number = new_number(fmt)
        if uow.cards.add_linked(number, member_id, uow.now):
            card = uow.cards.get(number)
            assert card is not None
            return card


def digital_card(uow: UnitOfWork, member_id: int, actor: str) -> Card:
    """A digital card for a member who has none active (the portal's "get my card")."""
    member = _member(uow, member_id)
    current = uow.cards.current(member.id)
    if current is not None:
        card = uow.cards.get(current)
        assert card is not None
        return card
    card = _digital(uow, member.id)
    details = {"card": card.number, "digital": True}
    uow.audit.record(uow.now, actor, AuditAction.CARD_LINKED, member.id, None, details)
    return card


def member_cards(uow: UnitOfWork, member_id: int) -> list[Card]:
    """The member's cards, the newest linked first."""
    find_member(uow, member_id)
    return uow.cards.of_member(member_id)


def card_of(uow: UnitOfWork, text: str) -> Card:
    return _existing(uow, text)


def find_members(uow: UnitOfWork, lookup: Lookup) -> list[Member]:
    """The members a till's customer names: by card (one, or refused: unknown, blocked,
    mistyped), by e-mail (one: addresses are compared in lower case) or by phone (digits
    as kept; several members may share one, the newest enrolled first)."""
    given = [k for k in (lookup.card, lookup.phone, lookup.email, lookup.buyer) if k is not None]
    if len(given) != 1:
        raise InvalidInput("give exactly one of card, phone, email or buyer")
    if lookup.buyer is not None:
        from patron.services.business import business_of_typed

        return [business_of_typed(uow, lookup.buyer)]
    if lookup.card is not None:
        return [_by_card(uow, lookup.card)]
    if lookup.email is not None:
        member = uow.members.by_email(checked_address(lookup.email))
        if member is None:
            raise NotFound("no member has this e-mail address")
        return [member]
    assert lookup.phone is not None
    try:
        phone = checked_phone(lookup.phone)
    except FormRefused:
        phone = None
    if phone is None:
        raise InvalidInput("phone: not a phone number (6 to 15 digits, an optional leading +)")
    found = [find_member(uow, i) for i in uow.contacts.with_phone(phone)]
    if not found:
        raise NotFound("no member has this phone number")
    return found


def _by_card(uow: UnitOfWork, text: str) -> Member:
    card = _existing(uow, text)
    if card.status is CardStatus.BLOCKED:
        # the replacement's number is not said: whoever holds a lost card must not learn it
        raise CardBlocked(f"card {card.number} is blocked: it can no longer be used")
    holder = uow.cards.holder(card.number)
    if holder is None:
        raise NotFound(f"card {card.number} is linked to no member yet: link it first")
    return find_member(uow, holder)
