"""The console's campaigns: the list and a form to create one (with a preview of its
audience before saving), one campaign with its preview, its edit form while it has not
run, launch and stop, and its results against the holdout with a chart (the same as
`patron campaigns results` and `GET /v1/campaigns/{campaign}/results`). Owners and
marketers change campaigns; an analyst reads.

Everything comes from services/campaigns.py and analytics/campaigns.py; the audience's
model criteria are picked from the customer base the console holds for the day
(`app.state.customer_bases`, the customer list's), not fitted per request.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from patron.analytics.campaigns import CampaignResults, results
from patron.analytics.rfm import SEGMENTS
from patron.bootstrap import Patron
from patron.domain.campaigns import Campaign, parse_audience, parse_variants
from patron.domain.clock import to_utc_naive
from patron.domain.errors import NoProgram, PatronError
from patron.services.campaigns import (
    LOCALE,
    CreateCampaign,
    EditCampaign,
    LaunchCampaign,
    StopCampaign,
    campaign_content,
    campaign_inputs,
    create_campaign,
    edit_campaign,
    launch_campaign,
    list_campaigns,
    preview_audience,
    show_campaign,
    spec_of,
    stop_campaign,
)
from patron.services.program import current_program
from patron.web.app_state import patron_of
from patron.web.charts import intervals, svg
from patron.web.console import Staff, StaffDep, refused_change
from patron.web.i18n import _, word
from patron.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False)
CampaignId = Annotated[int, Path(ge=1, le=2**53)]
Text = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=200_000)]
Csrf = Annotated[str, Form(max_length=100)]
FIELDS = (
    "name", "channel", "holdout_share", "segments", "abc", "tiers", "clubs", "categories",
    "p_alive_below", "clv_above", "min_days", "max_days", "consent", "variants", "bonus",
    "multiplier", "offer_categories", "offer_days", "valid_days", "voucher", "first_at",
    "every_days",
    "ends_at", "per_hour", "attribution_days", "subject", "text", "html", "content_variant",
    "content_locale",
)  # fmt: skip


def _bases(request: Request) -> Any:
    return getattr(request.app.state, "customer_bases", None)


def _currency(patron: Patron) -> str | None:
    try:
        return patron.read(current_program)[1].currency
    except NoProgram:
        return None


def _listed(texts: str) -> list[str]:
    return [t.strip() for t in texts.split(",") if t.strip()]


def _document(
    form: dict[str, str], stored: dict[str, list[Any]] | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The campaign's document and its content from the form's fields (empty: none).

    The form has one content box. A new campaign's content goes to every variant. An
    existing campaign's (`stored`, its templates) goes only to the variant and locale the
    form showed (`content_variant`, `content_locale`), so that the other variants keep
    their own; and only when it changed, so that an unchanged save writes nothing. A
    campaign with no content yet gets it in every variant, as a new one."""
    audience: dict[str, Any] = {
        "segments": _listed(form["segments"]), "abc": _listed(form["abc"]),
        "tiers": _listed(form["tiers"]), "clubs": _listed(form["clubs"]),
        "categories": _listed(form["categories"]), "p_alive_below": form["p_alive_below"],
        "clv_above": form["clv_above"], "min_days_since_purchase": form["min_days"],
        "max_days_since_purchase": form["max_days"], "consent": form["consent"] == "on",
    }  # fmt: skip
    audience = {k: v for k, v in audience.items() if v not in ("", [])}
    offer: dict[str, Any] = {
        "bonus": form["bonus"], "multiplier": form["multiplier"],
        "categories": _listed(form["offer_categories"]), "days": form["offer_days"],
        "valid_days": form["valid_days"], "voucher": form["voucher"].strip(),
    }  # fmt: skip
    offer = {k: v for k, v in offer.items() if v not in ("", [])}
    if set(offer) <= {"days"}:
        offer = {}
    variants = []
    for part in _listed(form["variants"]):
        name, _sep, share = part.partition("=")
        variants.append({"name": name.strip(), "share": share.strip() or "1"})
    document: dict[str, Any] = {
        "name": form["name"], "channel": form["channel"] or "email",
        "holdout_share": form["holdout_share"] or "0.1", "audience": audience,
        "offer": offer or None, "variants": variants or None, "first_at": form["first_at"],
        "every_days": form["every_days"], "ends_at": form["ends_at"],
        "per_hour": form["per_hour"], "attribution_days": form["attribution_days"],
    }  # fmt: skip
    content = None
    if form["subject"].strip() or form["text"].strip():
        first = variants[0]["name"] if variants else "A"
        written = {"subject": form["subject"], "text": form["text"], "html": form["html"] or None}
        shown = form["content_variant"]
        if stored and shown:
            locale = form["content_locale"] or "en"
            was = next((t for t in stored.get(shown, []) if t.locale == locale), None)
            same = was is not None and (was.subject, was.text, was.html or None) == (
                written["subject"], written["text"], written["html"]
            )  # fmt: skip
            content = None if same else {shown: written | {"locale": locale}}
        else:
            content = dict.fromkeys([v["name"] for v in variants] or [first], written)
    return document, content


