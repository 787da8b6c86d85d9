"""Idempotent writes, after the IETF httpapi Idempotency-Key draft and Stripe's practice.

Design overview. A write runs in two steps:

1. *Claim* the key in its own short transaction: a `running` record scoped to the API key,
   holding a fingerprint of the request. A replay of a finished request gets the stored
   response; a replay of a running one gets 409; the same key with another body gets 422.
2. *Apply* the use case and store its response in the record, in one transaction, so the
   write and its answer are committed together or not at all.

If the use case refuses the request (a 4xx), the claim is released and nothing is stored:
the client may correct and retry with the same key. If the process dies between the two
steps, the claim's lease runs out and a retry takes it over; the write itself was either
committed together with its response or not at all, so it is never applied twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from patron.api.errors import ApiProblem
from patron.bootstrap import Patron
from patron.services.apikeys import Principal
from patron.store.uow import UnitOfWork

R = TypeVar("R")
LEASE = timedelta(seconds=60)
REPLAYED = "Idempotent-Replayed"


def fingerprint(method: str, path: str, body: BaseModel) -> str:
    canonical = json.dumps([method, path, body.model_dump(mode="json")], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_idempotent(
    patron: Patron,
    principal: Principal,
    key: str | None,
    request_hash: str,
    apply: Callable[[UnitOfWork], R],
    present: Callable[[R], BaseModel],
    status: int = 201,
) -> Response:
    if not key:
        raise ApiProblem(
            400, "idempotency_key_missing", "writes need an `Idempotency-Key` header (a UUID, say)"
        )
    replay = _claim(patron, principal.key_id, key, request_hash)
    if replay is not None:
        return replay
    try:
        with patron.uow() as uow:
            body = present(apply(uow)).model_dump_json()
            uow.idempotency.finish(principal.key_id, key, status, body)
            uow.commit()
    except BaseException:
        _release(patron, principal.key_id, key)
        raise
    return Response(body, status_code=status, media_type="application/json")


def _claim(
    patron: Patron, key_id: int, key: str, request_hash: str, retry: bool = True
) -> Response | None:
    with patron.uow() as uow:
        record = uow.idempotency.get(key_id, key)
        if record is None:
            try:
                uow.idempotency.start(key_id, key, request_hash, uow.now, uow.now + LEASE)
                uow.commit()
                return None
            except IntegrityError:
                if not retry:
                    raise
        else:
            return _existing(uow, record, request_hash)
    return _claim(patron, key_id, key, request_hash, retry=False)


def _existing(uow: UnitOfWork, record: Any, request_hash: str) -> Response | None:
    if record.request_hash != request_hash:
        raise ApiProblem(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request body",
        )
    if record.status == "done":
        return Response(
            record.response_body,
            status_code=int(record.response_status),
            media_type="application/json",
            headers={REPLAYED: "true"},
        )
    if record.locked_until is not None and record.locked_until > uow.now:
        raise ApiProblem(
            409,
            "idempotency_key_in_use",
            "a request with this Idempotency-Key is still being processed; retry later",
            {"Retry-After": "1"},
        )
    if uow.idempotency.take_over(int(record.id), uow.now + LEASE, request_hash):
        uow.commit()
        return None
    raise ApiProblem(409, "idempotency_key_in_use", "this Idempotency-Key was just claimed")


def _release(patron: Patron, key_id: int, key: str) -> None:
    with patron.uow() as uow:
        uow.idempotency.release(key_id, key)
        uow.commit()
