"""Idempotent writes at the edge: the `Idempotency-Key` header, the request's fingerprint
and the answer, stored and replayed as sent. What makes a write happen at most once is
the use cases' business (services/idempotency.py, which says how and why).

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
from patron.bootstrap import Patron, UnitOfWork
from patron.services.apikeys import Principal
from patron.services.idempotency import Answer, run_once

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
        # normalize() drops trailing zeros (10.00 -> 1E+1); format "f" writes that as 10
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


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
        """Run `apply` once per key; `status` is the answer's status, or a function of the
        result when it depends on it (a redemption already made answers 200, not 201).
        `resource` names what the write is to when the path does not say it once and for
        all (a member addressed by external id or by Patron id is one member)."""
        if not self.key:
            raise ApiProblem(
                400,
                "idempotency_key_missing",
                "writes need an `Idempotency-Key` header (a UUID, say)",
            )
        request_hash = fingerprint(self.method, resource or self.path, body)

        def answer(result: R) -> tuple[int, str]:
            code = status(result) if callable(status) else status
            return code, present(result).model_dump_json()

        def once(uow: UnitOfWork, key: str) -> Answer:
            return run_once(uow, self.principal.key_id, key, request_hash, apply, answer)

        done = self.patron.run(once, self.key)
        headers = {REPLAYED: "true"} if done.replayed else None
        return Response(done.body, done.status, headers, media_type="application/json")


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
