"""The member's loyalty card on their phone: a QR code and a Code 128 barcode the till
scans, the number under them; a card they hold linked by typing its number, or a digital
card made for them.

Both forms are posted with the session's CSRF token; the change is the till's use case
(services/cards.py) with the member as its actor (`member:<id>`), audited alike.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.domain.cards import CardBlocked, CardMistyped, CardStatus, CardTaken
from patron.domain.errors import PatronError
from patron.services.cards import LinkCard, digital_card, link_card, member_cards
from patron.services.commands import MemberRef
from patron.web.app_state import patron_of
from patron.web.card_code import barcode_svg, qr_svg
from patron.web.i18n import N_, _
from patron.web.portal import MemberDep
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)
REFUSED = {
    CardMistyped: N_("This card number is not right: check it on your card."),
    CardTaken: N_("This card is registered already: ask at the shop."),
    CardBlocked: N_("This card is blocked: ask at the shop for a new one."),
}


def _page(request: Request, me: MemberDep, error: str | None = None, status: int = 200) -> Response:
    cards = patron_of(request).read(member_cards, me.member.id)
    active = [c for c in cards if c.status is CardStatus.ACTIVE]
    shown = [
        (
            c,
            qr_svg(c.number, _("QR code of card %(number)s") % {"number": c.number}),
            barcode_svg(c.number, _("Barcode of card %(number)s") % {"number": c.number}),
        )
        for c in active
    ]
    context = {"me": me, "cards": shown, "error": error, "linked": request.query_params.get("ok")}
    return render(request, "portal_card.html", context, status_code=status)


@router.get("/card", response_class=HTMLResponse)
def card_page(request: Request, me: MemberDep) -> Response:
    return _page(request, me)


@router.post("/card", response_class=HTMLResponse)
def link_my_card(
    request: Request,
    me: MemberDep,
    number: Annotated[str, Form(max_length=100)] = "",
    digital: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not same_token(csrf, me.session.csrf):
        error = _("The form was sent without its security token, so nothing was done.")
        return _page(request, me, error, 403)
    patron, actor = patron_of(request), f"member:{me.member.id}"
    try:
        if digital == "yes":
            patron.run(lambda uow, _: digital_card(uow, me.member.id, actor), None)
        else:
            ref = MemberRef(id=me.member.id)
            patron.run(link_card, LinkCard(number, ref, actor))
    except (CardMistyped, CardTaken, CardBlocked) as refused:
        return _page(request, me, _(REFUSED[type(refused)]), 422)
    except PatronError:  # of the program's format, never issued
        return _page(request, me, _(REFUSED[CardMistyped]), 422)
    return RedirectResponse("/portal/card?ok=1", status_code=303)
