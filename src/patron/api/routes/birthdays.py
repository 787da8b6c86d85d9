"""A member's birthday, for the program's birthday bonus (services/birthdays.py): read
by a key that reads members, set or forgotten by an admin. The bonus itself is granted by
the daily run (`patron birthdays`), not through the API.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from patron.api import problems as p
from patron.api.deps import AdminKey, By, MemberPath, PatronDep, ReadMemberKey, member_named
from patron.api.idempotency import Idempotent
from patron.api.schemas import BirthdayPublic, BirthdaySet, birthday_value
from patron.domain.birthdays import Birthday
from patron.services.birthdays import SetBirthday, birthday_of, set_birthday

router = APIRouter(tags=["members"])


def _public(member_id: int, birthday: Birthday | None) -> BirthdayPublic:
    shown = str(birthday).removeprefix("--") if birthday is not None else None
    return BirthdayPublic(member_id=member_id, birthday=shown)


@router.get(
    "/v1/members/{id}/birthday",
    response_model=BirthdayPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER),
)
def get_birthday(
    id: MemberPath, patron: PatronDep, _: ReadMemberKey, by: By = None
) -> BirthdayPublic:
    """The member's birthday (null: none given)."""
    member = member_named(patron, id, by)
    return _public(member.id, patron.read(birthday_of, member.id))


@router.put(
    "/v1/members/{id}/birthday",
    response_model=BirthdayPublic,
    responses=p.refusals(p.NO_MEMBER, p.AMBIGUOUS_MEMBER, p.ERASED),
)
def put_birthday(
    id: MemberPath,
    body: BirthdaySet,
    patron: PatronDep,
    principal: AdminKey,
    write: Idempotent,
    by: By = None,
) -> Response:
    """Set or forget (null) the member's birthday (admin); audited as a profile change."""
    member = member_named(patron, id, by)
    command = SetBirthday(member.id, birthday_value(body.birthday), principal.actor)
    return write(
        body,
        lambda uow: set_birthday(uow, command),
        lambda done: _public(member.id, done),
        status=_ok,
    )


def _ok(_: object) -> int:
    return 200