def _shown_content(
    campaign: Campaign, content: dict[str, Any], variant: str | None, locale: str | None
) -> tuple[str | None, str | None, Any]:
    """The variant and locale whose content the form shows, and that content (None: the
    box starts empty). Asked for (`?variant=B&locale=ro`): that one, empty when it has no
    content yet; else the first variant with content, in English first, as the worker
    falls back to it. No variant has content: none (the box writes every variant)."""
    names = [v.name for v in campaign.variants]
    asked = variant in names and (locale is None or LOCALE.fullmatch(locale))
    if variant is not None and asked and any(content.get(n) for n in names):
        written = content.get(variant) or []
        if locale is None:
            locale = min((t.locale for t in written), key=lambda x: (x != "en", x), default="en")
        return variant, locale, next((t for t in written if t.locale == locale), None)
    shown = next((n for n in names if content.get(n)), None)
    if shown is None:
        return None, None, None
    first = min(content[shown], key=lambda t: (t.locale != "en", t.locale))
    return shown, first.locale, first


def _form_of(
    campaign: Campaign,
    content: dict[str, Any],
    variant: str | None = None,
    locale: str | None = None,
) -> dict[str, str]:
    """A campaign's fields as the form shows them, with the content of `variant` in
    `locale` when asked for (`_shown_content`)."""
    a, s, o = campaign.audience, campaign.schedule, campaign.offer
    shown, shown_locale, first = _shown_content(campaign, content, variant, locale)

    def text(value: object) -> str:
        return "" if value is None else str(value)

    return {
        "name": campaign.name, "channel": campaign.channel,
        "holdout_share": str(campaign.holdout_share), "segments": ", ".join(a.segments),
        "abc": ", ".join(a.abc), "tiers": ", ".join(a.tiers), "clubs": ", ".join(a.clubs),
        "categories": ", ".join(a.categories), "p_alive_below": text(a.p_alive_below),
        "clv_above": text(a.clv_above), "min_days": text(a.min_days_since_purchase),
        "max_days": text(a.max_days_since_purchase), "consent": "on" if a.consent else "",
        "variants": ", ".join(f"{v.name}={v.share}" for v in campaign.variants),
        "bonus": text(o and o.bonus), "multiplier": text(o and o.multiplier),
        "offer_categories": ", ".join(o.categories) if o else "",
        "offer_days": text(o and o.days), "valid_days": text(o and o.valid_days),
        "voucher": text(o and o.voucher),
        "first_at": s.first_at.isoformat() if s.first_at else "",
        "every_days": text(s.every_days), "ends_at": s.ends_at.isoformat() if s.ends_at else "",
        "per_hour": text(s.per_hour), "attribution_days": str(campaign.attribution_days),
        "subject": first.subject if first else "", "text": first.text if first else "",
        "html": (first.html or "") if first else "",
        "content_variant": shown or "", "content_locale": shown_locale or "",
    }  # fmt: skip


def _empty_form() -> dict[str, str]:
    form = dict.fromkeys(FIELDS, "")
    form |= {"channel": "email", "holdout_share": "0.1", "consent": "on",
             "variants": "A=1", "attribution_days": "14", "offer_days": "14"}  # fmt: skip
    return form


def _preview(request: Request, document: dict[str, Any], salt: str) -> Any:
    """The audience the form describes, split as it would be drawn."""
    patron = patron_of(request)
    spec = spec_of(document)
    audience = parse_audience(spec.audience)
    chosen = patron.campaign_pick(audience, _bases(request))
    variants = parse_variants(spec.variants)
    return patron.read(
        lambda uow: preview_audience(
            uow, audience, spec.channel, chosen, salt=salt,
            holdout_share=Decimal(str(spec.holdout_share)), variants=variants, sample=10,
        )
    )  # fmt: skip


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns(request: Request, staff: StaffDep) -> Response:
    return _list_page(request, staff, _empty_form())


@router.post("/campaigns", response_class=HTMLResponse)
async def create(request: Request, staff: StaffDep) -> Response:
    form, csrf, action = await _posted(request)
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron = patron_of(request)
    try:
        document, content = _document(form)
        if action == "preview":
            preview = _preview(request, document, "preview")
            return _list_page(request, staff, form, preview=preview)
        command = CreateCampaign(spec_of(document), staff.user.actor, content)
        found = patron.run(create_campaign, command)
    except PatronError as exc:
        return _list_page(request, staff, form, error=exc.message, status=422)
    return RedirectResponse(f"/console/campaigns/{found.campaign.id}", status_code=303)


async def _posted(request: Request) -> tuple[dict[str, str], str, str]:
    """The form's fields (each bounded), its CSRF token and the button pressed."""
    posted = await request.form()
    form = {}
    for name in FIELDS:
        value = posted.get(name, "")
        value = value if isinstance(value, str) else ""
        form[name] = value[: (200_000 if name in ("text", "html") else 2000)]
    csrf = posted.get("csrf", "")
    action = posted.get("action", "save")
    return form, csrf if isinstance(csrf, str) else "", action if isinstance(action, str) else ""


