"""Dependencies shared by the routes: the Patron instance, the caller, their scope and
the operations their key allows."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from patron.api.errors import ApiProblem
from patron.api.keycache import KeyCache
from patron.bootstrap import Patron
from patron.domain.access import Operation
from patron.domain.member import Member
from patron.services.apikeys import Principal, Scope, authenticate
from patron.services.commands import MemberRef
from patron.services.members import find_member

PRINCIPAL = "patron.principal"  # where api/guard.py leaves the caller in the request's state
NO_KEY = "send `Authorization: Bearer <API key>`"
BAD_KEY = "the API key is unknown or revoked"
_bearer = HTTPBearer(auto_error=False, description="an API key from `patron apikey create`")


# The dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread
# pool, a hand-off per dependency per request; these do no blocking work, except the
# database read of a key not yet cached, which goes to the thread pool itself.


async def get_patron(request: Request) -> Patron:
    patron: Patron = request.app.state.patron
    return patron


PatronDep = Annotated[Patron, Depends(get_patron)]


async def cached_principal(cache: KeyCache, patron: Patron, key: str) -> Principal | None:
    """The caller behind `key`: remembered for a while (api/keycache.py), or read.

    A revoked key is therefore refused at the latest PATRON_KEY_CACHE_SECONDS after
    revocation; a rotated key remembered with its deadline stops at that deadline."""
    principal = cache.get(key)
    if principal is None:
        principal = await run_in_threadpool(patron.read, authenticate, key)
        if principal is not None:
            cache.put(key, principal)
    if principal is not None and principal.expired(patron.clock()):
        return None
    return principal


async def get_principal(
    request: Request,
    patron: PatronDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller: on /v1 paths api/guard.py has authenticated it before the body was read;
    elsewhere it is authenticated here."""
    state: dict[str, object] = request.scope.get("state", {})
    known = state.get(PRINCIPAL)
    if isinstance(known, Principal):
        return known
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(401, "unauthorized", NO_KEY, {"WWW-Authenticate": "Bearer"})
    principal = await cached_principal(request.app.state.key_cache, patron, credentials.credentials)
    if principal is None:
        raise ApiProblem(401, "unauthorized", BAD_KEY, {"WWW-Authenticate": "Bearer"})
    return principal


async def require_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.scope is not Scope.ADMIN:
        raise ApiProblem(403, "forbidden", "this operation needs an admin key")
    return principal


class Allowed:
    """A dependency that lets through the keys that may run `operation` (403 otherwise);
    api/openapi.py reads `operation` to document the refusal."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    async def __call__(self, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.may(self.operation):
            may = ", ".join(sorted(principal.operations or ())) or "nothing"
            raise ApiProblem(
                403,
                "forbidden_operation",
                f"this API key may not {self.operation.value} (it may: {may}); ask an admin"
                " for a key that may",
            )
        return principal


def allowed(operation: Operation) -> Allowed:
    return Allowed(operation)


PosKey = Annotated[Principal, Depends(get_principal)]
AdminKey = Annotated[Principal, Depends(require_admin)]
EnrollKey = Annotated[Principal, Depends(allowed(Operation.ENROLL))]
EarnKey = Annotated[Principal, Depends(allowed(Operation.EARN))]
RefundKey = Annotated[Principal, Depends(allowed(Operation.REFUND))]
RedeemKey = Annotated[Principal, Depends(allowed(Operation.REDEEM))]
CancelKey = Annotated[Principal, Depends(allowed(Operation.CANCEL))]
ReadMemberKey = Annotated[Principal, Depends(allowed(Operation.READ_MEMBER))]
CardsKey = Annotated[Principal, Depends(allowed(Operation.CARDS))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="required on writes (400 without it): a key of your own per request, a"
        " UUID say; sent again, the request is applied once and the first answer returned",
        examples=["5f0c6f1e-2b1a-4c61-9a57-1f3f2a8d9e10"],
    ),
]
MemberPath = Annotated[
    str,
    Path(
        description="the member: Patron's id or your customer id (`by` says which; docs/api.md,"
        " Naming a member)",
        examples=["C-1042"],
    ),
]
By = Annotated[
    Literal["id", "external_id"] | None,
    Query(description="how to read {id}: Patron id or your customer id"),
]


def member_named(patron: Patron, ref: str, by: Literal["id", "external_id"] | None) -> Member:
    """The member a path names (404 when there is none), read through the use cases."""
    return patron.read(find_member, MemberRef.named(ref, by))
