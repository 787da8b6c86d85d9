"""Business customers: making a member a business, its buyers added and removed, the
business a till's buyer names, and the business's page (its entitlements' use:
services/entitlements.py).

Design overview. The business is the member: points, lots and tier are its own, so a
buyer's purchase is recorded by services/earn.py for the business, with the buyer kept
beside it (`uow.businesses.record_purchase`). A buyer is found only while not removed,
and an e-mail, phone or card names at most one active buyer (refused with `buyer_taken`
otherwise), so a till always finds one business. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from patron.domain.audit import AuditAction
from patron.domain.business import (
    Business,
    Buyer,
    EntitlementLeft,
    EntitlementUse,
    checked_company,
    checked_vat,
)
from patron.domain.cards import CardMistyped
from patron.domain.errors import (
    BuyerTaken,
    Conflict,
    InvalidInput,
    MemberErased,
    NotFound,
)
from patron.domain.joining import FormRefused, checked_name, checked_phone
from patron.domain.login_links import checked_address
from patron.domain.member import Member
from patron.domain.staff import checked_email
from patron.services.cards import typed_number
from patron.services.commands import BuyerRef, MemberRef
from patron.services.entitlements import entitlements
from patron.services.members import find_member
from patron.store.uow import UnitOfWork


@dataclass(frozen=True)
class CreateBusiness:
    member: MemberRef
    company_name: str
    vat_number: str
    actor: str
    account_manager: str | None = None  # a staff user's e-mail


@dataclass(frozen=True)
class AddBuyer:
    member: MemberRef
    name: str
    actor: str
    email: str | None = None
    phone: str | None = None
    card: str | None = None


@dataclass(frozen=True)
class RemoveBuyer:
    member: MemberRef
    buyer_id: int
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class BuyerView:
    buyer: Buyer
    purchases: int  # the business's purchases this buyer made


@dataclass(frozen=True)
class BusinessView:
    business: Business
    member: Member
    buyers: list[BuyerView]  # the removed ones too, after the active
    entitlements: list[EntitlementLeft]
    uses: list[EntitlementUse]  # the latest, the newest first


def _business(uow: UnitOfWork, member: Member) -> Business:
    found = uow.businesses.get(member.id)
    if found is None:
        raise NotFound(f"member {member.id} is not a business: make it one first")
    return found


def _manager_id(uow: UnitOfWork, email: str | None) -> int | None:
    if email is None:
        return None
    user = uow.staff.by_email(checked_email(email))
    if user is None or user.disabled_at is not None:
        raise InvalidInput(
            f"account_manager: no active staff user {email.strip()!r} (patron user list)"
        )
    return user.id


def create_business(uow: UnitOfWork, cmd: CreateBusiness) -> Business:
    """Make a member a business: its company name, VAT number and account manager."""
    company = checked_company(cmd.company_name)
    vat = checked_vat(cmd.vat_number)
    member = find_member(uow, cmd.member, lock=True)
    if member.erased_at is not None:
        raise MemberErased(f"member {member.id} was erased: it cannot become a business")
    if uow.businesses.get(member.id) is not None:
        raise Conflict(f"member {member.id} is a business already")
    manager = _manager_id(uow, cmd.account_manager)
    uow.businesses.add(member.id, company, vat, manager, uow.now)
    details = {"company_name": company, "vat_number": vat, "account_manager": cmd.account_manager}
    uow.audit.record(uow.now, cmd.actor, AuditAction.BUSINESS_CREATED, member.id, None, details)
    created = uow.businesses.get(member.id)
    assert created is not None
    return created


@dataclass(frozen=True)
class AssignManager:
    member: MemberRef
    account_manager: str | None  # a staff user's e-mail; None: nobody
    actor: str


def assign_manager(uow: UnitOfWork, cmd: AssignManager) -> Business:
    """Assign the staff user who manages the business's account (or nobody). Audited."""
    member = find_member(uow, cmd.member, lock=True)
    _business(uow, member)
    uow.businesses.set_manager(member.id, _manager_id(uow, cmd.account_manager))
    details = {"account_manager": cmd.account_manager}
    action = AuditAction.MANAGER_ASSIGNED
    uow.audit.record(uow.now, cmd.actor, action, member.id, None, details)
    changed = uow.businesses.get(member.id)
    assert changed is not None
    return changed


def _checked_keys(uow: UnitOfWork, cmd: AddBuyer) -> tuple[str | None, str | None, str | None]:
    email = checked_address(cmd.email) if cmd.email else None
    try:
        phone = checked_phone(cmd.phone) if cmd.phone else None
    except FormRefused:
        raise InvalidInput(
            "phone: not a phone number (6 to 15 digits, an optional leading +)"
        ) from None
    card = typed_number(uow, cmd.card) if cmd.card else None
    if email is None and phone is None and card is None:
        raise InvalidInput("give the buyer's email, phone or card: a till finds them by it")
    return email, phone, card


