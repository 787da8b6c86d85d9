"""Campaigns, for admin keys: create, replace before the first run, list, read one,
preview the audience, launch, stop, and the results against the holdout
(services/campaigns.py, analytics/campaigns.py; docs/campaigns.md). The runs themselves
are `patron campaigns run-due`'s or the worker's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from patron.analytics.campaigns import results
from patron.api import examples
from patron.api import problems as p
from patron.api.campaign_schemas import CampaignCreate, CampaignLaunch, CampaignPublic, CampaignRun
from patron.api.deps import AdminKey, PatronDep
from patron.domain.clock import to_utc_naive
from patron.domain.errors import CampaignExists, CampaignStarted, InvalidInput, NotFound
from patron.services.campaigns import (
    CampaignFacts,
    CreateCampaign,
    EditCampaign,
    LaunchCampaign,
    StopCampaign,
    campaign_inputs,
    create_campaign,
    edit_campaign,
    launch_campaign,
    list_campaigns,
    preview_campaign,
    show_campaign,
    spec_of,
    stop_campaign,
)

router = APIRouter(tags=["campaigns"])
Ref = Annotated[
    str, Path(max_length=50, description="the campaign's id or name", examples=["spring-winback"])
]
UNKNOWN = NotFound("no campaign 'spring'; `patron campaigns list` shows them")
STARTED = CampaignStarted(
    "campaign 'spring' has run 1 time(s) or is done; its audience, content and holdout are"
    " fixed (create a new campaign)",
    campaign_id=1,
)
NO_CONTENT = InvalidInput(
    "campaign 'spring': variant B has no content (subject and text); write it before the"
    " launch, or every message would fail"
)
BAD = InvalidInput("audience.segments: 'winners' is no RFM segment; one of champions, …")


def public(facts: CampaignFacts) -> CampaignPublic:
    c = facts.campaign
    return CampaignPublic(
        id=c.id,
        name=c.name,
        channel=c.channel,
        status=c.status.value,
        audience=c.audience.as_dict(),
        variants=[{"name": v.name, "share": str(v.share)} for v in c.variants],
        holdout_share=c.holdout_share,
        offer=None if c.offer is None else c.offer.as_dict(),
        first_at=c.schedule.first_at,
        every_days=c.schedule.every_days,
        ends_at=c.schedule.ends_at,
        per_hour=c.schedule.per_hour,
        attribution_days=c.attribution_days,
        next_run_at=c.next_run_at,
        runs=[
            CampaignRun(
                run=r.run,
                started_at=r.started_at,
                audience=r.audience,
                holdout=r.holdout,
                queued=r.queued,
                refused=r.refused,
            )
            for r in facts.runs
        ],  # fmt: skip
        members={arm.value: n for arm, n in facts.members.items()},
        variant_members=facts.variants,
        created_at=c.created_at,
        created_by=c.created_by,
    )


def _document(body: CampaignCreate) -> tuple[dict[str, Any], dict[str, Any] | None]:
    found = body.model_dump(exclude={"content"})
    found["holdout_share"] = str(body.holdout_share)
    return {k: v for k, v in found.items() if v is not None}, body.content


@router.post(
    "/v1/campaigns",
    status_code=201,
    response_model=CampaignPublic,
    responses=p.refusals(
        BAD, CampaignExists("a campaign named 'spring' exists already", campaign_id=1)
    ),
)
def create(body: CampaignCreate, patron: PatronDep, principal: AdminKey) -> CampaignPublic:
    """Create a campaign as a draft, with its variants' templates (admin)."""
    document, content = _document(body)
    command = CreateCampaign(spec_of(document), principal.actor, content)
    return public(patron.run(create_campaign, command))


