"""The member's own pages behind the portal's door (web/portal.py): the rewards and their
redemption, the history of purchases and points, the referral link, the data download.

Design overview. Every figure comes from the use cases the API runs (services/queries.py,
services/redeem.py, services/export.py); a page only words it. A redemption takes three
steps, none of which trusts the address bar: the reward's page prices it with the API's
quote (what it costs, the balance after) and holds a form with the session's CSRF token
and a one-time transaction id made for that form; the POST redeems under that id, so a
second press of the button, a reload or a resend is answered with the first redemption
and spends nothing (services/redeem.py: transaction_id idempotency); the answer is a
redirect to the voucher's page (post/redirect/get), which shows only the member's own
redemptions, with the code the till uses (a discount, gift or service) and its expiry;
the vouchers page lists them all with their state. A refusal (too few points, out of
stock, not for the tier, a stale form) is a page that says why, and nothing was
written: the use case raised before it wrote.

The data download is a POST as well (it carries the CSRF token), answered with the same
document as the admin API's `GET /v1/members/{id}/export`, as an attachment, for the
member of the session only.
"""

from __future__ import annotations

import json
import re
import secrets
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.analytics.insights import CustomerBase, member_scores, store_base
from patron.domain.errors import (
    InsufficientPoints,
    NotFound,
    PatronError,
    RewardForClubs,
    RewardUnavailable,
    TransactionIdReused,
)
from patron.domain.records import EntryKind
from patron.domain.redemption import Offer
from patron.services.commands import MemberRef, Redeem
from patron.services.export import export_member
from patron.services.fulfil import member_vouchers, voucher_of
from patron.services.queries import (
    balance,
    data_version,
    invitation,
    ledger_entries,
    member_catalog,
    member_purchases,
    member_redemption,
)
from patron.services.redeem import quote, redeem
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _
from patron.web.portal import MemberDep, MemberSession
from patron.web.sessions import same_token
from patron.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False)

PURCHASES_SHOWN = 10
ENTRIES_SHOWN = 20
# the transaction id a confirmation form carries: made here, so any other shape is a
# form this server did not make
TRANSACTION = re.compile(r"portal-[A-Za-z0-9_-]{22}")

# a voucher's states in words a member reads (services/fulfil.py)
STATES = {
    "issued": N_("valid"),
    "used": N_("used"),
    "handed_over": N_("handed over"),
    "expired": N_("expired"),
    "cancelled": N_("cancelled: the points were given back"),
}

# the ledger's kinds in words a member reads
KINDS = {
    EntryKind.WELCOME: N_("Welcome gift"),
    EntryKind.REFERRAL: N_("Referral bonus"),
    EntryKind.EARN: N_("Earned on a purchase"),
    EntryKind.REFUND: N_("Taken back for a return"),
    EntryKind.REDEEM: N_("Spent on a reward"),
    EntryKind.REDEEM_CANCEL: N_("Given back: a reward was cancelled"),
    EntryKind.ADJUST: N_("Corrected by the shop"),
    EntryKind.EXPIRE: N_("Expired"),
    EntryKind.DEBT_SETTLEMENT: N_("Paid what a return left owing"),
}


@router.get("/rewards", response_class=HTMLResponse)
def rewards(request: Request, me: MemberDep) -> Response:
    """The catalog the member's tier may take: what they can have now, what is out of reach."""
    patron = patron_of(request)
    catalog = patron.read(member_catalog, me.member.id)
    context = {
        "me": me,
        "catalog": catalog,
        "now": [o for o in catalog.offers if o.within_reach],
        "later": [o for o in catalog.offers if o.in_stock and not o.within_reach],
        "gone": [o for o in catalog.offers if not o.in_stock],
        "as_of": patron.clock(),
    }
    return render(request, "portal_rewards.html", context)


@router.get("/rewards/{reward_id}", response_class=HTMLResponse)
def confirm_reward(request: Request, me: MemberDep, reward_id: str) -> Response:
    """What the reward costs and the balance after, with the button that redeems it."""
    patron = patron_of(request)
    try:
        priced = patron.read(quote, _asked(me, reward_id))
    except PatronError as exc:
        return _not_done(request, me, reward_id, exc)
    if not priced.sufficient:
        return _not_done(
            request, me, reward_id, InsufficientPoints(priced.points, priced.spendable)
        )
    offer = _offer(request, me, reward_id)
    if offer is None:  # gone from the catalog since the quote
        return _not_done(request, me, reward_id, NotFound(reward_id))
    context = {
        "me": me,
        "reward": offer.reward,
        "quote": priced,
        "after": priced.spendable - priced.points,
        "transaction_id": f"portal-{secrets.token_urlsafe(16)}",
    }
    return render(request, "portal_confirm_reward.html", context)


