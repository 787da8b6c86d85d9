"""Finding the member a command names, by Patron's id or by the business's customer id.

Every use case that names a member looks them up here, so an unknown member is refused
one way, naming the reference the caller gave (`no member with external_id 'c-9'`). A
write asks for the row locked: every change to a member's balance is serialized on it.
"""

from __future__ import annotations

from patron.domain.errors import AmbiguousMember, NotFound
from patron.domain.member import Member
from patron.services.commands import MemberRef
from patron.store.uow import UnitOfWork


def find_member(uow: UnitOfWork, ref: MemberRef | int, *, lock: bool = False) -> Member:
    """The member `ref` names (a bare int is Patron's id); `lock` takes their row until
    the unit of work ends."""
    if isinstance(ref, int):
        ref = MemberRef(id=ref)
    if ref.id is not None and ref.external_id is not None:
        return _either(uow, ref.id, ref.external_id, lock)
    if ref.id is not None:
        member = uow.members.get(ref.id, lock=lock)
        label = f"id {ref.id}"
    elif ref.external_id is not None:
        member = uow.members.by_external_id(ref.external_id, lock=lock)
        label = f"external_id {ref.external_id!r}"
    else:
        raise NotFound("name the member by id or external_id")
    if member is None:
        raise NotFound(f"no member with {label}")
    return member


def _either(uow: UnitOfWork, member_id: int, external_id: str, lock: bool) -> Member:
    """The member a number names, read as Patron's id or as an external id: refused when
    it is both, of two members (an admin crediting member 3 meant customer "3")."""
    by_id = uow.members.get(member_id, lock=lock)
    by_external = uow.members.by_external_id(external_id, lock=lock)
    if by_id is not None and by_external is not None and by_id.id != by_external.id:
        raise AmbiguousMember(
            f"{external_id!r} is Patron's id of member {by_id.id} and the external id of"
            f" member {by_external.id}: say which with by=id or by=external_id",
            member_ids=[by_id.id, by_external.id],
        )
    member = by_id or by_external
    if member is None:
        raise NotFound(f"no member with id {member_id} or external_id {external_id!r}")
    return member
