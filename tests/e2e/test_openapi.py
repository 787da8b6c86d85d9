"""The OpenAPI document a till developer reads: an example for every request and answer,
each valid for its model, and a description for every field; every refusal in the one
problem+json schema the API sends, with a code the code base really sends; the
Idempotency-Key required where it is; and docs/api.md listing every path and its
refusals, so neither can drift from the routes.

(That each refusal the API really sends is documented for its path is checked on every
answer of the e2e client fixture, tests/e2e/documented.py, and in the Schemathesis run.)
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs  # Schemathesis' own validator, installed with it
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter

import patron.api
from patron.api import errors
from patron.api.app import create_app
from patron.api.problems import Problem
from patron.bootstrap import Patron
from patron.domain.errors import PatronError
from tests.conftest import ROOT
from tests.e2e.documented import PROBLEM, problem_codes

JSON = "application/json"
API_MD = ROOT / "docs" / "api.md"

# Written by hand from the routes: the writes that take the Idempotent dependency.
IDEMPOTENT_WRITES = {
    "POST /v1/members",
    "DELETE /v1/members/{id}",
    "POST /v1/members/{id}/adjustments",
    "PUT /v1/members/{id}/birthday",
    "POST /v1/purchases",
    "POST /v1/purchases/{id}/refunds",
    "POST /v1/redemptions",
    "POST /v1/redemptions/{id}/cancel",
    "POST /v1/acquisition-spend",
    "POST /v1/goals",
    "PUT /v1/budget/lines",
    "POST /v1/budget/actuals",
    "POST /v1/cards/batches",
    "POST /v1/cards/{number}/link",
    "POST /v1/cards/{number}/block",
    "POST /v1/cards/{number}/replace",
    "POST /v1/clubs/{club_id}/steps",
    "POST /v1/vouchers/{code}/use",
    "POST /v1/events/{reward_id}/rsvps",
    "POST /v1/rsvps/{id}/cancel",
    "POST /v1/rsvps/{id}/check-in",
    "POST /v1/experiments",
    "POST /v1/businesses",
    "POST /v1/businesses/{id}/buyers",
    "POST /v1/businesses/{id}/buyers/{buyer_id}/remove",
    "POST /v1/businesses/{id}/entitlements/{entitlement}/uses",
}

# The refusals docs/api.md states once for every /v1 path of a kind, not per path.
SHARED_IN_DOCS = {
    (401, "unauthorized"),
    (429, "rate_limited"),
    (429, "too_many_failed_attempts"),
    (503, "store_unavailable"),
    (413, "body_too_large"),
    (422, "invalid_request"),
    (400, "idempotency_key_missing"),
    (409, "idempotency_key_in_use"),
    (422, "idempotency_key_reused"),
    (409, "conflict"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    patron = Patron.from_url(f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'patron.db'}")
    yield create_app(patron)
    patron.dispose()


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def routes(app: FastAPI) -> Iterator[tuple[str, Any]]:
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                yield f"{method} {route.path_format}", route


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def media_examples(document: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    """The examples of a body: the media type's own, else its schema's (each branch's)."""
    if "example" in media:
        return [media["example"]]
    if "examples" in media:
        return [example["value"] for example in media["examples"].values()]
    schema = resolve(document, media["schema"])
    branches = [b for b in schema.get("anyOf", [schema]) if b != {"type": "null"}]
    return [example for branch in branches for example in resolve(document, branch)["examples"]]


def validate(document: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """`value` against `schema`, its references resolved in the document (JSON Schema
    2020-12, the dialect of OpenAPI 3.1)."""
    root = {**schema, "components": document["components"]}
    jsonschema_rs.Draft202012Validator(root).validate(value)


def successes(operation: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for status, response in operation["responses"].items():
        if status.startswith("2") and JSON in response.get("content", {}):
            yield response["content"][JSON]


def refusals(operation: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for status, response in operation["responses"].items():
        if int(status) >= 400:
            yield int(status), response


def test_every_request_body_and_every_answer_carries_an_example(document: dict[str, Any]) -> None:
    missing = []
    for label, operation in operations(document):
        bodies = list(operation.get("requestBody", {}).get("content", {}).values())
        for media in bodies + list(successes(operation)):
            try:
                found = media_examples(document, media)
            except KeyError:
                found = []
            if not found:
                missing.append(label)
    assert missing == []


def test_every_field_of_every_body_and_answer_says_what_it_is(document: dict[str, Any]) -> None:
    undescribed = [
        f"{name}.{field}"
        for name, schema in document["components"]["schemas"].items()
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []


def test_every_example_of_a_request_or_an_answer_is_valid_for_its_model(
    app: FastAPI, document: dict[str, Any]
) -> None:
    paths = document["paths"]
    checked = 0
    for label, route in routes(app):
        method, path = label.split(" ", 1)
        operation = paths[path][method.lower()]
        if route.body_field is not None:
            media = operation["requestBody"]["content"][JSON]
            model = TypeAdapter(route.body_field.field_info.annotation)
            for example in media_examples(document, media):
                validate(document, media["schema"], example)
                model.validate_python(example)  # the model's own rules too (one member…)
                checked += 1
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(JSON)
            if not status.startswith("2") or media is None:
                continue
            for example in media_examples(document, media):
                validate(document, media["schema"], example)
                # the route's model is its main answer's (a 202 of POST /v1/purchases,
                # a purchase awaiting a member, has its own, checked by the schema above)
                if route.response_model is not None and status == str(route.status_code):
                    TypeAdapter(route.response_model).validate_python(example)
                checked += 1
    assert checked >= 40


def test_every_refusal_is_problem_json_in_the_one_problem_schema(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(document)
    assert "ValidationError" not in document["components"]["schemas"]
    for label, operation in operations(document):
        for status, response in refusals(operation):
            assert list(response["content"]) == [PROBLEM], (label, status)
            media = response["content"][PROBLEM]
            assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (label, status)
            assert media["examples"], (label, status)


def test_every_problem_example_is_a_body_the_api_sends(document: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/Problem"}
    status_of_code = {cls.code: status for cls, status in errors.STATUS.items()}
    sent = codes_sent_by_the_code()
    for label, operation in operations(document):
        for status, response in refusals(operation):
            for example in response["content"][PROBLEM]["examples"].values():
                body = example["value"]
                validate(document, schema, body)
                Problem.model_validate(body)
                code = body["code"]
                assert code in sent, f"{label}: {code} is sent nowhere"
                assert body["status"] == status, (label, code)
                assert status_of_code.get(code, status) == status, (label, code)
                assert body["type"] == f"https://patron.dev/problems/{code}"
                assert body["title"] == code.replace("_", " ")


# Domain errors no path of the API can meet: the base class itself, a program (loaded by
# the CLI only) and a model not identified (insights and the export catch it).
# refusals no /v1 path can meet: programs and staff users are managed by the CLI and the
# console, and model identification is the analytics commands'
NOT_THROUGH_THE_API = {
    "patron_error",
    "invalid_program",
    "model_not_identified",
    "staff_user_exists",
    "last_owner",
}


def test_every_refusal_of_the_domain_has_an_example_body_in_the_document(
    document: dict[str, Any],
) -> None:
    documented = {
        code
        for _, operation in operations(document)
        for _, r in refusals(operation)
        for code in problem_codes(r)
    }
    domain = {cls.code for cls in errors.STATUS}
    assert domain - NOT_THROUGH_THE_API <= documented


def codes_sent_by_the_code() -> set[str]:
    """The codes of every domain error class, and the codes the API's own modules write
    in `ApiProblem(status, code, …)` and `problem(status, title, detail, code)` (and a
    `code = "…"` beside them), read from the source, not from the document's makers."""
    codes = {cls.code for cls in _subclasses(PatronError)}
    sources = Path(patron.api.__file__).parent.rglob("*.py")
    for source in sources:
        if source.name in ("problems.py", "openapi.py"):
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            codes |= _literal_code(node)
    return codes


def _literal_code(node: ast.AST) -> set[str]:
    position = {"ApiProblem": 1, "problem": 3}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        at = position.get(node.func.id)
        if at is not None and len(node.args) > at:
            argument = node.args[at]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                return {argument.value}
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if names == ["code"] and isinstance(node.value.value, str):
            return {node.value.value}
    return set()


def _subclasses(cls: type[PatronError]) -> Iterator[type[PatronError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_the_idempotency_key_is_required_on_every_idempotent_write_and_only_there(
    document: dict[str, Any],
) -> None:
    required, optional = set(), set()
    for label, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                (required if parameter.get("required") else optional).add(label)
    assert required == IDEMPOTENT_WRITES
    assert optional == set()


def test_every_idempotent_write_documents_the_idempotency_refusals(
    document: dict[str, Any],
) -> None:
    for label, operation in operations(document):
        codes = {(status, code) for status, r in refusals(operation) for code in problem_codes(r)}
        expected = {
            (400, "idempotency_key_missing"),
            (409, "idempotency_key_in_use"),
            (422, "idempotency_key_reused"),
        }
        assert (expected <= codes) == (label in IDEMPOTENT_WRITES), label


def documented_paths(section: str) -> dict[str, str]:
    """docs/api.md's table under `## {section}`: the `METHOD /path` of each row, and the
    rest of the row."""
    text = API_MD.read_text()
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    rows = {}
    for line in text[start : end if end > 0 else None].splitlines():
        found = re.match(r"\| `([A-Z]+ /[^`]*)` \|(.*)", line)
        if found:
            rows[found[1]] = found[2]
    return rows


def test_docs_api_md_lists_every_path_of_the_api(document: dict[str, Any]) -> None:
    assert set(documented_paths("Paths")) == {label for label, _ in operations(document)}


def test_docs_api_md_lists_the_refusals_of_every_path(document: dict[str, Any]) -> None:
    table = documented_paths("Refusals by path")
    assert set(table) == {label for label, _ in operations(document)}
    for label, operation in operations(document):
        codes = {(status, code) for status, r in refusals(operation) for code in problem_codes(r)}
        written = {(int(s), c) for s, c in re.findall(r"`(\d{3}) ([a-z_]+)`", table[label])}
        shared = SHARED_IN_DOCS if " /v1/" in label else set()  # all kinds are /v1 paths
        assert written == codes - shared, label