@router.post("/rewards/{reward_id}", response_class=HTMLResponse)
def redeem_reward(
    request: Request,
    me: MemberDep,
    reward_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    transaction_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Redeem once per form: the form's transaction id makes a resend the same redemption."""
    if not same_token(csrf, me.session.csrf) or not TRANSACTION.fullmatch(transaction_id):
        message = _("This form expired, so nothing was redeemed: choose the reward again.")
        return _refusal(request, me, message, 403)
    command = _asked(me, reward_id, transaction_id)
    try:
        done = patron_of(request).run(redeem, command)
    except PatronError as exc:
        return _not_done(request, me, reward_id, exc)
    return RedirectResponse(f"/portal/redemptions/{done.redemption_id}", status_code=303)


@router.get("/redemptions/{redemption_id}", response_class=HTMLResponse)
def voucher(request: Request, me: MemberDep, redemption_id: str) -> Response:
    """The voucher of one of the member's redemptions, with the reward's instructions."""
    patron = patron_of(request)
    found = None
    if redemption_id.isdigit() and len(redemption_id) < 19:
        found = patron.read(member_redemption, me.member.id, int(redemption_id))
    if found is None:
        return _refusal(request, me, _("You have no redemption with this number."), 404)
    view = patron.read(balance, me.member.id)
    code = patron.read(voucher_of, found.redemption.id)
    context = {"me": me, "voucher": found, "code": code, "view": view, "as_of": patron.clock()}
    return render(request, "portal_voucher.html", context)


@router.get("/vouchers", response_class=HTMLResponse)
def vouchers(request: Request, me: MemberDep) -> Response:
    """The member's vouchers, gifts and services, newest first, with code, expiry and state."""
    patron = patron_of(request)
    found = patron.read(member_vouchers, me.member.id)
    states = {state: _(words) for state, words in STATES.items()}
    context = {"me": me, "vouchers": found, "states": states, "as_of": patron.clock()}
    return render(request, "portal_vouchers.html", context)


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, me: MemberDep, page: str = "1", before: str = "") -> Response:
    """Purchases (paged by `page`) and points movements (older than entry `before`),
    newest first, each list paged on its own."""
    number = int(page) if page.isdigit() and 0 < len(page) < 7 else 0
    cursor = int(before) if before.isdigit() and len(before) < 19 else None
    if number < 1 or (before and cursor is None):
        return _refusal(request, me, _("This page of your history does not exist."), 422)
    patron = patron_of(request)
    offset = (number - 1) * PURCHASES_SHOWN
    purchases = patron.read(member_purchases, me.member.id, PURCHASES_SHOWN + 1, offset)
    entries = patron.read(ledger_entries, me.member.id, ENTRIES_SHOWN + 1, cursor)
    context = {
        "me": me,
        "purchases": purchases[:PURCHASES_SHOWN],
        "entries": entries[:ENTRIES_SHOWN],
        "kinds": {kind: _(words) for kind, words in KINDS.items()},
        "page": number,
        "before": before,
        "more_purchases": len(purchases) > PURCHASES_SHOWN,
        "older": entries[ENTRIES_SHOWN - 1].id if len(entries) > ENTRIES_SHOWN else None,
        "as_of": patron.clock(),
    }
    return render(request, "portal_history.html", context)


@router.get("/invite", response_class=HTMLResponse)
def invite(request: Request, me: MemberDep) -> Response:
    """The member's referral link and what a referral pays."""
    offer = patron_of(request).read(invitation, me.member.id)
    base = getattr(request.app.state, "public_url", None) or str(request.base_url)
    link = f"{base.rstrip('/')}/portal/join?{urlencode({'ref': offer.referral_code})}"
    return render(request, "portal_invite.html", {"me": me, "offer": offer, "link": link})


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, me: MemberDep) -> Response:
    return render(request, "portal_data.html", {"me": me})


@router.post("/data")
def download(
    request: Request, me: MemberDep, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """The member's own export: the document of the admin API's GET /v1/members/{id}/export."""
    if not same_token(csrf, me.session.csrf):
        message = _("The form was sent without its security token, so nothing was done.")
        return _refusal(request, me, message, 403)
    patron = patron_of(request)

    def fit() -> CustomerBase:
        bases = request.app.state.customer_bases
        day = patron.clock().date()
        return store_base(bases, patron.analytics(), day, patron.read(data_version))

    scores = partial(member_scores, fit)
    document = patron.read(export_member, MemberRef(me.member.id), scores)
    body = json.dumps(jsonable_encoder(document), ensure_ascii=False, indent=2) + "\n"
    name = f"patron-member-{me.member.id}.json"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body, media_type="application/json", headers=headers)


def _asked(me: MemberSession, reward_id: str, transaction_id: str | None = None) -> Redeem:
    return Redeem(me.member.id, reward_id=reward_id, transaction_id=transaction_id)


def _offer(request: Request, me: MemberSession, reward_id: str) -> Offer | None:
    """The reward as the catalog offers it to the member; None if not to their tier."""
    offered = patron_of(request).read(member_catalog, me.member.id).offers
    return next((o for o in offered if o.reward.id == reward_id), None)


def _not_done(request: Request, me: MemberSession, reward_id: str, exc: PatronError) -> Response:
    """A refusal of the use case, in words a member reads; nothing was written."""
    if isinstance(exc, InsufficientPoints):
        message = _(
            "This reward needs %(points)s points and you have %(spendable)s to spend:"
            " %(missing)s more."
        ) % {
            "points": exc.requested,
            "spendable": exc.available,
            "missing": exc.requested - exc.available,
        }
        return _refusal(request, me, message, 409)
    if isinstance(exc, RewardUnavailable):
        if _offer(request, me, reward_id) is not None:  # for the tier, so out of stock
            return _refusal(request, me, _("This reward is out of stock."), 409)
        return _refusal(request, me, _("This reward is not for your tier."), 409)
    if isinstance(exc, RewardForClubs):
        return _refusal(request, me, _("This reward is for the members of a club."), 409)
    if isinstance(exc, TransactionIdReused):
        message = _("This form was used already for another reward: choose the reward again.")
        return _refusal(request, me, message, 409)
    if isinstance(exc, NotFound):
        return _refusal(request, me, _("This reward is not in the catalog."), 404)
    return _refusal(request, me, exc.message, 422)


def _refusal(request: Request, me: MemberSession, message: str, status: int) -> Response:
    context = {"me": me, "message": message}
    return render(request, "portal_not_done.html", context, status_code=status)
