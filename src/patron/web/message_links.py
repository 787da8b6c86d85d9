"""The links in messages, followed without a login: `/u/<token>` unsubscribes from a list
(RFC 8058 one-click) or confirms a newsletter yes (double opt-in).

Design overview. `GET` only reads the token and shows a page with a button: link scanners
and mail previews open every link, and must change nothing. `POST` does it at once: the
mail program's one-click unsubscribe (`List-Unsubscribe=One-Click` in the body, RFC 8058
§3.2) posts from the provider's servers, with no cookie and no form token, so the POST
takes none either: the signed token in the URL is the proof that the request comes from
the message (no other site can know it), which is what a CSRF token would prove.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from patron.domain.consent import MARKETING, MARKETING_PUSH, MARKETING_SMS
from patron.domain.errors import InvalidInput
from patron.domain.message_links import LinkAction, MessageLink
from patron.services.preferences import follow_link, read_link
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(include_in_schema=False)

LISTS = {
    MARKETING: N_("the shop's news and offers by e-mail"),
    MARKETING_SMS: N_("the shop's news and offers by SMS"),
    MARKETING_PUSH: N_("the shop's news and offers as notifications"),
}


def _context(link: MessageLink) -> dict[str, object]:
    return {
        "list": _(LISTS.get(link.purpose, LISTS[MARKETING])),
        "unsubscribe": link.action is LinkAction.UNSUBSCRIBE,
    }


REFUSED = N_(
    "The link is incomplete, not one we sent, or too old. Copy the whole link from the"
    " message, or change your preferences in your account."
)


def _refused(request: Request) -> Response:
    return render(request, "message_link.html", {"refused": _(REFUSED)}, 400)


@router.get("/u/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str) -> Response:
    """What the link does, and a button that does it (a GET changes nothing)."""
    try:
        link = patron_of(request).read(read_link, token)
    except InvalidInput:
        return _refused(request)
    return render(request, "message_link.html", {**_context(link), "token": token})


@router.post("/u/{token}", response_class=HTMLResponse)
def follow(request: Request, token: str) -> Response:
    """Unsubscribe (or confirm) now: the mail program's one-click POST, or the button."""
    try:
        link = patron_of(request).run(follow_link, token)
    except InvalidInput:
        return _refused(request)
    return render(request, "message_link.html", {**_context(link), "done": True})
