"""What the Schemathesis test needs beyond the bare OpenAPI schema, to reach real successes.

The schema alone cannot say which members exist, which currency the program books, or
what the server's clock reads; random data therefore never made a purchase, a redemption
or a refund succeed, and a 500 on every success went unnoticed. This module adds:

- OpenAPI examples that point at records seeded before the run (a member with spendable
  points, a purchase, a redemption), so every operation gets at least one valid call;
- `fit_to_store`: generated bodies keep their shape, but what the schema cannot say is
  made to hold: dates fall in the year before the test clock, the currency is the
  program's, prices are decimals of at most 1000.00 (the schema allows any string and
  any float, the API four decimals and a capped basket total), quantities at most 100, a
  basket total above zero;
- `Tally`: the answers per operation, printed and asserted by the test.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

# the operations whose successful calls the test counts and demands
EARN = "POST /v1/purchases"
REFUND = "POST /v1/purchases/{id}/refunds"
QUOTE = "POST /v1/redemptions/quote"
REDEEM = "POST /v1/redemptions"
CANCEL = "POST /v1/redemptions/{id}/cancel"
ADJUST = "POST /v1/members/{id}/adjustments"
INSIGHTS = "GET /v1/members/{id}/insights"
ENROLL = "POST /v1/members"
BALANCE = "GET /v1/members/{id}/balance"
WRITES = (EARN, REFUND, QUOTE, REDEEM, CANCEL, ADJUST, INSIGHTS)

WINDOW = timedelta(days=365)  # generated purchase and enrollment dates land in this past year
DATED_FIELDS = ("occurred_at", "enrolled_at")


@dataclass(frozen=True)
class Seed:
    """Records created before the run, for the examples to point at."""

    member_id: int
    external_id: str
    purchase_id: int
    redemption_id: int
    now: datetime


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def _examples(seed: Seed) -> dict[str, dict[str, Any]]:
    """Per operation: a valid body and path parameters built on the seeded records."""
    mid = seed.member_id
    at = _iso(seed.now - timedelta(days=1))
    line = {"sku": "BOOK-1", "category": "books", "quantity": 2, "unit_price": "12.50"}
    return {
        ENROLL: {"body": {"external_id": "ex-new", "email": "new@example.com", "name": "New"}},
        EARN: {
            "body": {
                "member_id": mid,
                "order_id": "ex-order",
                "occurred_at": at,
                "currency": "EUR",
                "lines": [line],
            }
        },
        REFUND: {"path": {"id": seed.purchase_id}, "body": {"reason": "damaged"}},
        QUOTE: {"body": {"member_id": mid, "reward_id": "coffee"}},
        REDEEM: {"body": {"member_id": mid, "points": 100}},
        CANCEL: {"path": {"id": seed.redemption_id}, "body": {"reason": "changed mind"}},
        ADJUST: {"path": {"id": str(mid)}, "body": {"points": 40, "reason": "goodwill"}},
        INSIGHTS: {"path": {"id": seed.external_id}},
        "GET /v1/members/{id}": {"path": {"id": str(mid)}},
        BALANCE: {"path": {"id": str(mid)}},
        "GET /v1/members/{id}/ledger": {"path": {"id": str(mid)}},
    }


def enriched_schema(raw: dict[str, Any], seed: Seed) -> dict[str, Any]:
    """The app's OpenAPI document with examples on the seeded records."""
    spec = copy.deepcopy(raw)
    operations: dict[str, dict[str, Any]] = {}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operations[f"{method.upper()} {path}"] = operation
    for label, example in _examples(seed).items():
        operation = operations[label]
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] in example.get("path", {}):
                value = example["path"][parameter["name"]]
                # an id in a path that also takes the shop's ids is a string parameter:
                # an example of another type is dropped by the generator
                if parameter.get("schema", {}).get("type") == "string":
                    value = str(value)
                parameter["example"] = value
        if "body" in example:
            media = operation["requestBody"]["content"]["application/json"]
            media["examples"] = {"seeded": {"value": example["body"]}}
    return spec


def fit_to_store(case: Any, now: datetime, key: str) -> None:
    """Fold generated dates into the year before `now`, book in EUR, send a fresh key.

    A date is moved by whole windows, so generated dates stay varied (and boundary
    values such as `now` itself are still reached from the examples).
    """
    if case.method.upper() == "POST":
        case.headers = {**(case.headers or {}), "Idempotency-Key": key}
    body = case.body
    if not isinstance(body, dict):
        return
    for name in DATED_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            body[name] = _fold(value, now)
    if body.get("basket_total") is not None:  # a redemption against a basket: above zero
        body["basket_total"] = _money(body["basket_total"], least=Decimal("0.01"))
    if "currency" in body and isinstance(body.get("lines"), list):  # a purchase
        body["currency"] = "EUR"
        body["lines"] = [_fit_line(line) for line in body["lines"]]


def _fit_line(line: Any) -> Any:
    if not isinstance(line, dict):
        return line
    fitted = dict(line)
    for name in ("unit_price", "unit_cost"):
        if fitted.get(name) is not None:
            fitted[name] = _money(fitted[name])
    if isinstance(fitted.get("quantity"), int | float):
        fitted["quantity"] = 1 + int(fitted["quantity"]) % 100
    return fitted


def _money(value: Any, least: Decimal = Decimal(0)) -> str:
    """Any generated amount as a decimal string from `least` to 999.99."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal(len(str(value)))
    if not amount.is_finite() or abs(amount) >= Decimal("1e20"):
        amount = Decimal(1)  # beyond what % 1000 can work out in 28 digits
    return str(max(least, (abs(amount) % 1000).quantize(Decimal("0.01"), rounding=ROUND_DOWN)))


def _fold(value: str, now: datetime) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    start = now - WINDOW
    if start <= moment <= now:
        return value
    seconds = (moment - start).total_seconds() % WINDOW.total_seconds()
    return _iso(start + timedelta(seconds=int(seconds)))


@dataclass
class Tally:
    """Answers per operation: `ok` counts the 2xx, `seen` every status."""

    ok: Counter[str] = field(default_factory=Counter)
    seen: dict[str, Counter[int]] = field(default_factory=dict)

    def record(self, label: str, status: int) -> None:
        self.seen.setdefault(label, Counter())[status] += 1
        if 200 <= status < 300:
            self.ok[label] += 1

    def report(self, title: str) -> str:
        lines = [f"{title}: successful calls / all calls per operation (statuses)"]
        for label in sorted(self.seen):
            statuses = ", ".join(f"{s}x{n}" for s, n in sorted(self.seen[label].items()))
            total = sum(self.seen[label].values())
            lines.append(f"  {self.ok[label]:4d} / {total:4d}  {label}  ({statuses})")
        return "\n".join(lines)

    def short_of(self, minimum: int, labels: tuple[str, ...] = WRITES) -> list[str]:
        return [label for label in labels if self.ok[label] < minimum]
