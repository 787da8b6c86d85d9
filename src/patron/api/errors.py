"""Every error as RFC 9457 problem+json, with a 4xx status whenever the client can fix it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from patron.domain.errors import InsufficientPoints, PatronError

PROBLEM = "application/problem+json"
log = logging.getLogger("patron.api")


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


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api(_: Request, exc: ApiProblem) -> JSONResponse:
        response = problem(exc.status, exc.code.replace("_", " "), exc.detail, exc.code)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(PatronError)
    async def _domain(_: Request, exc: PatronError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(exc, InsufficientPoints):
            extra = {"requested": exc.requested, "available": exc.available}
        return problem(exc.status, exc.code.replace("_", " "), exc.message, exc.code, **extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "invalid request", detail, "invalid_request", errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), "http_error")

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error answered as 409: %s", exc.orig)
        return problem(
            409,
            "conflict",
            "the request conflicts with the current state; it was not applied",
            "conflict",
        )
