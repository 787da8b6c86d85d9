"""The problem+json answers as the OpenAPI document describes them: one `Problem` schema
and an example body for every refusal a path can send.

Design overview. A client reads the document to learn what each path may refuse and what
the refusal's body holds (issue 11). Writing those bodies by hand beside the code that
sends them would let the two drift, so an example here is made by the very functions of
api/errors.py that answer the request, from an instance of the error itself:
`refusals(NotFound("no member with external_id 'C-9999'"), MemberExists(...))` in a
route's decorator documents those two refusals with their status, `type`, `title`,
`code` and facts exactly as sent. The refusals every path of a kind shares (a missing
key, an Idempotency-Key, an invalid body) are added by api/openapi.py from the route's
dependencies, from the answers below. tests/e2e/test_openapi.py checks the examples, and
the Schemathesis run checks that every problem sent is one its path documents.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from patron.api.deps import NO_KEY
from patron.api.errors import (
    PROBLEM,
    ApiProblem,
    api_problem,
    domain_problem,
    problem,
    store_down,
    write_refused,
)
from patron.api.guard import retry_later
from patron.api.schemas import with_nulls
from patron.domain.errors import (
    AmbiguousMember,
    AmbiguousPurchase,
    ForbiddenShop,
    InsufficientPoints,
    MemberErased,
    NoProgram,
    NotFound,
    PatronError,
)

SCHEMA_REF = "#/components/schemas/Problem"


class FieldError(BaseModel):
    """One field of an invalid request and what is wrong with it."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="where: body.lines.0.quantity, query.limit, header…")
    message: str = Field(description="what is expected there")


class Problem(BaseModel):
    """An RFC 9457 problem: every 4xx and 5xx answer of the API (application/problem+json).

    A client acts on `code` (stable, one per kind of refusal) and on the facts some codes
    carry; `detail` is for people."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="https://patron.dev/problems/<code>")
    title: str = Field(description="the code in words")
    status: int = Field(ge=400, le=599, description="the HTTP status, repeated")
    detail: str = Field(description="what was wrong and what to do, for people")
    code: str = Field(description="what to act on: one code per kind of refusal")
    errors: list[FieldError] | None = Field(
        None, description="invalid_request: each invalid field of the request"
    )
    requested: int | None = Field(None, description="insufficient_points: the points asked")
    available: int | None = Field(None, description="insufficient_points: the points spendable")
    member_id: int | None = Field(
        None,
        description="member_exists: the member already enrolled; club_join_refused: the member"
        " whose standing does not allow the step",
    )
    member_ids: list[int] | None = Field(
        None, description="ambiguous_member: the member by Patron's id, then by external id"
    )
    purchase_id: int | None = Field(
        None, description="order_id_taken: the purchase recorded under the order id"
    )
    purchase_ids: list[int] | None = Field(
        None, description="ambiguous_purchase: the purchase by Patron's id, then by order id"
    )
    redemption_id: int | None = Field(
        None,
        description="redemption_already_cancelled, transaction_id_reused, voucher_used,"
        " voucher_expired, voucher_cancelled: the redemption",
    )
    limit: int | None = Field(
        None,
        description="body_too_large: the largest body, in bytes; reward_limit_reached: the"
        " redemptions a member may make in the period",
    )
    per: str | None = Field(
        None, description="reward_limit_reached: the period (day, week, month, year, ever)"
    )
    goal_id: int | None = Field(
        None, description="goal_not_found: the goal asked for; primary_goal_exists: the primary"
    )
    experiment_id: int | None = Field(
        None, description="experiment_exists, experiment_started: the experiment"
    )
    campaign_id: int | None = Field(
        None, description="campaign_exists, campaign_started: the campaign"
    )
    club_id: str | None = Field(None, description="club_join_refused: the club")
    clubs: list[str] | None = Field(
        None, description="reward_for_club_members: the clubs whose members may take the reward"
    )
    buyer_id: int | None = Field(None, description="buyer_taken: the buyer who holds the key")
    quantity: int | None = Field(
        None, description="entitlement_exhausted: the uses the tier gives in each period"
    )
    used: int | None = Field(None, description="entitlement_exhausted: the uses this period")
    next_period: str | None = Field(
        None, description="entitlement_exhausted: the day the next period starts (UTC)"
    )
    reason: str | None = Field(
        None,
        description="referral_refused: why (self_referral, same_email, same_phone,"
        " existing_member;"
        " docs/referrals.md)",
    )
    rsvp_id: int | None = Field(None, description="rsvp_exists, rsvp_not_active: the RSVP")


Refusal = PatronError | ApiProblem | JSONResponse


def answer(refusal: Refusal) -> JSONResponse:
    """The answer the API sends for `refusal`: its body and its headers."""
    if isinstance(refusal, PatronError):
        return domain_problem(refusal)
    if isinstance(refusal, ApiProblem):
        return api_problem(refusal)
    return refusal


def body(refusal: Refusal) -> dict[str, Any]:
    """The problem body the API sends for `refusal`."""
    parsed: dict[str, Any] = json.loads(bytes(answer(refusal).body))
    return parsed


def refusals(*sent: Refusal) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: each refusal under its status, as an example named by its
    code (api/openapi.py adds the refusals shared by every path of a kind)."""
    responses: dict[int | str, dict[str, Any]] = {}
    for refusal in sent:
        add(responses, refusal)
    return responses


