"""A write applied at most once per Idempotency-Key, after the IETF httpapi
Idempotency-Key draft and Stripe's practice.

A write and the record of its answer are one transaction:

1. claim the key for the transaction (a PostgreSQL advisory lock): if another request
   holds it, refuse at once (`IdempotencyKeyInUse`). SQLite needs no claim: its write
   transactions start with BEGIN IMMEDIATE and run one at a time, so a replay waits for
   the first request's commit and step 2 replays its answer (docs/api.md,
   tests/e2e/test_concurrency.py);
2. look the key up: a finished request with the same fingerprint gets its stored answer
   again; one with another fingerprint is refused (`IdempotencyKeyReused`);
3. run the use case and store its answer under the key; the caller commits both.

Because the write and its answer commit together, a crash at any point leaves either
both or neither: a request is never applied twice and never half-applied. A request the
use case refuses raises, rolls back and stores nothing, so the client may fix the cause
and retry with the same key. Keys belong to the API key that sent them (`owner`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from patron.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from patron.store.uow import UnitOfWork

R = TypeVar("R")


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the answer as sent, JSON
    replayed: bool  # true when it is the stored answer of an earlier request


def run_once(
    uow: UnitOfWork,
    owner: int,
    key: str,
    request_hash: str,
    apply: Callable[[UnitOfWork], R],
    answer: Callable[[R], tuple[int, str]],
) -> Answer:
    """Apply the write unless `key` was used before; `answer` makes the (status, body)
    that is stored and sent."""
    if not uow.idempotency.try_lock(owner, key):
        raise IdempotencyKeyInUse(
            "a request with this Idempotency-Key is still being processed; retry later"
        )
    record = uow.idempotency.get(owner, key)
    if record is not None:
        if record.request_hash != request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request body"
            )
        return Answer(record.response_status, record.response_body, replayed=True)
    status, body = answer(apply(uow))
    uow.idempotency.store(owner, key, request_hash, status, body, uow.now)
    return Answer(status, body, replayed=False)
