"""Loyalty cards at the till: link a card to a member, block a lost one, replace it,
read a card, and find a member by card, phone or e-mail; printing batches for an admin.

A till's key needs the `cards` operation to change cards and `read_member` to read them
or find a member (the till view for a pos key, as `GET /v1/members/{id}`). A mistyped
number is refused with `card_mistyped` before anything is looked up (domain/cards.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import AdminKey, CardsKey, PatronDep, ReadMemberKey
from patron.api.idempotency import Idempotent
from patron.api.schemas import (
    CardBatchCreate,
    CardBatchPublic,
    CardBlock,
    CardLink,
    CardPublic,
    CardReplace,
    CardReplaced,
    MemberPublic,
    MemberTill,
    Page,
)
from patron.domain.cards import CardBlocked, CardMistyped, CardTaken
from patron.domain.errors import InvalidInput, NotFound
from patron.services.apikeys import Scope
from patron.services.cards import (
    BlockCard,
    IssueCards,
    LinkCard,
    Lookup,
    ReplaceCard,
    Replaced,
    block_card,
    card_of,
    find_members,
    issue_cards,
    link_card,
    replace_card,
)
from patron.services.commands import MemberRef

router = APIRouter(tags=["cards"])
NumberPath = Annotated[
    str,
    Path(
        max_length=40,
        description="the card's number as printed (spaces and dashes may be left in)",
        examples=["2900481722960530"],
    ),
]
MISTYPED = CardMistyped("card: the check digit is wrong (a digit mistyped?); check the number")
NO_CARD = NotFound("no card 2900481722960538: check the number on the card")
BLOCKED = CardBlocked("card 2900481722960530 is blocked: it can no longer be used")
TAKEN = CardTaken("card 2900481722960530 belongs to another member")


@router.post(
    "/v1/cards/batches",
    status_code=201,
    response_model=CardBatchPublic,
    responses=p.refusals(InvalidInput("cards: the program has no [cards] section")),
)
def create_batch(body: CardBatchCreate, principal: AdminKey, write: Idempotent) -> Response:
    """Make a batch of new card numbers for the printer (admin): unique, random, each
    with its check digit, linked to nobody until a till links one; audited."""
    command = IssueCards(body.count, principal.actor)
    return write(body, lambda uow: issue_cards(uow, command), CardBatchPublic.model_validate)


@router.get(
    "/v1/cards/{number}",
    response_model=CardPublic,
    responses=p.refusals(MISTYPED, NO_CARD),
)
def get_card(number: NumberPath, patron: PatronDep, _: ReadMemberKey) -> CardPublic:
    """A card: its state and the member it is linked to."""
    return CardPublic.model_validate(patron.read(card_of, number))


@router.post(
    "/v1/cards/{number}/link",
    response_model=CardPublic,
    responses=p.refusals(MISTYPED, p.NO_MEMBER, p.AMBIGUOUS_MEMBER, p.ERASED, TAKEN, BLOCKED),
)
def link(number: NumberPath, body: CardLink, principal: CardsKey, write: Idempotent) -> Response:
    """Link a card to a member (a printed card handed over, or a card they had before
    this program printed cards); linking it again to the same member changes nothing."""
    member = MemberRef(id=body.member_id, external_id=body.external_id)
    command = LinkCard(number, member, principal.actor)
    return write(body, lambda uow: link_card(uow, command), CardPublic.model_validate, status=_ok)


@router.post(
    "/v1/cards/{number}/block",
    response_model=CardPublic,
    responses=p.refusals(MISTYPED, NO_CARD, BLOCKED),
)
def block(
    number: NumberPath, principal: CardsKey, write: Idempotent, body: CardBlock | None = None
) -> Response:
    """Block a lost or stolen card: it finds nobody from now on; the member keeps their
    points and tier."""
    payload = body or CardBlock()
    command = BlockCard(number, principal.actor, payload.reason)
    return write(
        payload, lambda uow: block_card(uow, command), CardPublic.model_validate, status=_ok
    )


@router.post(
    "/v1/cards/{number}/replace",
    status_code=201,
    response_model=CardReplaced,
    responses=p.refusals(
        MISTYPED,
        NO_CARD,
        InvalidInput("card 2900481722960530 is linked to no member: nothing to replace"),
        BLOCKED,
        TAKEN,
        p.ERASED,
    ),
)
def replace(
    number: NumberPath, principal: CardsKey, write: Idempotent, body: CardReplace | None = None
) -> Response:
    """Replace a member's card (lost or worn): it is blocked and the new one, a printed
    card handed over or a new digital card, is linked to the member, points and all."""
    payload = body or CardReplace()
    command = ReplaceCard(number, principal.actor, payload.new_card)

    def present(done: Replaced) -> CardReplaced:
        return CardReplaced(
            blocked=CardPublic.model_validate(done.blocked),
            card=CardPublic.model_validate(done.card),
        )

    return write(payload, lambda uow: replace_card(uow, command), present)


def _ok(_: object) -> int:
    return 200  # the card changed state: no new resource


def _key(description: str, example: str) -> object:
    return Query(max_length=320, description=description, examples=[example])


@router.get(
    "/v1/members",
    response_model=Page[MemberPublic] | Page[MemberTill],
    responses=p.refusals(
        InvalidInput("give exactly one of card, phone, email or buyer"),
        MISTYPED,
        NotFound("no member has this phone number"),
        BLOCKED,
    ),
)
def find(
    patron: PatronDep,
    principal: ReadMemberKey,
    card: Annotated[str | None, _key("a loyalty card's number", "2900 4817 2296 0530")] = None,
    phone: Annotated[str | None, _key("a phone number, as typed", "+40 722 123 456")] = None,
    email: Annotated[str | None, _key("an e-mail address, any case", "ana@example.com")] = None,
    buyer: Annotated[
        str | None,
        _key("a business's buyer: their e-mail, phone or card", "radu@librariacentrala.ro"),
    ] = None,
) -> Page[MemberPublic] | Page[MemberTill]:
    """Find the member a till's customer names, by exactly one of card, phone or e-mail
    (normalised as stored): one member by card or e-mail; by phone every member who gave
    it, the newest enrolled first (phones are not unique); by `buyer`, the business an
    active buyer buys for (docs/business.md). The till view for a pos key."""
    lookup = Lookup(card=card, phone=phone, email=email, buyer=buyer)
    found = patron.read(find_members, lookup)
    if principal.scope is Scope.ADMIN:
        whole = [MemberPublic.model_validate(m) for m in found]
        return Page[MemberPublic](data=whole, count=len(whole))
    till = [MemberTill.model_validate(m) for m in found]
    return Page[MemberTill](data=till, count=len(till))