def _list_page(
    request: Request,
    staff: Staff,
    form: dict[str, str],
    *,
    error: str | None = None,
    preview: Any = None,
    status: int = 200,
) -> Response:
    patron = patron_of(request)
    context = {
        "staff": staff,
        "campaigns": patron.read(list_campaigns),
        "may_change": staff.user.role.may_change,
        "form": form,
        "error": error,
        "preview": preview,
        "segments": SEGMENTS,
        "action": "/console/campaigns",
    }
    return render(request, "campaigns.html", context, status_code=status)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign(
    request: Request,
    staff: StaffDep,
    campaign_id: CampaignId,
    variant: Annotated[str | None, Query(max_length=32)] = None,
    locale: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    """The campaign; its form shows the content of `variant` in `locale` when asked."""
    return _page(request, staff, campaign_id, variant=variant, locale=locale or None)


@router.post("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def edit(request: Request, staff: StaffDep, campaign_id: CampaignId) -> Response:
    form, csrf, action = await _posted(request)
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron = patron_of(request)
    try:
        document, content = _document(form, patron.read(campaign_content, str(campaign_id)))
        if action == "preview":
            salt = patron.read(show_campaign, str(campaign_id)).campaign.salt
            preview = _preview(request, document, salt)
            return _page(request, staff, campaign_id, form=form, preview=preview)
        command = EditCampaign(str(campaign_id), spec_of(document), staff.user.actor, content)
        patron.run(edit_campaign, command)
    except PatronError as exc:
        return _page(request, staff, campaign_id, form=form, error=exc.message, status=422)
    return RedirectResponse(f"/console/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/launch", response_class=HTMLResponse)
def launch(
    request: Request, staff: StaffDep, campaign_id: CampaignId, csrf: Csrf = "", at: Text = ""
) -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron = patron_of(request)
    try:
        when = spec_of({"name": "x", "first_at": at}).first_at
        patron.run(launch_campaign, LaunchCampaign(str(campaign_id), staff.user.actor, when))
    except PatronError as exc:
        return _page(request, staff, campaign_id, error=exc.message, status=409)
    return RedirectResponse(f"/console/campaigns/{campaign_id}", status_code=303)


@router.post("/campaigns/{campaign_id}/stop", response_class=HTMLResponse)
def stop(request: Request, staff: StaffDep, campaign_id: CampaignId, csrf: Csrf = "") -> Response:
    refused = refused_change(request, staff, csrf)
    if refused is not None:
        return refused
    patron_of(request).run(stop_campaign, StopCampaign(str(campaign_id), staff.user.actor))
    return RedirectResponse(f"/console/campaigns/{campaign_id}", status_code=303)


def _page(
    request: Request,
    staff: Staff,
    campaign_id: int,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    preview: Any = None,
    status: int = 200,
    variant: str | None = None,
    locale: str | None = None,
) -> Response:
    patron = patron_of(request)
    facts = patron.read(show_campaign, str(campaign_id))
    content = patron.read(campaign_content, str(campaign_id))
    c = facts.campaign
    context: dict[str, Any] = {
        "staff": staff,
        "facts": facts,
        "campaign": c,
        "content": content,
        "may_change": staff.user.role.may_change,
        "form": form or _form_of(c, content, variant, locale),
        "written": {v.name: sorted(t.locale for t in content.get(v.name, [])) for v in c.variants},
        "error": error,
        "preview": preview,
        "segments": SEGMENTS,
        "currency": _currency(patron),
        "action": f"/console/campaigns/{c.id}",
    }
    if preview is None and c.editable():
        try:
            chosen = patron.campaign_pick(c.audience, _bases(request))
            context["preview"] = patron.read(
                lambda uow: preview_audience(
                    uow, c.audience, c.channel, chosen, salt=c.salt,
                    holdout_share=c.holdout_share, variants=c.variants, sample=10,
                )
            )  # fmt: skip
        except PatronError as exc:
            context["preview_error"] = exc.message
    if c.runs:
        try:
            inputs = patron.read(campaign_inputs, str(c.id))
            now = to_utc_naive(patron.clock())
            found = patron.analytics().run(lambda con: results(con, inputs, now))
        except PatronError as exc:
            context["results_error"] = exc.message
        else:
            context |= _shown(found)
    return render(request, "campaign.html", context, status_code=status)


def _shown(found: CampaignResults) -> dict[str, Any]:
    means = [
        {"arm": word(a.arm), "value": a.revenue, "low": a.revenue_low, "high": a.revenue_high}
        for a in found.arms
        if a.members and a.revenue_low is not None
    ]
    chart = None
    if means:
        chart = svg(
            intervals(means, "arm", x_title=_("revenue per member")),
            _("Mean revenue per member, holdout and treated, with its interval"),
        )
    return {"results": found, "chart": chart, "money": found.money_rows()}
