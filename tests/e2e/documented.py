"""What the OpenAPI document says each operation may refuse, to check real answers by.

`Refusals(document)` reads, per operation and status, the problem codes its examples
show. `undocumented(method, path, status, body, headers)` names an answer the document
does not announce: a status the operation does not list, a problem `code` not among its
examples for that status, or one without a header the document says that code carries.
The e2e client fixture and the Schemathesis run both check every answer with it, so a
refusal added to a route without its line in the document fails the tests that provoke
it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PROBLEM = "application/problem+json"
UNFORESEEN = 500  # a bug by definition: not_a_server_error reports it, not this


def problem_codes(response: dict[str, Any]) -> set[str]:
    media = response.get("content", {}).get(PROBLEM, {})
    return {example["value"]["code"] for example in media.get("examples", {}).values()}


@dataclass
class Refusals:
    document: dict[str, Any]
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.templates: list[tuple[re.Pattern[str], str]] = []
        # fixed paths first: /v1/analytics/economics before /v1/analytics/{table}
        for path in sorted(self.document["paths"], key=lambda p: (p.count("{"), p)):
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"
            self.templates.append((re.compile(pattern), path))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self.templates:
            if pattern.match(path):
                found = self.document["paths"][template].get(method.lower())
                if found is not None:
                    return template, found
        return None

    def undocumented(
        self, method: str, path: str, status: int, body: Any, headers: Iterable[str] = ()
    ) -> str | None:
        """Why this answer (with these header names) is not one its operation documents,
        or None if it is."""
        found = self.operation(method, path)
        if found is None or status == UNFORESEEN:
            return None  # no such operation (a 401 or 404 of an unknown path)
        template, operation = found
        response = operation["responses"].get(str(status))
        label = f"{method.upper()} {template}"
        if response is None:
            return f"{label} answered {status}, which its document does not list"
        if status >= 400:
            code = body.get("code") if isinstance(body, dict) else None
            if code not in problem_codes(response):
                return f"{label} answered {status} {code!r}, not among its documented codes"
            sent = {name.lower() for name in headers}
            for name, header in response.get("headers", {}).items():
                if code in header.get("x-codes", ()) and name.lower() not in sent:
                    return f"{label} answered {status} {code!r} without its {name} header"
        return None
