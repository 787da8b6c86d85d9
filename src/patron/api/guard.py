"""The API's edge: body size, authentication and rate limits, before a route reads a body.

Design overview. FastAPI reads and parses a request's body before it runs the route's
dependencies, so a key checked in a dependency is checked after an anonymous client has
had a body of any size read and parsed (OWASP API4:2023, unrestricted resource
consumption). This ASGI middleware runs before the routes and answers, in this order:

1. 413 `body_too_large` when Content-Length declares more than `max_body_bytes`;
2. on /v1 paths, 429 `too_many_failed_attempts` while the client's address has used up
   its failed attempts (`auth_failure_limit` a minute; a missing, unknown, revoked or
   expired key is a failed attempt);
3. 401 `unauthorized` for such a key (the principal of a good one is left in the
   request's state, where api/deps.py takes it: routes check that very principal's
   scope, operations and shop; keys are remembered per api/keycache.py);
4. 429 `rate_limited` when the key has used up its requests (`key_rate_limit` a second,
   `key_rate_burst` at once);
5. then the body: one without Content-Length (chunked) is read here up to the limit and
   refused with 413 as soon as it passes it; the route answers 403 (scope, operations,
   shop) and 422 (body).

Steps 1 to 4 read no byte of the body (a chunked body without a key is refused at step 3,
unread: its size is not known before it is read), and a refusal of a request that carries
a body closes the connection so that the server does not read the rest either. Every
answer is problem+json; 429 and 503 carry Retry-After. The limits count in the worker's
memory (api/ratelimit.py): with `--workers N` each worker counts alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patron.api.deps import BAD_KEY, NO_KEY, PRINCIPAL, cached_principal
from patron.api.errors import problem, store_unavailable
from patron.api.ratelimit import TokenBuckets
from patron.bootstrap import is_store_down
from patron.config import Settings, get_settings
from patron.services.apikeys import Principal

GUARDED = "/v1/"  # every path under it needs a key


@dataclass(frozen=True)
class Limits:
    """The edge's limits (their defaults and meaning: config.Settings); a rate of 0 turns
    that limit off."""

    max_body_bytes: int
    key_rate_limit: float
    key_rate_burst: int
    auth_failure_limit: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_body_bytes,
            settings.key_rate_limit,
            settings.key_rate_burst,
            settings.auth_failure_limit,
        )


def install(app: FastAPI, limits: Limits | None = None) -> None:
    """Put the guard in front of the routes, with the settings' limits unless given."""
    app.add_middleware(EdgeGuard, limits=limits or Limits.from_settings(get_settings()))


class EdgeGuard:
    """A pure ASGI middleware: BaseHTTPMiddleware runs every request in streams and tasks
    of its own and cannot hand the app a body it has already read."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app, self.limits = app, limits
        self.per_key = (
            TokenBuckets(limits.key_rate_limit, limits.key_rate_burst)
            if limits.key_rate_limit > 0
            else None
        )
        self.failures = (
            TokenBuckets(limits.auth_failure_limit / 60, limits.auth_failure_limit)
            if limits.auth_failure_limit > 0
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._declared_too_large(headers) or await self._authenticate(scope, headers)
        if refusal is None and "content-length" not in headers and _has_body(headers):
            try:
                body = await self._read_limited(receive)
            except _ClientLeft:
                return
            if body is None:
                refusal = self._too_large()
            else:
                receive = _replay(body, receive)
        if refusal is not None:
            if _has_body(headers):
                refusal.headers["Connection"] = "close"
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _declared_too_large(self, headers: Headers) -> JSONResponse | None:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_body_bytes:
            return self._too_large()
        return None

    def _too_large(self) -> JSONResponse:
        limit = self.limits.max_body_bytes
        detail = f"the request body is over this server's limit of {limit} bytes"
        return problem(413, "body too large", detail, "body_too_large", limit=limit)

    async def _read_limited(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (the rest stays unread)."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                raise _ClientLeft  # half a body: nothing to answer, nothing to run
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _authenticate(self, scope: Scope, headers: Headers) -> JSONResponse | None:
        if not str(scope["path"]).startswith(GUARDED):
            return None
        address = _address(scope)
        if self.failures is not None and (wait := self.failures.wait(address)) > 0:
            detail = "too many requests with a missing or wrong API key from this address"
            code = "too_many_failed_attempts"
            return retry_later(problem(429, code.replace("_", " "), detail, code), wait)
        key = _bearer(headers.get("authorization", ""))
        try:
            principal = await self._principal(scope, key) if key else None
        except Exception as exc:
            if is_store_down(exc):
                return store_unavailable(exc)
            raise
        if principal is None:
            if self.failures is not None:
                self.failures.take(address)
            response = problem(401, "unauthorized", BAD_KEY if key else NO_KEY, "unauthorized")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        if self.per_key is not None and (wait := self.per_key.take(principal.key_id)) > 0:
            rate, burst = self.limits.key_rate_limit, self.limits.key_rate_burst
            detail = f"this API key sent more than {rate:g} requests a second (or {burst} at once)"
            return retry_later(problem(429, "rate limited", detail, "rate_limited"), wait)
        scope.setdefault("state", {})[PRINCIPAL] = principal
        return None

    @staticmethod
    async def _principal(scope: Scope, key: str) -> Principal | None:
        state = scope["app"].state
        return await cached_principal(state.key_cache, state.patron, key)


class _ClientLeft(Exception):
    """The client disconnected before the end of its body."""


def retry_later(response: JSONResponse, wait: float) -> JSONResponse:
    """`response` with the whole seconds until the client may try again."""
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _address(scope: Scope) -> str:
    """The client's address (behind a proxy, the one uvicorn took from X-Forwarded-For)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _bearer(authorization: str) -> str:
    scheme, _, key = authorization.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body read here, then the server's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
