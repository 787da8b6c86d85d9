"""What an operator sees of a running API: liveness and readiness, Prometheus metrics, and
one log line per request under a request id.

Design overview. `RequestObserver` is a pure ASGI middleware (no BaseHTTPMiddleware: it
neither buffers bodies nor moves the endpoint to another task, so context variables and
streaming answers behave as without it). For each HTTP request it

1. takes the client's `X-Request-ID` when it is a sane token (letters, digits, `._:-`, at
   most 128 characters), else makes one, and puts it in a context variable for the log
   lines written while the request is served (logs.py);
2. adds the id to the answer's headers;
3. when the answer is done, records it in the metrics (metrics.py) and writes the access
   line: method, route template, status, duration and request id, and nothing a client
   sent besides (no path with ids, no query, no body, no address).

An exception no handler turned into an answer is answered here as a problem+json 500
carrying the request id, then re-raised for the server to log (with the id: the context
variable is left set for that line). `/ready` and `/metrics` need no API key; a setting
(`PATRON_METRICS_TOKEN`) can ask for a bearer token on `/metrics` (docs/operations.md).
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patron.api.errors import ApiProblem, unexpected
from patron.api.idempotency import REPLAYED
from patron.api.logs import request_id
from patron.api.metrics import Metrics
from patron.api.problems import ok, refusals
from patron.bootstrap import Patron
from patron.config import get_settings
from patron.services.health import delivery_lag, outbox_backlog, readiness

REQUEST_ID = "X-Request-ID"
UNMATCHED = "unmatched"  # the route label of a request no route matched (a 404)
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
access_log = logging.getLogger("patron.access")
log = logging.getLogger("patron.api")
router = APIRouter(tags=["meta"])


def accepted_request_id(sent: str | None) -> str:
    """The client's id when it is safe to log and echo, else a new one."""
    if sent is not None and _SANE_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """The template of the route that served the request (`/v1/members/{id}`), never the
    path itself: a path holds member ids, and a label per id would grow without bound."""
    path = getattr(scope.get("route"), "path", None) or _matching_route(scope)
    return path if isinstance(path, str) else UNMATCHED


def _matching_route(scope: Scope) -> str | None:
    """The template of the route a request refused before routing (the edge guard's 401,
    413, 429) would have reached, so that its answer is counted under that route too.

    Read from the OpenAPI paths (public, and flat whatever way routers were included),
    compiled once per app."""
    app = scope.get("app")
    if app is None or not hasattr(app, "openapi"):
        return None
    templates: list[tuple[re.Pattern[str], str]] | None = getattr(app.state, "templates", None)
    if templates is None:
        templates = [
            (re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"), path)
            for path in app.openapi()["paths"]
        ]
        app.state.templates = templates
    path = scope.get("path", "")
    return next((template for pattern, template in templates if pattern.match(path)), None)


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        rid = accepted_request_id(_text(headers.get(b"x-request-id")))
        token = request_id.set(rid)
        start = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "replay": False, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.update(status=message["status"], started=True)
                out = MutableHeaders(scope=message)
                answer["replay"] = out.get(REPLAYED) == "true"
                out[REQUEST_ID] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if not answer["started"]:
                await _last_resort(send_with_id, exc)
            self._record(scope, answer, start, rid)
            raise  # the context variable stays set: the server's traceback line gets the id
        self._record(scope, answer, start, rid)
        request_id.reset(token)

    def _record(self, scope: Scope, answer: dict[str, Any], start: float, rid: str) -> None:
        seconds = time.perf_counter() - start
        method, route, status = scope["method"], route_template(scope), int(answer["status"])
        self.metrics.observe(method, route, status, seconds, bool(answer["replay"]))
        access_log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "request_id": rid,
            },
        )


def _text(raw: bytes | None) -> str | None:
    return raw.decode("latin-1") if raw is not None else None


async def _last_resort(send: Send, exc: Exception) -> None:
    """This middleware sits outside the app's exception handlers, so it answers for them
    when an exception passes them all (the same answer: errors.unexpected)."""
    response = unexpected(exc)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


@router.get(
    "/ready",
    responses={
        **ok({"status": "ready", "revision": "0008"}),
        **refusals(
            ApiProblem(503, "store_unavailable", "the store did not answer (OperationalError)"),
            ApiProblem(
                503,
                "store_not_migrated",
                "the store is at schema revision none, this server expects 0008: run `patron"
                " init` against it",
            ),
        ),
    },
)
def ready(request: Request) -> dict[str, str]:
    """Readiness: the store answers and holds the schema this server expects."""
    patron: Patron = request.app.state.patron
    try:
        state = patron.read(readiness)
    except SQLAlchemyError as exc:
        log.warning("readiness: the store did not answer", exc_info=True)
        raise ApiProblem(
            503, "store_unavailable", f"the store did not answer ({type(exc).__name__})"
        ) from None
    if not state.ready:
        raise ApiProblem(
            503,
            "store_not_migrated",
            f"the store is at schema revision {state.revision or 'none'}, this server"
            f" expects {state.expected}: run `patron init` against it",
        )
    return {"status": "ready", "revision": state.expected}


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics (docs/operations.md lists them)."""
    token = get_settings().metrics_token
    sent = request.headers.get("authorization", "")
    if token and not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise ApiProblem(
            401,
            "unauthorized",
            "send `Authorization: Bearer <metrics token>`",
            {"WWW-Authenticate": "Bearer"},
        )
    body, content_type = request.app.state.metrics.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)


def install(app: FastAPI, patron: Patron) -> None:
    """Metrics, request ids and access lines for every request; /ready and /metrics."""
    app.state.metrics = Metrics(
        patron.engine,
        lambda: patron.read(outbox_backlog),
        lambda: patron.read(delivery_lag, patron.clock()),
    )
    app.add_middleware(RequestObserver, metrics=app.state.metrics)
    app.include_router(router)