def add_buyer(uow: UnitOfWork, cmd: AddBuyer) -> Buyer:
    """Add a buyer to a business; each of their e-mail, phone and card must be nobody
    else's as a buyer, so that it finds one business."""
    try:
        name = checked_name(cmd.name)
    except FormRefused:
        raise InvalidInput("name: give the buyer's name (1 to 200 characters)") from None
    email, phone, card = _checked_keys(uow, cmd)
    member = find_member(uow, cmd.member, lock=True)
    _business(uow, member)
    for field, value in (("email", email), ("phone", phone), ("card", card)):
        if value is None:
            continue
        holders = uow.businesses.active_buyers(**{field: value})
        if holders:
            raise BuyerTaken(
                f"{field}: {value} is already buyer {holders[0].id}'s, of member"
                f" {holders[0].member_id}; remove that buyer first",
                buyer_id=holders[0].id,
            )
    buyer_id = uow.businesses.add_buyer(member.id, name, email, phone, card, uow.now)
    details = {"buyer_id": buyer_id}  # no name: the audit log outlives an erasure
    uow.audit.record(uow.now, cmd.actor, AuditAction.BUYER_ADDED, member.id, None, details)
    buyer = uow.businesses.buyer(buyer_id)
    assert buyer is not None
    return buyer


def remove_buyer(uow: UnitOfWork, cmd: RemoveBuyer) -> Buyer:
    """Remove a buyer: they no longer find the business; their purchases stay theirs."""
    member = find_member(uow, cmd.member, lock=True)
    _business(uow, member)
    buyer = uow.businesses.buyer(cmd.buyer_id)
    if buyer is None or buyer.member_id != member.id:
        raise NotFound(f"member {member.id} has no buyer {cmd.buyer_id}")
    if not uow.businesses.remove_buyer(buyer.id, uow.now):
        raise Conflict(f"buyer {buyer.id} was removed already")
    details = {"buyer_id": buyer.id}
    uow.audit.record(uow.now, cmd.actor, AuditAction.BUYER_REMOVED, member.id, cmd.reason, details)
    removed = uow.businesses.buyer(buyer.id)
    assert removed is not None
    return removed


def find_buyer(uow: UnitOfWork, ref: BuyerRef) -> Buyer:
    """The active buyer a till names by exactly one of id, e-mail, phone or card; a
    removed buyer is not found."""
    given = [k for k in (ref.id, ref.email, ref.phone, ref.card) if k is not None]
    if len(given) != 1:
        raise InvalidInput("buyer: give exactly one of id, email, phone or card")
    if ref.id is not None:
        buyer = uow.businesses.buyer(ref.id)
        found = [buyer] if buyer is not None and buyer.active else []
    elif ref.email is not None:
        found = uow.businesses.active_buyers(email=checked_address(ref.email))
    elif ref.phone is not None:
        try:
            phone = checked_phone(ref.phone)
        except FormRefused:
            phone = None
        if phone is None:
            raise InvalidInput("phone: not a phone number (6 to 15 digits, an optional leading +)")
        found = uow.businesses.active_buyers(phone=phone)
    else:
        assert ref.card is not None
        found = uow.businesses.active_buyers(card=typed_number(uow, ref.card))
    if not found:
        raise NotFound("no buyer of a business has this " + _named(ref))
    return found[0]


def _named(ref: BuyerRef) -> str:
    if ref.id is not None:
        return "id"
    return "e-mail address" if ref.email else "phone number" if ref.phone else "card"


def typed_buyer(text: str) -> BuyerRef:
    """A till's `buyer=`: an e-mail when it holds an @, else a phone number or a card
    (digits only, 16 or more, or letters: a card)."""
    text = text.strip()
    if "@" in text:
        return BuyerRef(email=text)
    try:
        phone = checked_phone(text)
    except FormRefused:
        phone = None
    return BuyerRef(phone=text) if phone is not None else BuyerRef(card=text)


def business_of_buyer(uow: UnitOfWork, ref: BuyerRef) -> Member:
    """The business an active buyer buys for."""
    return find_member(uow, find_buyer(uow, ref).member_id)


def business_of_typed(uow: UnitOfWork, text: str) -> Member:
    """The business a till's `buyer=` names: by e-mail, else by phone, else (digits that
    are a phone of no buyer: a short card number) by card."""
    ref = typed_buyer(text)
    try:
        return business_of_buyer(uow, ref)
    except NotFound:
        if ref.phone is None:
            raise
        try:
            return business_of_buyer(uow, BuyerRef(card=text))
        except (NotFound, CardMistyped):
            pass
        raise


def business_view(uow: UnitOfWork, ref: MemberRef | int) -> BusinessView:
    """A business: the company, its buyers with their purchases, its entitlements."""
    member = find_member(uow, ref)
    business = _business(uow, member)
    counts = uow.businesses.purchases_by_buyer(member.id)
    buyers = sorted(uow.businesses.buyers(member.id, removed=True), key=lambda b: not b.active)
    return BusinessView(
        business=business,
        member=member,
        buyers=[BuyerView(b, counts.get(b.id, 0)) for b in buyers],
        entitlements=entitlements(uow, member),
        uses=uow.businesses.uses(member.id),
    )


def business_or_none(uow: UnitOfWork, member_id: int) -> BusinessView | None:
    """The member's business view, None for a member that is not a business (pages)."""
    if uow.businesses.get(member_id) is None:
        return None
    return business_view(uow, member_id)
