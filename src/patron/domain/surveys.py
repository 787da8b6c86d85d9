"""Satisfaction surveys: NPS and CSAT, their scales, the signed link a member answers by,
and the scores a set of answers gives.

Design overview. A survey is of one kind: `nps` asks "how likely are you to recommend…"
on 0–10, `csat` asks "how satisfied…" on 1–5; its question (and an optional comment
question) is written per locale, English always. A member answers through a link whose
token names the survey, the member and, optionally, the purchase that prompted it, signed
with the server's secret (HMAC-SHA256, `sign`): nothing is stored when a link is made,
the same three always give the same link (an invitation is idempotent), and a token
nobody signed, or one altered, names nothing (`read_token`). One answer per token: the
store keys answers by `invitation_key`, unique, so two submits at once cannot both count.

The scores, from counts (`Tally`):

    NPS  = 100 × (promoters − detractors) / answers   promoters 9–10, detractors 0–6
    CSAT = 100 × satisfied / answers                  satisfied 4–5

An answer in the bottom band (NPS 0–6, CSAT 1–2) is a detractor's: it raises an alert
(`is_detractor`). With no answers a score is None, never 0.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from patron.domain.errors import InvalidInput, NotFound

NAME_LENGTH = 100
QUESTION_LENGTH = 500
COMMENT_LENGTH = 2000
LOCALES = ("en", "ro")  # the locales a question may be written in; English is required
MAX_TOKEN_LENGTH = 200  # longer text is no token of ours and is not read
_SIGNATURE_CHARS = 43  # URL-safe base64 of the 32 bytes of an HMAC-SHA256, unpadded


class SurveyKind(StrEnum):
    NPS = "nps"  # 0–10: how likely are you to recommend us to a friend?
    CSAT = "csat"  # 1–5: how satisfied are you with…?


SCALES: Mapping[SurveyKind, range] = {SurveyKind.NPS: range(0, 11), SurveyKind.CSAT: range(1, 6)}
TOP: Mapping[SurveyKind, range] = {SurveyKind.NPS: range(9, 11), SurveyKind.CSAT: range(4, 6)}
BOTTOM: Mapping[SurveyKind, range] = {SurveyKind.NPS: range(0, 7), SurveyKind.CSAT: range(1, 3)}


class InvalidSurvey(InvalidInput):
    """A survey or an answer that breaks a rule; the message names the field."""

    code = "survey_invalid"


class SurveyNotFound(NotFound):
    code = "survey_not_found"


class Refusal(StrEnum):
    """Why a survey link takes no answer, each told apart on the page."""

    UNKNOWN = "unknown"  # no link of ours: cut, altered, or from another server
    CLOSED = "closed"  # the survey was closed
    ANSWERED = "answered"  # this link was answered once already
    ERASED = "erased"  # the member's personal data was erased


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    name: str
    kind: SurveyKind
    question: Mapping[str, str]  # locale -> text; "en" always there
    comment_question: Mapping[str, str] | None
    after_purchase: bool  # the survey the purchase journey invites to
    active: bool
    created_at: datetime
    created_by: str
    closed_at: datetime | None = None

    def asked(self, locale: str) -> str:
        """The question in `locale`, else in English."""
        return self.question.get(locale) or self.question["en"]

    def comment_asked(self, locale: str) -> str | None:
        if self.comment_question is None:
            return None
        return self.comment_question.get(locale) or self.comment_question.get("en")


@dataclass(frozen=True, slots=True)
class Invite:
    """What a token names."""

    survey_id: int
    member_id: int
    purchase_id: int | None

    @property
    def key(self) -> str:
        return invitation_key(self.survey_id, self.member_id, self.purchase_id)


@dataclass(frozen=True, slots=True)
class Tally:
    """Answers counted: all, those in the top band and those in the bottom band."""

    answers: int
    top: int
    bottom: int

    def score(self, kind: SurveyKind) -> float | None:
        """NPS (−100…100) or CSAT (0…100), or None without answers."""
        if not self.answers:
            return None
        if kind is SurveyKind.NPS:
            return 100.0 * (self.top - self.bottom) / self.answers
        return 100.0 * self.top / self.answers


def checked_name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > NAME_LENGTH:
        raise InvalidSurvey(f"name: give 1 to {NAME_LENGTH} characters")
    return text


def checked_kind(kind: str) -> SurveyKind:
    try:
        return SurveyKind(kind)
    except ValueError:
        raise InvalidSurvey(f"kind: {kind!r} is not one of nps, csat") from None


def checked_texts(field: str, texts: Mapping[str, str], *, required: bool) -> dict[str, str] | None:
    """A question per locale: only known locales, English when any is given, each text
    1–QUESTION_LENGTH characters. None for an optional question given in no locale."""
    found = {locale: text.strip() for locale, text in texts.items() if text.strip()}
    unknown = sorted(set(found) - set(LOCALES))
    if unknown:
        raise InvalidSurvey(f"{field}: unknown locale {unknown[0]!r}; known: {', '.join(LOCALES)}")
    if not found:
        if required:
            raise InvalidSurvey(f"{field}: give the question in English (en)")
        return None
    if "en" not in found:
        raise InvalidSurvey(f"{field}: give the question in English (en) too")
    for locale, text in found.items():
        if len(text) > QUESTION_LENGTH:
            raise InvalidSurvey(f"{field}.{locale}: at most {QUESTION_LENGTH} characters")
    return {locale: found[locale] for locale in LOCALES if locale in found}


def checked_score(kind: SurveyKind, score: int) -> int:
    scale = SCALES[kind]
    if score not in scale:
        raise InvalidSurvey(f"score: {score} is outside {scale.start}–{scale.stop - 1} ({kind})")
    return score


def checked_comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > COMMENT_LENGTH:
        raise InvalidSurvey(f"comment: at most {COMMENT_LENGTH} characters")
    return text or None


def is_detractor(kind: SurveyKind, score: int) -> bool:
    return score in BOTTOM[kind]


def band(kind: SurveyKind, score: int) -> str:
    """promoter / passive / detractor (NPS), satisfied / neutral / dissatisfied (CSAT)."""
    if kind is SurveyKind.NPS:
        return (
            "promoter"
            if score in TOP[kind]
            else "detractor"
            if is_detractor(kind, score)
            else "passive"
        )
    return (
        "satisfied"
        if score in TOP[kind]
        else "dissatisfied"
        if is_detractor(kind, score)
        else "neutral"
    )


def invitation_key(survey_id: int, member_id: int, purchase_id: int | None) -> str:
    """The unique key of an answer: one per survey, member and purchase (or none)."""
    return f"{survey_id}:{member_id}:{purchase_id if purchase_id is not None else '-'}"


def sign(secret: str, invite: Invite) -> str:
    """The token of `invite`: its three ids and their signature, `S.M.P.SIG` (P is 0 for
    no purchase). The same invite and secret always give the same token."""
    body = f"{invite.survey_id}.{invite.member_id}.{invite.purchase_id or 0}"
    return f"{body}.{_signature(secret, body)}"


def read_token(secret: str, token: str) -> Invite | None:
    """The invite `token` names, or None when it is no token signed with `secret`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() for p in parts[:3]):
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _signature(secret, body)):
        return None
    survey_id, member_id, purchase_id = (int(p) for p in parts[:3])
    if survey_id < 1 or member_id < 1:
        return None
    return Invite(survey_id, member_id, purchase_id or None)


def _signature(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"patron.survey:{body}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_CHARS]
