"""Idempotent writes, after the IETF httpapi Idempotency-Key draft and Stripe's practice.

Design overview. A write and the record of its answer are one transaction:

1. claim the key for the transaction (a PostgreSQL advisory lock) — if another request
   holds it, answer 409 at once. SQLite needs no claim: its write transactions start with
   BEGIN IMMEDIATE and run one at a time, so a replay waits for the first request's
   commit and step 2 replays its answer (docs/api.md, tests/e2e/test_concurrency.py);
2. look the key up: a finished request with the same fingerprint gets its stored answer
   replayed, one with a different body gets 422;
3. run the use case, store the answer under the key, commit.

Because the write and its answer commit together, a crash at any point leaves either
both or neither: a request is never applied twice and never half-applied. A request the
use case refuses (a 4xx) rolls back and stores nothing, so the client may fix the cause
and retry with the same key. Keys are scoped to the API key that sent them.

Routes take the `Idempotent` dependency and hand it their body, their use case and how to
present its result; the header, the caller and the fingerprint are its business.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from patron.api.deps import IdempotencyKey, PatronDep, get_principal
from patron.api.errors import ApiProblem
from patron.bootstrap import Patron
from patron.services.apikeys import Principal
from patron.store.uow import UnitOfWork

R = TypeVar("R")
REPLAYED = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: BaseModel) -> str:
    """The request's identity: its method, its resource and its body's values (`10.0` and
    `10.00` are one amount, so a retry that spells it otherwise is the same request)."""
    values = _canonical(body.model_dump(mode="python"))
    canonical = json.dumps([method, path, values], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        # normalize() drops trailing zeros; format "f" keeps 1E+1 from becoming "1E+1"
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def run_idempotent(
    patron: Patron,
    principal: Principal,
    key: str | None,
    request_hash: str,
    apply: Callable[[UnitOfWork], R],
    present: Callable[[R], BaseModel],
    status: int | Callable[[R], int] = 201,
) -> Response:
    """Run `apply` once per key; `status` is the answer's status, or a function of the
    result when it depends on it (a redemption already made answers 200, not 201)."""
    if not key:
        raise ApiProblem(
            400, "idempotency_key_missing", "writes need an `Idempotency-Key` header (a UUID, say)"
        )
    with patron.uow() as uow:
        if not uow.idempotency.try_lock(principal.key_id, key):
            raise ApiProblem(
                409,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still being processed; retry later",
                {"Retry-After": "1"},
            )
        record = uow.idempotency.get(principal.key_id, key)
        if record is not None:
            if record.request_hash != request_hash:
                raise ApiProblem(
                    422,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request body",
                )
            return Response(
                record.response_body,
                status_code=int(record.response_status),
                media_type="application/json",
                headers={REPLAYED: "true"},
            )
        result = apply(uow)
        code = status(result) if callable(status) else status
        body = present(result).model_dump_json()
        uow.idempotency.store(principal.key_id, key, request_hash, code, body, uow.now)
        uow.commit()
    return Response(body, status_code=code, media_type="application/json")


@dataclass(frozen=True)
class IdempotentWrite:
    """One write of one request: `IdempotentWrite(body, apply, present)` runs `apply` once
    per Idempotency-Key and answers what `present` makes of its result."""

    patron: Patron
    principal: Principal
    key: str | None
    method: str
    path: str

    def __call__(
        self,
        body: BaseModel,
        apply: Callable[[UnitOfWork], R],
        present: Callable[[R], BaseModel],
        *,
        status: int | Callable[[R], int] = 201,
        resource: str | None = None,
    ) -> Response:
        """`resource` names what the write is to when the path does not say it once and for
        all (a member addressed by external id or by Patron id is one member)."""
        request_hash = fingerprint(self.method, resource or self.path, body)
        return run_idempotent(
            self.patron, self.principal, self.key, request_hash, apply, present, status
        )


async def idempotent_write(
    request: Request,
    patron: PatronDep,
    principal: Annotated[Principal, Depends(get_principal)],
    idempotency_key: IdempotencyKey = None,
) -> IdempotentWrite:
    query = sorted(request.query_params.multi_items())
    path = request.url.path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
    return IdempotentWrite(patron, principal, idempotency_key, request.method, path)


Idempotent = Annotated[IdempotentWrite, Depends(idempotent_write)]
