"""Clubs for admin keys: the program's clubs, a club's members, invitations and requests,
its history, a step (invite, add, remove, approve, refuse; or request, accept, decline
for the member), and the evaluation of a rule club (docs/clubs.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.club_schemas import (
    ClubChangePublic,
    ClubEvaluated,
    ClubMemberPublic,
    ClubPublic,
    ClubStepCreate,
    ClubStepped,
)
from patron.api.deps import AdminKey, PatronDep
from patron.api.idempotency import Idempotent
from patron.api.schemas import Page, QueryId
from patron.domain.clubs import Standing
from patron.domain.errors import ClubJoinRefused, InvalidInput, NotFound
from patron.services.clubs import (
    ClubStep,
    club_history,
    club_members,
    evaluate_club,
    list_clubs,
    step,
)
from patron.services.commands import MemberRef

router = APIRouter(tags=["clubs"])
ClubPath = Annotated[
    str, Path(min_length=1, max_length=64, description="the club's id", examples=["kids"])
]
NO_CLUB = NotFound("no club 'kdis' in the program (its clubs: kids, vip)")
REFUSED = ClubJoinRefused(
    "member 1 has asked to join club 'vip' already: cannot request", club_id="vip"
)


@router.get("/v1/clubs", response_model=Page[ClubPublic], responses=p.refusals(p.NO_PROGRAM))
def clubs(patron: PatronDep, _: AdminKey) -> Page[ClubPublic]:
    """The program's clubs with how many members, invitations and requests each has."""
    found = [
        ClubPublic(
            id=s.club.id,
            name=s.club.name,
            join=s.club.join.value,
            multiplier=str(s.club.multiplier),
            categories=list(s.club.categories),
            benefits=list(s.club.benefits),
            members=s.members,
            invited=s.invited,
            requested=s.requested,
        )
        for s in patron.read(list_clubs)
    ]
    return Page[ClubPublic](data=found, count=len(found))


@router.get(
    "/v1/clubs/{club_id}/members",
    response_model=Page[ClubMemberPublic],
    responses=p.refusals(NO_CLUB, p.NO_PROGRAM),
)
def members(
    club_id: ClubPath,
    patron: PatronDep,
    _: AdminKey,
    standing: Annotated[
        Literal["member", "invited", "requested"],
        Query(description="members (default), open invitations, or requests to decide"),
    ] = "member",
) -> Page[ClubMemberPublic]:
    """A club's members, its open invitations or its requests, by member id."""
    found = patron.read(club_members, club_id, Standing(standing))
    rows = [ClubMemberPublic.model_validate(m) for m in found]
    return Page[ClubMemberPublic](data=rows, count=len(rows))


@router.get(
    "/v1/clubs/{club_id}/history",
    response_model=Page[ClubChangePublic],
    responses=p.refusals(NO_CLUB, p.NO_MEMBER, p.NO_PROGRAM),
)
def history(
    club_id: ClubPath,
    patron: PatronDep,
    _: AdminKey,
    member_id: Annotated[QueryId | None, Query(description="one member's lines only")] = None,
) -> Page[ClubChangePublic]:
    """Every invitation, request, join, refusal and leave of a club, oldest first."""
    member = MemberRef(id=member_id) if member_id is not None else None
    found = patron.read(club_history, club_id, member)
    rows = [ClubChangePublic.model_validate(c) for c in found]
    return Page[ClubChangePublic](data=rows, count=len(rows))


@router.post(
    "/v1/clubs/{club_id}/steps",
    status_code=201,
    response_model=ClubStepped,
    responses=p.refusals(NO_CLUB, p.NO_MEMBER, p.AMBIGUOUS_MEMBER, p.ERASED, REFUSED, p.NO_PROGRAM),
)
def take_step(
    club_id: ClubPath, body: ClubStepCreate, principal: AdminKey, write: Idempotent
) -> Response:
    """Change where a member stands in a club, with a line in its history; a step the
    club's way of joining or the member's standing does not allow: 409 club_join_refused."""
    member = MemberRef(id=body.member_id, external_id=body.external_id)
    command = ClubStep(club_id, member, body.step, principal.actor, body.reason)
    return write(body, lambda uow: step(uow, command), ClubStepped.model_validate)


@router.post(
    "/v1/clubs/{club_id}/evaluate",
    response_model=ClubEvaluated,
    responses=p.refusals(
        NO_CLUB, InvalidInput("club 'vip' is joined by invitation, not by a rule"), p.NO_PROGRAM
    ),
)
def evaluate(club_id: ClubPath, patron: PatronDep, _: AdminKey) -> ClubEvaluated:
    """Admit the members a rule club's rule holds for, remove those it no longer holds
    for, each recorded; run again on the same purchases it changes nothing."""
    return ClubEvaluated.model_validate(patron.run(evaluate_club, club_id))
