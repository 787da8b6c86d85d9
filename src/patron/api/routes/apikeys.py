"""API key management for admin keys: create, list, revoke, rotate with an overlap.

Each change is audited with the admin key's name as its actor. These writes take no
`Idempotency-Key`: the answer of a creation or a rotation holds the new key, and an
idempotent write stores its answer; a key must exist nowhere but in its answer. A retried
creation makes a second key, which `GET /v1/api-keys` shows and an admin can revoke.
The worker that revokes or rotates a key forgets it at once; the others within
PATRON_KEY_CACHE_SECONDS (api/keycache.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from patron.api import problems as p
from patron.api.deps import AdminKey, PatronDep
from patron.api.keycache import KeyCache
from patron.api.pages import INVALID_CURSOR, Cursor, Limit, page_of
from patron.api.schemas import ApiKeyName, Page, Shop, UtcTime, Whole, examples
from patron.domain.access import MAX_OVERLAP, KeyStatus, Operation
from patron.domain.errors import InvalidInput, KeyRotated, NotFound
from patron.services.apikeys import (
    Issued,
    KeyInfo,
    NewKey,
    issue_key,
    list_keys,
    revoke_key,
    rotate_key,
)

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])
NO_KEY = NotFound("no active API key with prefix '1a2b3c4d'")
Prefix = Annotated[
    str,
    Path(
        pattern=r"^[0-9A-Za-z]{1,16}$",
        description="the part after ptr_ in the key",
        examples=["1a2b3c4d"],
    ),
]
DEFAULT_OVERLAP = 3600


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=examples(
            {"name": "till-1", "shop": "paris-opera", "operations": ["earn", "refund", "redeem"]},
            {"name": "alice", "scope": "admin"},
        ),
    )

    name: ApiKeyName = Field(
        description="a till's name, or for an admin key the person's: audited as apikey:<name>"
    )
    scope: Literal["pos", "admin"] = Field(
        "pos", description="pos: a till or a shop's system; admin: a person, for everything"
    )
    shop: Shop | None = Field(
        None, description="pos keys only: the shop it acts for; omitted: every shop"
    )
    operations: list[Operation] | None = Field(
        None, min_length=1, description="pos keys only: what it may do; omitted: everything"
    )


class ApiKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=examples({"overlap_seconds": 3600}))

    overlap_seconds: Annotated[int, Whole] = Field(
        DEFAULT_OVERLAP,
        ge=0,
        le=int(MAX_OVERLAP.total_seconds()),
        description="how long the old key keeps working",
    )


_KEY = {
    "prefix": "1a2b3c4d",
    "name": "till-1",
    "scope": "pos",
    "shop": "paris-opera",
    "operations": ["earn", "refund", "redeem"],
    "created_at": "2026-01-14T09:00:00Z",
    "expires_at": None,
    "revoked_at": None,
    "status": "active",
}
_SECRET = "ptr_1a2b3c4d_4fQm0yBv3Q2k7T1nXo8r9LwzH5cJpE6aUdSgKiVbNtM"


class ApiKeyPublic(BaseModel):
    """A key's listing: never the key nor its hash."""

    model_config = ConfigDict(json_schema_extra=examples(_KEY))

    prefix: str = Field(description="the part after ptr_ in the key: name the key by it")
    name: str = Field(
        description="a till's name, or for an admin key the person's (audited as apikey:<name>)"
    )
    scope: str = Field(description="pos or admin")
    shop: str | None = Field(description="the shop a pos key acts for; null: every shop")
    operations: list[str] | None = Field(description="what a pos key may do; null: everything")
    created_at: UtcTime = Field(description="when the key was made")
    expires_at: UtcTime | None = Field(description="a rotated key: when it stops")
    revoked_at: UtcTime | None = Field(description="when it was revoked; null: it was not")
    status: KeyStatus = Field(
        description="active, expiring (rotated: works until expires_at), expired or revoked"
    )


class ApiKeyIssued(ApiKeyPublic):
    model_config = ConfigDict(json_schema_extra=examples({**_KEY, "key": _SECRET}))

    key: str = Field(description="shown once: only its hash is stored")


