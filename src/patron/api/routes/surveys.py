"""Satisfaction surveys for admin keys: make an NPS or CSAT survey, list, close and open
it, invite a member (the link), read the answers and the results by group
(docs/surveys.md). Members answer in the portal, never through the API.

An invitation is idempotent by its nature (the same survey, member and purchase give the
same signed link), so it takes no `Idempotency-Key`; a creation is refused on a taken
name, so a retried one answers 409 and makes nothing twice.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from patron.analytics.surveys import SurveyResults, results_of
from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.schemas import UtcTime, examples
from patron.domain.errors import Conflict, NotFound
from patron.domain.surveys import (
    COMMENT_LENGTH,
    NAME_LENGTH,
    QUESTION_LENGTH,
    InvalidSurvey,
    Survey,
    SurveyNotFound,
)
from patron.services import surveys as uc
from patron.services.queries import data_version

router = APIRouter(prefix="/v1/surveys", tags=["surveys"])
NO_SURVEY = SurveyNotFound("no survey 7")
SurveyId = Annotated[int, Path(ge=1, le=2**62, description="the survey's id", examples=[1])]
Texts = dict[Literal["en", "ro"], Annotated[str, Field(max_length=QUESTION_LENGTH)]]
_SURVEY = {
    "id": 1,
    "name": "after a purchase",
    "kind": "nps",
    "question": {
        "en": "How likely are you to recommend us to a friend?",
        "ro": "Cât de probabil este să ne recomandați unui prieten?",
    },
    "comment_question": {"en": "What is the main reason for your score?"},
    "after_purchase": True,
    "active": True,
    "created_at": "2026-11-26T09:00:00Z",
    "created_by": "apikey:ana",
    "closed_at": None,
}
_TOKEN = "1.17.1042.q0Zr6b9w0bW1aJm3lJx0aVv6yq0K1tQqv3Wj2o3Vx2E"
_RESPONSE = {
    "id": 5,
    "member_id": 17,
    "purchase_id": 1042,
    "score": 6,
    "comment": "The queue was long",
    "locale": "en",
    "responded_at": "2026-11-26T10:12:00Z",
    "shop": "north",
    "tier": "Silver",
}
_GROUP = {"group": "Silver", "answers": 20, "top": 11, "middle": 5, "bottom": 4, "score": 35.0}


class SurveyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples(
            {k: _SURVEY[k] for k in ("name", "kind", "question", "comment_question")}
            | {"after_purchase": True},
            {"name": "delivery", "kind": "csat", "question": {"en": "How satisfied are you?"}},
        ),
    )

    name: str = Field(min_length=1, max_length=NAME_LENGTH, description="unique; what it is")
    kind: Literal["nps", "csat"] = Field(description="nps: 0–10; csat: 1–5")
    question: Texts = Field(description="the question per locale; en required")
    comment_question: Texts | None = Field(None, description="an optional comment's question")
    after_purchase: bool = Field(
        False, description="the survey the purchase journey invites to (one open at a time)"
    )


class SurveyPublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(_SURVEY))

    id: int = Field(description="names the survey in the paths")
    name: str = Field(description="what it is; unique")
    kind: str = Field(description="nps or csat")
    question: dict[str, str] = Field(description="the question per locale")
    comment_question: dict[str, str] | None = Field(description="the comment's question")
    after_purchase: bool = Field(description="the survey the purchase journey invites to")
    active: bool = Field(description="false once closed: its links take no answer")
    created_at: UtcTime = Field(description="when it was made")
    created_by: str = Field(description="the actor: apikey:<name>, a staff user, the CLI's user")
    closed_at: UtcTime | None = Field(description="when it was closed; null while open")


class InvitationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra=examples({"member_id": 17, "purchase_id": 1042})
    )

    member_id: int = Field(ge=1, le=2**62, description="Patron's id of the member")
    purchase_id: int | None = Field(
        None, ge=1, le=2**62, description="the member's purchase that prompted it"
    )


class InvitationPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {"token": _TOKEN, "url": f"https://loyalty.shop.example/portal/survey/{_TOKEN}"}
        )
    )

    token: str = Field(description="the signed token; the same for the same three ids")
    url: str = Field(description="the response page (PATRON_PUBLIC_URL + path)")


class ResponsePublic(BaseModel):
    model_config = ConfigDict(json_schema_extra=examples(_RESPONSE))

    id: int = Field(description="the answer's id")
    member_id: int = Field(description="who answered")
    purchase_id: int | None = Field(description="the purchase that prompted it, if any")
    score: int = Field(description="0–10 (nps) or 1–5 (csat)")
    comment: str | None = Field(max_length=COMMENT_LENGTH, description="the member's words")
    locale: str = Field(description="the page's language when answered")
    responded_at: UtcTime = Field(description="when")
    shop: str | None = Field(description="the shop of the purchase, if any")
    tier: str = Field(description="the member's tier when they answered")


def _public(s: Survey) -> SurveyPublic:
    return SurveyPublic(
        id=s.id,
        name=s.name,
        kind=str(s.kind),
        question=dict(s.question),
        comment_question=None if s.comment_question is None else dict(s.comment_question),
        after_purchase=s.after_purchase,
        active=s.active,
        created_at=s.created_at,
        created_by=s.created_by,
        closed_at=s.closed_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=SurveyPublic,
    responses=p.refusals(
        Conflict("name: a survey is named 'after a purchase' already; choose another name"),
        InvalidSurvey("question: give the question in English (en)"),
    ),
)
def create(body: SurveyCreate, patron: PatronDep, principal: AdminKey) -> SurveyPublic:
    """Make an NPS or CSAT survey, open (admin)."""
    command = uc.AddSurvey(
        body.name,
        body.kind,
        {str(k): v for k, v in body.question.items()},
        principal.actor,
        None
        if body.comment_question is None
        else {str(k): v for k, v in body.comment_question.items()},
        body.after_purchase,
    )
    return _public(patron.run(uc.add_survey, command))


@router.get("", responses=p.ok({"data": [_SURVEY], "count": 1}))
def get_all(patron: PatronDep, _: AdminKey) -> dict[str, Any]:
    """Every survey, oldest first, open and closed."""
    found = [_public(s).model_dump(mode="json") for s in patron.read(uc.all_surveys)]
    return {"data": found, "count": len(found)}


@router.get("/{survey_id}", response_model=SurveyPublic, responses=p.refusals(NO_SURVEY))
def get_one(survey_id: SurveyId, patron: PatronDep, _: AdminKey) -> SurveyPublic:
    """One survey."""
    return _public(patron.read(uc.survey_of, survey_id))


@router.post("/{survey_id}/close", response_model=SurveyPublic, responses=p.refusals(NO_SURVEY))
def close(survey_id: SurveyId, patron: PatronDep, principal: AdminKey) -> SurveyPublic:
    """Close a survey: its links take no more answers (audited)."""
    command = uc.SetSurveyState(survey_id, False, principal.actor)
    return _public(patron.run(uc.set_survey_state, command))


@router.post(
    "/{survey_id}/open",
    response_model=SurveyPublic,
    responses=p.refusals(
        NO_SURVEY,
        Conflict("after_purchase: survey 2 ('delivery') is the open survey after a purchase"),
    ),
)
def reopen(survey_id: SurveyId, patron: PatronDep, principal: AdminKey) -> SurveyPublic:
    """Open a closed survey again (audited)."""
    command = uc.SetSurveyState(survey_id, True, principal.actor)
    return _public(patron.run(uc.set_survey_state, command))


@router.post(
    "/{survey_id}/invitations",
    response_model=InvitationPublic,
    responses=p.refusals(
        NO_SURVEY,
        NotFound("purchase_id: member 17 has no purchase 1042"),
        InvalidSurvey("survey_id: survey 7 is closed; open it to invite"),
    ),
)
def invite(
    survey_id: SurveyId,
    body: InvitationCreate,
    request: Request,
    patron: PatronDep,
    _: AdminKey,
) -> InvitationPublic:
    """The member's link to the survey (the same every time for the same ids), to send
    through any channel."""
    base = getattr(request.app.state, "public_url", None) or ""
    found = patron.run(
        lambda uow, _: uc.invite(uow, survey_id, body.member_id, body.purchase_id, public_url=base),
        None,
    )
    return InvitationPublic(token=found.token, url=found.url)


@router.get(
    "/{survey_id}/responses",
    responses={**p.ok({"data": [_RESPONSE], "count": 1}), **p.refusals(NO_SURVEY)},
)
def responses(
    survey_id: SurveyId,
    patron: PatronDep,
    _: AdminKey,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The latest answers, newest first, with their context."""
    found = [
        ResponsePublic(**{k: getattr(r, k) for k in ResponsePublic.model_fields}).model_dump(
            mode="json"
        )
        for r in patron.read(uc.latest_responses, survey_id, limit)
    ]
    return {"data": found, "count": len(found)}


@router.get(
    "/{survey_id}/results",
    responses={
        **p.ok({"survey_id": 1, "name": "after a purchase", "kind": "nps", "by": "tier",
                "data": [_GROUP]}),
        **p.refusals(NO_SURVEY),
    },
)  # fmt: skip
def results(
    survey_id: SurveyId,
    patron: PatronDep,
    _: AdminKey,
    by: Annotated[Literal["all", "tier", "rfm", "club", "month", "shop"], Query()] = "all",
) -> dict[str, Any]:
    """Answers counted by group (top, middle, bottom band) with NPS or CSAT per group."""
    found = results_of(patron.analytics(), patron.read(data_version), survey_id, by)
    return results_document(found)


def results_document(found: SurveyResults) -> dict[str, Any]:
    return {
        "survey_id": found.survey_id,
        "name": found.name,
        "kind": str(found.kind),
        "by": found.by,
        "data": [vars(g) for g in found.groups],
    }
