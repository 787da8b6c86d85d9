"""The portal's survey page: a member answers an NPS or CSAT survey by the link they were
sent, without logging in (the signed token names them), once.

Design overview. `GET /portal/survey/{token}` reads the link (services/surveys.open_survey:
a mail scanner that opens it spends nothing) and shows the question in the shop's locale:
one radio button per point of the scale in a fieldset, and the comment's box when the
survey asks for one. It works without JavaScript. The form carries a CSRF token in a
cookie of its own (the double submit of the login form, web/portal.py), so another site
cannot answer in a member's name. `POST` stores the answer once (services/surveys.respond:
a second answer, even one sent at the same moment, finds the link answered and is told
so); a link that is unknown, answered, closed or of an erased member gets a page saying
which. A detractor's answer is mailed to `PATRON_SURVEY_ALERT_EMAIL` when set (the outbox
event is written whatever the mail does; a mail that fails is logged, the member thanked).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from patron.domain.surveys import COMMENT_LENGTH, SCALES, Refusal, Survey, SurveyKind
from patron.domain.surveys import InvalidSurvey as Invalid
from patron.engage.channels.mail import MailNotSent
from patron.engage.transactional import survey_alert
from patron.services.surveys import Answered, Respond, open_survey, respond
from patron.web.app_state import patron_of
from patron.web.i18n import N_, _, current
from patron.web.portal import form_token_ok, mailer, with_form_token
from patron.web.templating import render

router = APIRouter(prefix="/portal/survey", include_in_schema=False)
log = logging.getLogger("patron.portal")

REFUSED: dict[Refusal, tuple[int, str]] = {
    Refusal.UNKNOWN: (
        404,
        N_("This survey link is not valid: copy the whole link from the message."),
    ),
    Refusal.ANSWERED: (
        409,
        N_("This survey was answered already with this link: thank you, one answer counts."),
    ),
    Refusal.CLOSED: (410, N_("This survey is closed: it takes no more answers.")),
    Refusal.ERASED: (410, N_("This survey link no longer works.")),
}
# the words at both ends of each scale
ENDS: dict[SurveyKind, tuple[str, str]] = {
    SurveyKind.NPS: (N_("Not at all likely"), N_("Extremely likely")),
    SurveyKind.CSAT: (N_("Very dissatisfied"), N_("Very satisfied")),
}


@router.get("/{token}", response_class=HTMLResponse)
def survey_page(request: Request, token: str) -> Response:
    """The question and its scale; reads the link only."""
    opened = patron_of(request).read(open_survey, token)
    if opened.survey is None:
        return _refused(request, opened.refusal or Refusal.UNKNOWN)
    return _form(request, token, opened.survey)


@router.post("/{token}", response_class=HTMLResponse)
def answer(
    request: Request,
    token: str,
    score: Annotated[int | None, Form(ge=0, le=10)] = None,
    comment: Annotated[str, Form(max_length=COMMENT_LENGTH)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    patron = patron_of(request)
    opened = patron.read(open_survey, token)
    if opened.survey is None:
        return _refused(request, opened.refusal or Refusal.UNKNOWN)
    survey = opened.survey
    if not form_token_ok(request, csrf):
        error = _("The page expired: please choose your answer and send it again.")
        return _form(request, token, survey, error=error, comment=comment, status=403)
    if score is None:
        error = _("Choose a score, then send the form.")
        return _form(request, token, survey, error=error, comment=comment, status=422)
    try:
        done = patron.run(respond, Respond(token, score, comment, current().split("_")[0]))
    except Invalid:
        error = _("Choose a score on the scale shown, then send the form.")
        return _form(request, token, survey, error=error, comment=comment, status=422)
    if done.refusal is not None:
        return _refused(request, done.refusal)
    if done.detractor:
        _alert(request, done)
    response = render(request, "portal_survey_done.html", {"survey": survey})
    response.delete_cookie("patron_member_csrf", path="/portal")
    return response


def _form(
    request: Request,
    token: str,
    survey: Survey,
    *,
    error: str | None = None,
    comment: str = "",
    status: int = 200,
) -> Response:
    locale = current().split("_")[0]
    low, high = ENDS[survey.kind]
    context = {
        "survey": survey,
        "token": token,
        "question": survey.asked(locale),
        "comment_question": survey.comment_asked(locale),
        "scale": list(SCALES[survey.kind]),
        "low": _(low),
        "high": _(high),
        "error": error,
        "comment": comment,
        "comment_length": COMMENT_LENGTH,
    }
    return with_form_token(request, "portal_survey.html", context, status)


def _refused(request: Request, refusal: Refusal) -> Response:
    status, message = REFUSED[refusal]
    return render(request, "portal_survey_refused.html", {"message": _(message)}, status)


def _alert(request: Request, done: Answered) -> None:
    """Mail a detractor's answer to the alert address, when one is set."""
    to = getattr(request.app.state, "survey_alert_email", None)
    if not to or done.survey is None or done.member is None or done.response is None:
        return
    message = survey_alert(
        to,
        survey=done.survey.name,
        kind=str(done.survey.kind),
        score=done.response.score,
        comment=done.response.comment,
        member=done.member.external_id,
        purchase_id=done.response.purchase_id,
        answered_at=f"{done.response.responded_at:%Y-%m-%d %H:%M}",
    )
    try:
        mailer(request).send(message)
    except MailNotSent as exc:
        log.error("a survey alert was not sent (response %s): %s", done.response_id, exc)
