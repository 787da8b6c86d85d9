"""Satisfaction surveys: staff make and close them; members are invited by a signed link
and answer once; a detractor's answer raises an alert.

Design overview. `add_survey` stores an NPS or CSAT survey with its question per locale
(audited). `invite` gives the link of a survey for a member and, optionally, the purchase
that prompted it: the token is signed with the server's secret `surveys.links`
(services/secrets.py), so nothing is written and asking twice gives the same link
(domain/surveys.py). `open_survey` reads a link without spending it (what the page shows);
`respond` stores the answer with its context (the purchase, its shop, the member's tier at
that moment) under the link's unique key: a second answer, even one racing the first, is
refused as `answered`. A detractor's answer (NPS 0–6, CSAT 1–2) writes the outbox event
`survey.detractor` in the same transaction, which webhook subscriptions receive; the
adapter that took the answer may also mail the alert address (web/portal_survey.py).

`survey_invitation` builds the message the purchase journey sends (services/messages.py's
`Outgoing`, keyed `journey:survey:purchase:<id>` so a purchase invites once): the open
survey marked `after_purchase`, or None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from patron.domain import surveys as rules
from patron.domain.audit import AuditAction
from patron.domain.errors import Conflict, NotFound
from patron.domain.events import survey_detractor
from patron.domain.member import Member
from patron.domain.messages import Channel, Kind, Outgoing
from patron.domain.surveys import InvalidSurvey, Invite, Refusal, Survey, SurveyNotFound
from patron.services.members import find_member
from patron.services.secrets import server_secret
from patron.store.surveys import NewResponse, NewSurvey, Response
from patron.store.uow import UnitOfWork

LINK_KEY = "surveys.links"
TEMPLATE = "journey/survey"  # src/patron/engage/templates/journey/survey/<locale>/
JOURNEY = "survey"
PATH = "/portal/survey/"  # the response page (web/portal_survey.py) takes the token after it


@dataclass(frozen=True)
class AddSurvey:
    name: str
    kind: str
    question: Mapping[str, str]
    actor: str
    comment_question: Mapping[str, str] | None = None
    after_purchase: bool = False


@dataclass(frozen=True)
class SetSurveyState:
    survey_id: int
    active: bool
    actor: str


@dataclass(frozen=True)
class Invitation:
    token: str
    url: str  # `public_url` + the page's path and the token; a path alone without one


@dataclass(frozen=True)
class Opened:
    """A link as its page shows it: the survey asked, or why it takes no answer."""

    survey: Survey | None
    refusal: Refusal | None


@dataclass(frozen=True)
class Respond:
    token: str
    score: int
    comment: str | None = None
    locale: str = "en"


@dataclass(frozen=True)
class Answered:
    """An answer stored (its id), or why not; for a detractor, what the alert says."""

    response_id: int | None
    refusal: Refusal | None
    survey: Survey | None = None
    detractor: bool = False
    member: Member | None = None
    response: Response | None = None


def add_survey(uow: UnitOfWork, cmd: AddSurvey) -> Survey:
    name = rules.checked_name(cmd.name)
    kind = rules.checked_kind(cmd.kind)
    question = rules.checked_texts("question", cmd.question, required=True)
    assert question is not None
    comment = rules.checked_texts("comment_question", cmd.comment_question or {}, required=False)
    if cmd.after_purchase:
        _only_after_purchase(uow, None)
    new = NewSurvey(name, kind, question, comment, cmd.after_purchase, uow.now, cmd.actor)
    survey_id = uow.surveys.add(new)
    if survey_id is None:
        raise Conflict(f"name: a survey is named {name!r} already; choose another name")
    details = {"survey_id": survey_id, "name": name, "kind": str(kind)}
    uow.audit.record(uow.now, cmd.actor, AuditAction.SURVEY_ADDED, None, None, details)
    return survey_of(uow, survey_id)


def set_survey_state(uow: UnitOfWork, cmd: SetSurveyState) -> Survey:
    """Close a survey (its links take no more answers) or open it again."""
    survey = uow.surveys.get(cmd.survey_id, lock=True)
    if survey is None:
        raise SurveyNotFound(f"no survey {cmd.survey_id}")
    if survey.active == cmd.active:
        return survey
    if cmd.active and survey.after_purchase:
        _only_after_purchase(uow, survey.id)
    uow.surveys.set_active(survey.id, cmd.active, uow.now)
    action = AuditAction.SURVEY_REOPENED if cmd.active else AuditAction.SURVEY_CLOSED
    details = {"survey_id": survey.id, "name": survey.name}
    uow.audit.record(uow.now, cmd.actor, action, None, None, details)
    return survey_of(uow, survey.id)


def _only_after_purchase(uow: UnitOfWork, survey_id: int | None) -> None:
    """One open survey at a time is the one the purchase journey invites to."""
    taken = uow.surveys.after_purchase()
    if taken is not None and taken.id != survey_id:
        raise Conflict(
            f"after_purchase: survey {taken.id} ({taken.name!r}) is the open survey after"
            " a purchase; close it first"
        )


def survey_of(uow: UnitOfWork, survey_id: int) -> Survey:
    survey = uow.surveys.get(survey_id)
    if survey is None:
        raise SurveyNotFound(f"no survey {survey_id}")
    return survey


def all_surveys(uow: UnitOfWork) -> list[Survey]:
    return uow.surveys.all()


def latest_responses(uow: UnitOfWork, survey_id: int, limit: int = 100) -> list[Response]:
    survey_of(uow, survey_id)
    return uow.surveys.responses(survey_id, limit)


def invite(
    uow: UnitOfWork,
    survey_id: int,
    member_id: int,
    purchase_id: int | None,
    *,
    public_url: str = "",
) -> Invitation:
    """The link inviting `member_id` to answer survey `survey_id` about `purchase_id` (or
    none): the same link every time for the same three. The survey must be open, the
    member not erased, the purchase the member's."""
    survey = survey_of(uow, survey_id)
    if not survey.active:
        raise InvalidSurvey(f"survey_id: survey {survey_id} is closed; open it to invite")
    member = find_member(uow, member_id)
    if member.erased_at is not None:
        raise InvalidSurvey(f"member_id: member {member_id} was erased")
    if purchase_id is not None:
        purchase = uow.purchases.get(purchase_id)
        if purchase is None or purchase.member_id != member_id:
            raise NotFound(f"purchase_id: member {member_id} has no purchase {purchase_id}")
    token = rules.sign(_secret(uow), Invite(survey_id, member_id, purchase_id))
    return Invitation(token, f"{public_url.rstrip('/')}{PATH}{quote(token)}")


