"""The OpenAPI document as a client needs it: every refusal a path can send, in the one
problem+json schema the API really sends, and the Idempotency-Key marked required where
it is.

Design overview. FastAPI documents a route's success and, for any route with parameters,
a 422 in a schema of its own (`HTTPValidationError`) that the API never sends
(api/errors.py answers problem+json). This module completes the document FastAPI builds,
once, from what each route depends on, so a new route is documented as it behaves:

- every /v1 path: 401 and the two 429s of api/guard.py, and 503 when the store is down;
- a request body: 413 (api/guard.py); any parameter or body: 422 `invalid_request`;
- an admin key: 403 `forbidden`; a key's operation: 403 `forbidden_operation`;
- an idempotent write: the Idempotency-Key header is required, and 400, 409 and 422 of
  api/idempotency.py, and 409 `conflict` (a write the database refused);
- the refusals of the route's own use case come from its decorator (api/problems.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from patron.api import problems
from patron.api.deps import Allowed, require_admin
from patron.api.errors import PROBLEM
from patron.api.guard import GUARDED
from patron.api.idempotency import idempotent_write
from patron.api.schemas import KEEP_NULLS
from patron.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused

IDEMPOTENCY_HEADER = "Idempotency-Key"
FASTAPI_422 = ("HTTPValidationError", "ValidationError")

GUARD: list[problems.Refusal] = [
    problems.UNAUTHORIZED,
    problems.RATE_LIMITED,
    problems.LOCKED_OUT,
    problems.STORE_DOWN,
]
IDEMPOTENT: list[problems.Refusal] = [
    problems.KEY_MISSING,
    IdempotencyKeyInUse(
        "a request with this Idempotency-Key is still being processed; retry later"
    ),
    IdempotencyKeyReused("this Idempotency-Key was used with a different request body"),
    problems.WRITE_REFUSED,
]


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (and to /docs and /redoc)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(app, FastAPI.openapi(app))
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = document  # type: ignore[method-assign]


def complete(app: FastAPI, document: dict[str, Any]) -> None:
    """Add to FastAPI's `document` what each route can refuse, in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for route in _api_routes(app):
        for method in route.methods:
            operation = document["paths"][route.path_format][method.lower()]
            _complete_operation(route, operation)
    for name in FASTAPI_422:
        schemas.pop(name, None)
    _restore_nulls(document)


def _restore_nulls(node: Any) -> None:
    """Put back the examples as written, nulls included (api/schemas.KEEP_NULLS)."""
    if isinstance(node, dict):
        kept = node.pop(KEEP_NULLS, None)
        if kept is not None:
            node.update(json.loads(kept))
        for value in node.values():
            _restore_nulls(value)
    elif isinstance(node, list):
        for value in node:
            _restore_nulls(value)


def _api_routes(app: FastAPI) -> Iterator[Any]:
    """The documented routes, with the paths and dependencies of the routers they are in."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def _complete_operation(route: Any, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if PROBLEM not in responses.get("422", {}).get("content", {}):
        responses.pop("422", None)  # FastAPI's HTTPValidationError, which is never sent
    for refusal in shared_refusals(route):
        problems.add(responses, refusal, key=str(problems.body(refusal)["status"]))
    if _depends_on(route.dependant, lambda call: call is idempotent_write):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] == IDEMPOTENCY_HEADER:
                parameter["required"] = True
                parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 255}
    operation["responses"] = dict(sorted(responses.items()))


def shared_refusals(route: Any) -> list[problems.Refusal]:
    """The refusals a route shares with every route of its kind (module docstring)."""
    found: list[problems.Refusal] = []
    if route.path_format.startswith(GUARDED):
        found += GUARD
    if route.body_field is not None:
        found.append(problems.TOO_LARGE)
    if route.body_field is not None or _has_parameters(route.dependant):
        found.append(problems.INVALID_REQUEST)
    if _depends_on(route.dependant, lambda call: call is require_admin):
        found.append(problems.FORBIDDEN)
    for operation in _operations(route.dependant):
        found.append(problems.forbidden_operation(operation))
    if _depends_on(route.dependant, lambda call: call is idempotent_write):
        found += IDEMPOTENT
    return found


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _depends_on(dependant: Dependant, test: Callable[[Any], bool]) -> bool:
    return any(test(sub.call) for sub in _dependencies(dependant))


def _operations(dependant: Dependant) -> list[str]:
    """The operations the route's key must be allowed (api/deps.Allowed)."""
    return [
        sub.call.operation.value
        for sub in _dependencies(dependant)
        if isinstance(sub.call, Allowed)
    ]


def _has_parameters(dependant: Dependant) -> bool:
    own = dependant.path_params + dependant.query_params + dependant.header_params
    return bool(own) or any(_has_parameters(sub) for sub in dependant.dependencies)
