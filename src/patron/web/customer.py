"""The console's view of one customer: who they are, their points, tier and progress to
the next, their open lots with expiry dates, their timeline (purchases, refunds,
redemptions, points entries and tier changes, newest first, a page at a time), and the
adjustment form for the roles that may change data.

Everything shown comes from one use case (services/timeline.customer_file, over the
API's find_member and balance) and the day's customer base for the lifetime figures; an
adjustment runs the API's use case (services/adjust.py) under the
staff user's name, so the ledger and the audit log say who did it and why. The form
answers with a redirect (post/redirect/get), so reloading the page sends nothing again.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.analytics.insights import ready_base
from patron.bootstrap import Patron
from patron.domain.errors import NotFound, PatronError
from patron.domain.messages import CONSENT_PURPOSE
from patron.domain.timeline import TimelineKind
from patron.services.adjust import adjust
from patron.services.business import business_or_none
from patron.services.cards import BlockCard, ReplaceCard, block_card, member_cards, replace_card
from patron.services.commands import Adjust, MemberRef
from patron.services.consents import consent_state
from patron.services.entitlements import UseEntitlement, use_entitlement
from patron.services.preferences import preferences
from patron.services.queries import data_version
from patron.services.timeline import customer_file
from patron.web.consents import consent_words
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import N_, _
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
SHOWN = 50  # timeline items a page
MemberId = Annotated[int, Path(ge=1, le=2**62)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
KINDS = {
    TimelineKind.PURCHASE: N_("Purchase"),
    TimelineKind.REFUND: N_("Refund"),
    TimelineKind.REDEMPTION: N_("Reward redeemed"),
    TimelineKind.WELCOME: N_("Welcome points"),
    TimelineKind.REFERRAL: N_("Referral points"),
    TimelineKind.ADJUST: N_("Adjustment"),
    TimelineKind.EXPIRE: N_("Points expired"),
    TimelineKind.REDEEM_CANCEL: N_("Redemption cancelled, points given back"),
    TimelineKind.DEBT_SETTLEMENT: N_("Debt settled from new points"),
    TimelineKind.TIER: N_("Tier changed"),
}


# the channel whose consent a purpose is (domain/messages.CONSENT_PURPOSE, read backwards)
CHANNEL_OF = {purpose: channel.value for channel, purpose in CONSENT_PURPOSE.items()}
CARD_STATES = {"issued": N_("issued"), "active": N_("active"), "blocked": N_("blocked")}


@router.get("/customers/{member_id}", response_class=HTMLResponse)
def customer(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    adjusted: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    page: PageNo = 1,
) -> Response:
    return _page(request, staff, member_id, adjusted=adjusted, page=page)


def _page(
    request: Request,
    staff: Staff,
    member_id: int,
    *,
    adjusted: int | None = None,
    error: str | None = None,
    status: int = 200,
    page: int = 1,
    use_error: str | None = None,
) -> Response:
    """The page; `adjusted` names the ledger entry an adjustment just wrote (its points
    and reason are said from the timeline, never from the address), `error` why one was
    refused."""
    patron: Patron = request.app.state.patron
    try:
        found = patron.read(customer_file, member_id, (page - 1) * SHOWN, SHOWN)
    except NotFound:
        message = _("No customer has the id %(id)s.") % {"id": member_id}
        context = {"staff": staff, "message": message, "title": _("Not found")}
        return render(request, "forbidden.html", context, 404)
    member, items = found.member, found.timeline.items
    insight, no_insight = _insight(request, patron, member.external_id)
    here = f"/console/customers/{member.id}"
    done = (i for i in items if i.ref == adjusted and i.kind is TimelineKind.ADJUST)
    context = {
        "staff": staff,
        "member": member,
        "consent": consent_words(patron.read(consent_state, member_id)),
        "consents": [
            {
                "channel": CHANNEL_OF[found.purpose],
                "state": consent_words(found.state),
                "awaiting": found.awaiting,
                "recorded_at": found.recorded_at,
                "source": found.source.value if found.source else None,
                "granted": found.state.value == "granted",
            }
            for found in patron.read(preferences, member_id)
        ],
        "balance": found.balance,
        "lots": found.lots,
        "items": items,
        "kinds": KINDS,
        "first": (page - 1) * SHOWN + 1,
        "previous": f"{here}?page={page - 1}#timeline" if page > 1 else None,
        "next": f"{here}?page={page + 1}#timeline" if found.timeline.more else None,
        "may_adjust": staff.user.role.may_change and member.erased_at is None,
        "done": next(done, None),
        "error": error,
        # a refused reason is said beside its field
        "reason_error": error if error and error.startswith("reason:") else None,
        "insight": insight,
        "insight_as_of": date.fromisoformat(insight["as_of"]) if insight else None,
        "no_insight": no_insight,
        "cards": patron.read(member_cards, member_id),
        "card_states": CARD_STATES,
        "card_done": request.query_params.get("card"),
        "business": patron.read(business_or_none, member_id),
        "used": request.query_params.get("used"),
        "use_error": use_error,
    }
    return render(request, "customer.html", context, status_code=status)


def _insight(request: Request, patron: Patron, customer: str) -> tuple[dict[str, Any] | None, str]:
    """The customer's segment, P(alive), expected purchases and CLV as of today, from the
    customer base the API's insights use (fitted once a day and held); or why there are
    none (no purchase yet, too little history for a model, the day's first fit still
    running: the page never waits for it)."""
    try:
        bases = request.app.state.customer_bases
        base = ready_base(
            bases, patron.analytics(), patron.clock().date(), patron.read(data_version)
        )
        if base is None:
            return None, _(
                "being computed for the whole customer base: they show here once it is done"
                " (a minute or two on a big store)"
            )
        return base.insights(customer), ""
    except PatronError as exc:
        return None, exc.message


@router.post("/customers/{member_id}/adjustments")
def adjust_points(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    points: Annotated[int, Form(ge=-(10**9), le=10**9)],
    reason: Annotated[str, Form(max_length=500)],
    valid_days: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    days = int(valid_days) if valid_days.strip().isdigit() else None
    if valid_days.strip() and days is None:
        why = _("valid_days: a whole number of days, or empty")
        return _page(request, staff, member_id, error=why, status=422)
    try:
        command = Adjust(member_id, points, reason, staff.user.actor, days)
        done = patron.run(adjust, command)
    except PatronError as exc:
        return _page(request, staff, member_id, error=exc.message, status=422)
    return RedirectResponse(
        f"/console/customers/{member_id}?adjusted={done.entry_id}", status_code=303
    )


@router.post("/customers/{member_id}/cards/{number}")
def change_card(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    number: Annotated[str, Path(max_length=40)],
    action: Annotated[str, Form(max_length=10)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Block the customer's card, or replace it by a new digital card (services/cards.py),
    under the staff user's name; audited."""
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    actor = staff.user.actor
    try:
        if action == "replace":
            patron.run(replace_card, ReplaceCard(number, actor))
        else:
            patron.run(block_card, BlockCard(number, actor, "console"))
    except PatronError as exc:
        return _page(request, staff, member_id, error=exc.message, status=422)
    return RedirectResponse(f"/console/customers/{member_id}?card={action}#cards", status_code=303)


@router.post("/customers/{member_id}/entitlements/{entitlement}")
def use_benefit(
    request: Request,
    staff: StaffDep,
    member_id: MemberId,
    entitlement: Annotated[str, Path(max_length=64)],
    note: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record one use of a business's entitlement (a visit made, a hotline call) under the
    staff user's name (services/business.py); audited."""
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron: Patron = request.app.state.patron
    command = UseEntitlement(MemberRef(id=member_id), entitlement, staff.user.actor, note or None)
    try:
        patron.run(use_entitlement, command)
    except PatronError as exc:
        return _page(request, staff, member_id, use_error=exc.message, status=422)
    return RedirectResponse(
        f"/console/customers/{member_id}?used={entitlement}#business", status_code=303
    )
