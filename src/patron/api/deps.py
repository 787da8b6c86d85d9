"""Dependencies shared by the routes: the Patron instance, the caller and their scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from patron.api.errors import ApiProblem
from patron.bootstrap import Patron
from patron.services.apikeys import Principal, Scope, authenticate

_bearer = HTTPBearer(auto_error=False, description="an API key from `patron apikey create`")


def get_patron(request: Request) -> Patron:
    patron: Patron = request.app.state.patron
    return patron


PatronDep = Annotated[Patron, Depends(get_patron)]


def get_principal(
    patron: PatronDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiProblem(
            401,
            "unauthorized",
            "send `Authorization: Bearer <API key>`",
            {"WWW-Authenticate": "Bearer"},
        )
    principal = patron.read(authenticate, credentials.credentials)
    if principal is None:
        raise ApiProblem(
            401, "unauthorized", "the API key is unknown or revoked", {"WWW-Authenticate": "Bearer"}
        )
    return principal


def require_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if principal.scope is not Scope.ADMIN:
        raise ApiProblem(403, "forbidden", "this operation needs an admin key")
    return principal


PosKey = Annotated[Principal, Depends(get_principal)]
AdminKey = Annotated[Principal, Depends(require_admin)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="required on writes; a replay returns the first response",
    ),
]