# the headers a refusal may carry, as the document describes them
HEADERS = {
    "retry-after": ("Retry-After", {"type": "integer", "minimum": 1}, "seconds to wait"),
    "www-authenticate": ("WWW-Authenticate", {"type": "string"}, "the scheme: Bearer"),
}


def add(responses: dict[Any, dict[str, Any]], refusal: Refusal, key: Any = None) -> None:
    """Put `refusal` among the problem examples of its status in `responses`, and the
    headers it carries among the status's headers (each saying which codes send it)."""
    sent = answer(refusal)
    example = body(refusal)
    status = example["status"] if key is None else key
    response = responses.setdefault(status, {})
    media = response.setdefault("content", {}).setdefault(PROBLEM, {})
    media["schema"] = {"$ref": SCHEMA_REF}
    examples = media.setdefault("examples", {})
    name = example["code"]
    while name in examples:
        name += "_"
    examples[name] = {"summary": example["code"], "value": example}
    codes = sorted({e["value"]["code"] for e in examples.values()})
    response["description"] = "problem+json: " + ", ".join(codes)
    for header in sent.headers:
        if header in HEADERS:
            _add_header(response, header, example["code"])


def _add_header(response: dict[str, Any], header: str, code: str) -> None:
    name, schema, meaning = HEADERS[header]
    headers = response.setdefault("headers", {})
    known = headers.get(name, {}).get("x-codes", [])
    codes = sorted({*known, code})
    headers[name] = {
        "description": f"{meaning}; sent with {', '.join(codes)}",
        "schema": schema,
        "x-codes": codes,
    }


def ok(example: dict[str, Any], *, named: bool = False) -> dict[int | str, dict[str, Any]]:
    """A `responses=` entry with an example of a 200 whose body has no model; `named`:
    `example` holds one example per name."""
    if named:
        examples = {name: {"summary": name, "value": value} for name, value in example.items()}
        return {200: {"content": {"application/json": with_nulls(examples=examples)}}}
    return {200: {"content": {"application/json": with_nulls(example=example)}}}


# The answers of api/guard.py, before any route runs, and of the shared dependencies.
UNAUTHORIZED = ApiProblem(401, "unauthorized", NO_KEY, {"WWW-Authenticate": "Bearer"})
FORBIDDEN = ApiProblem(403, "forbidden", "this operation needs an admin key")
RATE_LIMITED = retry_later(
    problem(
        429,
        "rate limited",
        "this API key sent more than 100 requests a second (or 200 at once)",
        "rate_limited",
    ),
    1,
)
LOCKED_OUT = retry_later(
    problem(
        429,
        "too many failed attempts",
        "too many requests with a missing or wrong API key from this address",
        "too_many_failed_attempts",
    ),
    3,
)
TOO_LARGE = problem(
    413,
    "body too large",
    "the request body is over this server's limit of 1048576 bytes",
    "body_too_large",
    limit=1048576,
)
STORE_DOWN = store_down()
KEY_MISSING = ApiProblem(
    400, "idempotency_key_missing", "writes need an `Idempotency-Key` header (a UUID, say)"
)
INVALID_REQUEST = problem(
    422,
    "invalid request",
    "body.lines.0.quantity: must be a whole number written as a JSON number, e.g. 2",
    "invalid_request",
    errors=[
        {
            "field": "body.lines.0.quantity",
            "message": "must be a whole number written as a JSON number, e.g. 2",
        }
    ],
)
WRITE_REFUSED = write_refused()


def forbidden_operation(operation: str) -> ApiProblem:
    return ApiProblem(
        403,
        "forbidden_operation",
        f"this API key may not {operation} (it may: read_member); ask an admin for a key that may",
    )


# The refusals of the use cases, as the routes' decorators name them (their messages are
# the use cases' own, on the records of the examples in api/schemas.py).
NO_MEMBER = NotFound("no member with external_id 'C-9999'")
AMBIGUOUS_MEMBER = AmbiguousMember(
    "'3' is Patron's id of member 3 and the external id of member 7: say which with by=id"
    " or by=external_id",
    member_ids=[3, 7],
)
NO_PURCHASE = NotFound("no purchase with order_id 'T1-9999'")
AMBIGUOUS_PURCHASE = AmbiguousPurchase(
    "'812' is Patron's id of purchase 812 and the order id of purchase 815: say which with"
    " by=id or by=order_id",
    purchase_ids=[812, 815],
)
OTHER_SHOP = ForbiddenShop(
    "purchase 812 was not made at shop 'paris-opera', this key's shop: it can be handled at"
    " the shop where it was made, or with a key for every shop"
)
ERASED = MemberErased("member 3 was erased on 2026-01-20: they can no longer earn points")
NO_PROGRAM = NoProgram()
SHORT = InsufficientPoints(500, 140)
