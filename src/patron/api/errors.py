"""Every error as RFC 9457 problem+json, with a 4xx status whenever the client can fix it.

HTTP stays here, at the edge: the domain's errors carry a code and facts, and STATUS below
gives each error class its status (tests/e2e/test_error_mapping.py pins every class, so a
new one without a line here fails a test). The `type` and `code` of an answer are the
class's `code`; the detail is its message, except where an API client needs other advice
than a CLI user (DETAIL).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from patron.analytics.clv.data import ModelNotIdentified
from patron.bootstrap import STORE_DOWN, WriteRefused, integrity_summary, is_store_down
from patron.domain.cards import CardBlocked, CardMistyped, CardTaken
from patron.domain.errors import (
    AmbiguousMember,
    AmbiguousPurchase,
    BuyerTaken,
    CampaignExists,
    CampaignStarted,
    ClubJoinRefused,
    Conflict,
    EntitlementExhausted,
    EventClosed,
    ExperimentExists,
    ExperimentStarted,
    ForbiddenShop,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InsufficientPoints,
    InvalidInput,
    InvalidProgram,
    KeyRotated,
    LastOwner,
    MemberErased,
    MemberExists,
    NoProgram,
    NotFound,
    NothingToReturn,
    OrderTaken,
    PatronError,
    PurchaseLimit,
    RedemptionCancelled,
    ReferralRefused,
    RewardForClubs,
    RewardLimitReached,
    RewardUnavailable,
    RsvpExists,
    RsvpNotActive,
    StaffUserExists,
    TransactionIdReused,
    VatNumberInvalid,
    VoucherCancelled,
    VoucherExpired,
    VoucherUnknown,
    VoucherUsed,
)
from patron.domain.goals import GoalNotFound, InvalidGoal, PrimaryGoalExists
from patron.domain.surveys import InvalidSurvey, SurveyNotFound
from patron.domain.unclaimed import PurchaseUnclaimed
from patron.domain.webhooks import WebhookNotFound, WebhookUrlRefused

PROBLEM = "application/problem+json"
log = logging.getLogger("patron.api")

# The HTTP status of each domain error class, looked up by the exact class.
STATUS: dict[type[PatronError], int] = {
    PatronError: 400,
    InvalidProgram: 422,
    InvalidInput: 422,
    AmbiguousMember: 422,
    AmbiguousPurchase: 422,
    ModelNotIdentified: 422,
    NotFound: 404,
    ForbiddenShop: 403,
    Conflict: 409,
    InsufficientPoints: 409,
    RewardUnavailable: 409,
    TransactionIdReused: 409,
    MemberErased: 409,
    NoProgram: 409,
    MemberExists: 409,
    OrderTaken: 409,
    PurchaseLimit: 409,
    NothingToReturn: 409,
    PurchaseUnclaimed: 409,
    RedemptionCancelled: 409,
    KeyRotated: 409,
    StaffUserExists: 409,
    ExperimentExists: 409,
    ExperimentStarted: 409,
    CampaignExists: 409,
    CampaignStarted: 409,
    LastOwner: 409,
    IdempotencyKeyInUse: 409,
    IdempotencyKeyReused: 422,
    InvalidGoal: 422,
    GoalNotFound: 404,
    PrimaryGoalExists: 409,
    CardMistyped: 422,
    CardTaken: 409,
    CardBlocked: 409,
    WebhookUrlRefused: 422,
    WebhookNotFound: 404,
    InvalidSurvey: 422,
    SurveyNotFound: 404,
    VoucherUnknown: 404,
    VoucherUsed: 409,
    VoucherExpired: 409,
    VoucherCancelled: 409,
    RewardLimitReached: 409,
    RewardForClubs: 409,
    ClubJoinRefused: 409,
    VatNumberInvalid: 422,
    BuyerTaken: 409,
    EntitlementExhausted: 409,
    ReferralRefused: 409,
    EventClosed: 409,
    RsvpExists: 409,
    RsvpNotActive: 409,
}

# Headers an answer to an error class carries: when to come back.
HEADERS: dict[type[PatronError], dict[str, str]] = {
    IdempotencyKeyInUse: {"Retry-After": "1"},
}

# The API's own wording where the domain's message is not the whole answer for a client.
DETAIL: dict[type[PatronError], str] = {
    NoProgram: (
        "no program is loaded on this server, so points can be neither earned nor spent;"
        " the request was not applied: retry it once the server's operator has loaded one"
    ),
}


def status_of(exc: PatronError) -> int:
    """The status for `exc`: its class's, else its nearest mapped base class's (a class
    missing from STATUS still answers sensibly; the mapping test fails on it)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def detail_of(exc: PatronError) -> str:
    return DETAIL.get(type(exc), exc.message)