def survey_invitation(
    uow: UnitOfWork, member_id: int, purchase_id: int, *, public_url: str = ""
) -> Outgoing | None:
    """The e-mail inviting `member_id` to the open survey marked `after_purchase` about
    `purchase_id` (template `journey/survey`, `context.survey_url` its link), keyed once
    per purchase; None when no such survey is open or the member was erased. A marketing
    message: the message core's gate (consent, suppressions, the frequency cap) decides
    whether it goes."""
    survey = uow.surveys.after_purchase()
    member = uow.members.get(member_id)
    if survey is None or member is None or member.erased_at is not None:
        return None
    link = invite(uow, survey.id, member_id, purchase_id, public_url=public_url)
    return Outgoing(
        member_id=member_id,
        channel=Channel.EMAIL,
        template=TEMPLATE,
        key=f"journey:survey:purchase:{purchase_id}",
        kind=Kind.MARKETING,
        journey=JOURNEY,
        context={"survey_url": link.url, "survey_id": survey.id, "purchase_id": purchase_id},
    )


def open_survey(uow: UnitOfWork, token: str) -> Opened:
    """The survey a link asks, or why it takes no answer; reads only (a mail scanner that
    opens the link spends nothing)."""
    invite_, survey, refusal = _checked(uow, token)
    if invite_ is not None and refusal is None and uow.surveys.response(invite_.key):
        refusal = Refusal.ANSWERED
    return Opened(survey if refusal is None else None, refusal)


def respond(uow: UnitOfWork, cmd: Respond) -> Answered:
    """Store the answer of the link `cmd.token` once, with its context; a detractor's
    writes `survey.detractor`. A bad score or comment raises InvalidSurvey."""
    invite_, survey, refusal = _checked(uow, cmd.token)
    if refusal is not None or invite_ is None or survey is None:
        return Answered(None, refusal or Refusal.UNKNOWN)
    score = rules.checked_score(survey.kind, cmd.score)
    comment = rules.checked_comment(cmd.comment)
    member = find_member(uow, invite_.member_id)
    shop = None
    if invite_.purchase_id is not None:
        purchase = uow.purchases.get(invite_.purchase_id)
        shop = None if purchase is None else purchase.shop
    locale = cmd.locale if cmd.locale in rules.LOCALES else "en"
    new = NewResponse(
        survey.id, member.id, invite_.purchase_id, invite_.key, score, comment, locale,
        uow.now, shop, member.tier,
    )  # fmt: skip
    response_id = uow.surveys.add_response(new)
    if response_id is None:
        return Answered(None, Refusal.ANSWERED)
    detractor = rules.is_detractor(survey.kind, score)
    if detractor:
        event = survey_detractor(
            member.id, uow.now, survey.id, response_id, str(survey.kind), score,
            invite_.purchase_id,
        )  # fmt: skip
        uow.outbox.add([event], uow.now)
    return Answered(response_id, None, survey, detractor, member, uow.surveys.response(invite_.key))


def _checked(uow: UnitOfWork, token: str) -> tuple[Invite | None, Survey | None, Refusal | None]:
    secret = uow.secrets.get(LINK_KEY)  # none yet: no link was ever made, none is good
    invite_ = None if secret is None else rules.read_token(secret, token)
    if invite_ is None:
        return None, None, Refusal.UNKNOWN
    survey = uow.surveys.get(invite_.survey_id)
    member = uow.members.get(invite_.member_id)
    if survey is None or member is None:
        return invite_, None, Refusal.UNKNOWN
    if member.erased_at is not None:
        return invite_, None, Refusal.ERASED
    if not survey.active:
        return invite_, None, Refusal.CLOSED
    return invite_, survey, None


def _secret(uow: UnitOfWork) -> str:
    return server_secret(uow, LINK_KEY)
