"""The surveys repository: surveys added, read, closed and reopened; answers added once
per invitation (a second one, even at the same moment, finds the unique key taken)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.exc import IntegrityError

from patron.domain.surveys import Survey, SurveyKind
from patron.store import tables as t
from patron.store.base import Repo, insert_row

_S = t.surveys
_R = t.survey_responses


@dataclass(frozen=True, slots=True)
class NewSurvey:
    name: str
    kind: SurveyKind
    question: dict[str, str]
    comment_question: dict[str, str] | None
    after_purchase: bool
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class NewResponse:
    survey_id: int
    member_id: int
    purchase_id: int | None
    invitation: str
    score: int
    comment: str | None
    locale: str
    responded_at: datetime
    shop: str | None
    tier: str


@dataclass(frozen=True, slots=True)
class Response:
    id: int
    survey_id: int
    member_id: int
    purchase_id: int | None
    score: int
    comment: str | None
    locale: str
    responded_at: datetime
    shop: str | None
    tier: str


def _survey(row: Row[Any]) -> Survey:
    return Survey(
        id=int(row.id),
        name=row.name,
        kind=SurveyKind(row.kind),
        question=dict(row.question),
        comment_question=None if row.comment_question is None else dict(row.comment_question),
        after_purchase=bool(row.after_purchase),
        active=bool(row.active),
        created_at=row.created_at,
        created_by=row.created_by,
        closed_at=row.closed_at,
    )


def _response(row: Row[Any]) -> Response:
    return Response(
        id=int(row.id),
        survey_id=int(row.survey_id),
        member_id=int(row.member_id),
        purchase_id=None if row.purchase_id is None else int(row.purchase_id),
        score=int(row.score),
        comment=row.comment,
        locale=row.locale,
        responded_at=row.responded_at,
        shop=row.shop,
        tier=row.tier,
    )


class Surveys(Repo):
    def add(self, new: NewSurvey) -> int | None:
        """The new survey's id, or None when its name is taken."""
        values = {
            "name": new.name,
            "kind": str(new.kind),
            "question": new.question,
            "comment_question": new.comment_question,
            "after_purchase": new.after_purchase,
            "active": True,
            "created_at": new.created_at,
            "created_by": new.created_by,
        }
        try:
            with self.conn.begin_nested():
                return insert_row(self.conn, _S, values)
        except IntegrityError:
            return None

    def get(self, survey_id: int, *, lock: bool = False) -> Survey | None:
        query = select(_S).where(_S.c.id == survey_id)
        row = self.conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _survey(row)

    def by_name(self, name: str) -> Survey | None:
        row = self.conn.execute(select(_S).where(_S.c.name == name)).first()
        return None if row is None else _survey(row)

    def all(self) -> list[Survey]:
        return [_survey(r) for r in self.conn.execute(select(_S).order_by(_S.c.id))]

    def after_purchase(self) -> Survey | None:
        """The open survey the purchase journey invites to (the latest made, if several)."""
        query = (
            select(_S)
            .where(_S.c.active.is_(True), _S.c.after_purchase.is_(True))
            .order_by(_S.c.id.desc())
            .limit(1)
        )
        row = self.conn.execute(query).first()
        return None if row is None else _survey(row)

    def set_active(self, survey_id: int, active: bool, at: datetime) -> None:
        values = {"active": active, "closed_at": None if active else at}
        self.conn.execute(update(_S).where(_S.c.id == survey_id).values(**values))

    def add_response(self, new: NewResponse) -> int | None:
        """The answer's id, or None when its invitation was answered already."""
        values = {
            "survey_id": new.survey_id,
            "member_id": new.member_id,
            "purchase_id": new.purchase_id,
            "invitation": new.invitation,
            "score": new.score,
            "comment": new.comment,
            "locale": new.locale,
            "responded_at": new.responded_at,
            "shop": new.shop,
            "tier": new.tier,
        }
        try:
            with self.conn.begin_nested():
                return insert_row(self.conn, _R, values)
        except IntegrityError:
            return None

    def response(self, invitation: str) -> Response | None:
        row = self.conn.execute(select(_R).where(_R.c.invitation == invitation)).first()
        return None if row is None else _response(row)

    def responses(self, survey_id: int, limit: int = 100) -> list[Response]:
        """The survey's latest answers, newest first."""
        query = (
            select(_R)
            .where(_R.c.survey_id == survey_id)
            .order_by(_R.c.responded_at.desc(), _R.c.id.desc())
            .limit(limit)
        )
        return [_response(r) for r in self.conn.execute(query)]