STORE_RETRY_AFTER = 5  # seconds: long enough for a pool to reconnect or a failover to end
STORE_DOWN_DETAIL = (
    "the database cannot be reached just now; retry in a few seconds (a write sent again"
    " with the same Idempotency-Key is applied at most once)"
)
UNEXPECTED_DETAIL = (
    "an unexpected error on the server; it has been logged under this answer's X-Request-ID"
    " (a write sent again with the same Idempotency-Key is applied at most once)"
)


def unexpected(exc: BaseException) -> JSONResponse:
    """The answer to an exception no handler took: a store error is still a 503; anything
    else a 500 that names nothing of the server's insides (the server logs the traceback,
    with the request id, after this answer)."""
    if is_store_down(exc):
        return store_unavailable(exc)
    return problem(500, "internal error", UNEXPECTED_DETAIL, "internal_error")


def store_unavailable(exc: BaseException) -> JSONResponse:
    """503 with Retry-After for a store that cannot be reached; the cause goes to the log."""
    log.warning("store unreachable, answered 503: %s: %s", type(exc).__name__, exc)
    return store_down()


def store_down() -> JSONResponse:
    response = problem(503, "store unavailable", STORE_DOWN_DETAIL, "store_unavailable")
    response.headers["Retry-After"] = str(STORE_RETRY_AFTER)
    return response


def problem(status: int, title: str, detail: str, code: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://patron.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


class ApiProblem(Exception):
    """Raised by adapters for HTTP-level problems (auth, headers, idempotency)."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.headers = status, code, detail, headers


def api_problem(exc: ApiProblem) -> JSONResponse:
    """The answer to an adapter's problem (api/openapi.py documents the same bodies)."""
    response = problem(exc.status, exc.code.replace("_", " "), exc.detail, exc.code)
    response.headers.update(exc.headers or {})
    return response


def domain_problem(exc: PatronError) -> JSONResponse:
    """The answer to a domain error: its status, its code, its facts."""
    response = problem(
        status_of(exc), exc.code.replace("_", " "), detail_of(exc), exc.code, **exc.facts
    )
    response.headers.update(HEADERS.get(type(exc), {}))
    return response


def write_refused() -> JSONResponse:
    """The answer to a write the database's own rules refused (a race no check caught)."""
    return problem(
        409,
        "conflict",
        "the request conflicts with the current state; it was not applied",
        "conflict",
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api(_: Request, exc: ApiProblem) -> JSONResponse:
        return api_problem(exc)

    @app.exception_handler(PatronError)
    async def _domain(_: Request, exc: PatronError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": _message(e["msg"])}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid request", detail, "invalid_request", errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), "http_error")

    async def _store_down(_: Request, exc: Exception) -> JSONResponse:
        return store_unavailable(exc)

    for store_error in STORE_DOWN:
        app.add_exception_handler(store_error, _store_down)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        """Starlette's last resort (ServerErrorMiddleware, outside every other middleware)."""
        return unexpected(exc)

    @app.exception_handler(WriteRefused)
    async def _integrity(_: Request, exc: WriteRefused) -> JSONResponse:
        log.info("integrity error answered as 409: %s", integrity_summary(exc))
        return write_refused()


def _message(text: str) -> str:
    """Pydantic's message without the "Value error, " it puts before a validator's own."""
    return text.removeprefix("Value error, ")