@router.get("/v1/campaigns", responses=p.ok({"data": examples.CAMPAIGN_PUBLIC, "count": 1}))
def get_all(patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """Every campaign with its runs and arms."""
    found = [public(f).model_dump(mode="json") for f in patron.read(list_campaigns)]
    return {"data": found, "count": len(found)}


@router.get(
    "/v1/campaigns/{campaign}", response_model=CampaignPublic, responses=p.refusals(UNKNOWN)
)
def get_one(campaign: Ref, patron: PatronDep, _: AdminKey) -> CampaignPublic:
    """One campaign."""
    return public(patron.read(show_campaign, campaign))


@router.put(
    "/v1/campaigns/{campaign}",
    response_model=CampaignPublic,
    responses=p.refusals(UNKNOWN, STARTED, BAD),
)
def put(
    campaign: Ref, body: CampaignCreate, patron: PatronDep, principal: AdminKey
) -> CampaignPublic:
    """Replace the campaign (and its templates) before its first run."""
    document, content = _document(body)
    command = EditCampaign(campaign, spec_of(document), principal.actor, content)
    return public(patron.run(edit_campaign, command))


@router.get(
    "/v1/campaigns/{campaign}/preview",
    responses={
        **p.ok(examples.CAMPAIGN_PREVIEW),
        **p.refusals(
            UNKNOWN,
            InvalidInput(
                "audience: P(alive) and CLV need a purchase model; the store's history is too"
                " short to fit one"
            ),
        ),
    },
)
def get_preview(
    campaign: Ref,
    request: Request,
    patron: PatronDep,
    _: AdminKey,
    sample: Annotated[int, Query(ge=0, le=500)] = 20,
) -> dict[str, Any]:
    """The audience a run would reach now, how it splits, and a sample of its members."""
    found = patron.read(show_campaign, campaign).campaign
    bases = getattr(request.app.state, "customer_bases", None)
    chosen = patron.campaign_pick(found.audience, bases)
    preview = patron.read(preview_campaign, campaign, chosen, sample)
    return {
        "audience": preview.audience,
        "holdout": preview.holdout,
        "treated": preview.treated,
        "variants": preview.variants,
        "sample": [
            {**r, "last_purchase_at": r["last_purchase_at"].isoformat()
             if r["last_purchase_at"] else None}
            for r in preview.sample
        ],
    }  # fmt: skip


@router.post(
    "/v1/campaigns/{campaign}/launch",
    response_model=CampaignPublic,
    responses=p.refusals(UNKNOWN, STARTED, NO_CONTENT),
)
def launch(
    campaign: Ref, body: CampaignLaunch, patron: PatronDep, principal: AdminKey
) -> CampaignPublic:
    """Schedule the first run (at `at`, its first time, or now)."""
    command = LaunchCampaign(campaign, principal.actor, body.at)
    return public(patron.run(launch_campaign, command))


@router.post(
    "/v1/campaigns/{campaign}/stop", response_model=CampaignPublic, responses=p.refusals(UNKNOWN)
)
def stop(campaign: Ref, patron: PatronDep, principal: AdminKey) -> CampaignPublic:
    """No run more; what is queued stays queued, offers given stay given."""
    return public(patron.run(stop_campaign, StopCampaign(campaign, principal.actor)))


@router.get(
    "/v1/campaigns/{campaign}/results",
    responses={
        **p.ok(examples.CAMPAIGN_RESULTS),
        **p.refusals(UNKNOWN, InvalidInput("campaign 'spring' has not run yet: no results")),
    },
)
def get_results(
    campaign: Ref,
    patron: PatronDep,
    _: AdminKey,
    margin_rate: Annotated[float | None, Query(ge=0, le=1)] = None,
    confidence: Annotated[float, Query(gt=0, lt=1)] = 0.95,
) -> dict[str, Any]:
    """Messages, offers used; treated against holdout over the attribution window with the
    experiments' statistics; the cost and the ROI."""
    inputs = patron.read(campaign_inputs, campaign)
    now = to_utc_naive(patron.clock())
    found = patron.analytics().run(
        lambda con: results(con, inputs, now, margin_rate=margin_rate, confidence=confidence)
    )
    return found.as_dict()
