"""The bodies and answers of `/v1/clubs` (services/clubs.py, docs/clubs.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from patron.api import examples as story
from patron.api.schemas import MAX_ID, Answer, Key, Reason, UtcTime, examples
from patron.domain.clubs import Step


class ClubPublic(BaseModel):
    """A club of the program with how many members, invitations and requests it has."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CLUB_PUBLIC))

    id: str = Field(description="the club's id in the program file")
    name: str = Field(description="its name")
    join: str = Field(description="invitation, request or rule")
    multiplier: str = Field(description="the multiplier on its members' lines, a decimal")
    categories: list[str] = Field(description="the categories it applies to; empty: every line")
    benefits: list[str] = Field(description="what its members are told they get")
    members: int = Field(description="members now")
    invited: int = Field(description="invitations not yet accepted")
    requested: int = Field(description="requests waiting for a decision")


class ClubMemberPublic(Answer):
    """Where a member stands in a club, and since when."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CLUB_MEMBER_PUBLIC))

    member_id: int = Field(description="the member")
    standing: str = Field(description="invited, requested or member")
    since: UtcTime = Field(description="when they came to stand so")


class ClubChangePublic(Answer):
    """A line of a club's history: who, what, when and why."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CLUB_CHANGE_PUBLIC))

    club_id: str = Field(description="the club")
    member_id: int = Field(description="the member")
    change: str = Field(description="invited, requested, joined, refused, declined or left")
    at: UtcTime = Field(description="when")
    actor: str = Field(description="who: a staff user or key, `member:<id>`, or `rule`")
    reason: str | None = Field(description="why, as given; the window for a rule")


class ClubStepCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples(*story.CLUB_STEP))

    member_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="the member by Patron's id"
    )
    external_id: Key | None = Field(None, description="the member by your customer id")
    step: Step = Field(
        description="invite, add, remove, approve, refuse (staff); request, accept, decline"
        " (for the member)"
    )
    reason: Reason | None = Field(None, description="why (kept in the club's history)")

    @model_validator(mode="after")
    def _one(self) -> ClubStepCreate:
        if (self.member_id is None) == (self.external_id is None):
            raise ValueError("give exactly one of member_id or external_id")
        return self


class ClubStepped(Answer):
    """What a step changed: the history line it wrote and where the member stands now."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CLUB_STEPPED))

    club_id: str = Field(description="the club")
    member_id: int = Field(description="the member")
    change: str = Field(description="the history line written")
    standing: str | None = Field(description="invited, requested or member; null: out of it")
    at: UtcTime = Field(description="when")


class ClubEvaluated(Answer):
    """A rule club's evaluation: the members it admitted and removed (none on a rerun)."""

    model_config = ConfigDict(json_schema_extra=examples(*story.CLUB_EVALUATED))

    club_id: str = Field(description="the club")
    admitted: list[int] = Field(description="members the rule now holds for, let in")
    removed: list[int] = Field(description="members it no longer holds for, taken out")