class ApiKeyRotated(ApiKeyIssued):
    model_config = ConfigDict(
        json_schema_extra=examples(
            {
                **_KEY,
                "prefix": "9f8e7d6c",
                "created_at": "2026-02-01T09:00:00Z",
                "key": "ptr_9f8e7d6c_Zt8Wb2nQe5RkLx0Vy3Ho7JcMa1SdGf4PuTi6NwBqCvE",
                "replaces": {
                    **_KEY,
                    "expires_at": "2026-02-01T10:00:00Z",
                    "status": "expiring",
                },
            }
        )
    )

    replaces: ApiKeyPublic = Field(description="the old key, with the time it stops")


def _public(info: KeyInfo) -> ApiKeyPublic:
    return ApiKeyPublic(**_fields(info))


def _issued(issued: Issued) -> ApiKeyIssued:
    return ApiKeyIssued(key=issued.key, **_fields(issued.info))


def _fields(info: KeyInfo) -> dict[str, object]:
    return {
        "prefix": info.prefix,
        "name": info.name,
        "scope": info.scope,
        "shop": info.shop,
        "operations": None if info.operations is None else list(info.operations),
        "created_at": info.created_at,
        "expires_at": info.expires_at,
        "revoked_at": info.revoked_at,
        "status": info.status,
    }


def _forget(request: Request, key_id: int) -> None:
    cache: KeyCache = request.app.state.key_cache
    cache.forget(key_id)


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyIssued,
    responses=p.refusals(
        InvalidInput(
            "name: an admin key is for a person: name them (e.g. alice); everything the key"
            " does is audited as apikey:<name>"
        )
    ),
)
def create_api_key(body: ApiKeyCreate, patron: PatronDep, principal: AdminKey) -> ApiKeyIssued:
    """Create a key; the answer shows it once. Audited."""
    operations = None if body.operations is None else [o.value for o in body.operations]
    new = NewKey(body.scope, body.name, body.shop, operations)
    return _issued(patron.run(lambda uow, n: issue_key(uow, n, principal.actor), new))


@router.get("", response_model=Page[ApiKeyPublic], responses=p.refusals(INVALID_CURSOR))
def get_api_keys(
    request: Request, patron: PatronDep, _: AdminKey, limit: Limit = 100, cursor: Cursor = None
) -> Page[ApiKeyPublic]:
    """Every key, oldest first, with its status: never the key nor its hash; in pages
    (follow `next`)."""
    keys, more = page_of(patron.read(list_keys), lambda k: (k.key_id,), limit, cursor, request)
    rows = [_public(info) for info in keys]
    return Page[ApiKeyPublic](data=rows, count=len(rows), next=more)


@router.post("/{prefix}/revoke", response_model=ApiKeyPublic, responses=p.refusals(NO_KEY))
def revoke_api_key(
    prefix: Prefix, request: Request, patron: PatronDep, principal: AdminKey
) -> ApiKeyPublic:
    """Revoke a key: it stops at once here, within PATRON_KEY_CACHE_SECONDS elsewhere."""
    info = patron.run(lambda uow, p: revoke_key(uow, p, principal.actor), prefix)
    _forget(request, info.key_id)
    return _public(info)


@router.post(
    "/{prefix}/rotate",
    status_code=201,
    response_model=ApiKeyRotated,
    responses=p.refusals(
        NO_KEY,
        KeyRotated(
            "the key with prefix '1a2b3c4d' was already rotated (it stops at 2026-01-15"
            " 10:00:00 UTC): rotate the key that replaced it, or revoke it"
        ),
    ),
)
def rotate_api_key(
    prefix: Prefix,
    request: Request,
    patron: PatronDep,
    principal: AdminKey,
    body: ApiKeyRotate | None = None,
) -> ApiKeyRotated:
    """A new key with the old one's name, scope, shop and operations; the old one works
    for `overlap_seconds` more (default an hour), then stops. Audited."""
    overlap = timedelta(seconds=(body or ApiKeyRotate()).overlap_seconds)
    rotated = patron.run(lambda uow, p: rotate_key(uow, p, overlap, principal.actor), prefix)
    _forget(request, rotated.replaced.key_id)
    new = rotated.issued
    return ApiKeyRotated(key=new.key, replaces=_public(rotated.replaced), **_fields(new.info))
