"""What the Schemathesis test needs beyond the bare OpenAPI schema, to reach real successes.

The schema alone cannot say which members exist, which currency the program books, or
what the server's clock reads; random data therefore never made a purchase, a redemption
or a refund succeed, and a 500 on every success went unnoticed. The document's own
examples name the records of one story (member C-1042, receipt T1-0042, redemption 1),
which the test seeds before the run, so every write gets valid calls; this module adds:

- `fit_to_store`: generated bodies keep their shape, but what the schema cannot say is
  made to hold: dates fall in the year before the test clock, the currency is the
  program's, prices are decimals of at most 1000.00 (the schema allows any string and
  any float, the API four decimals and a capped basket total), quantities at most 100, a
  basket total above zero;
- `Tally`: the answers per operation, printed and asserted by the test.
"""

from __future__ import annotations

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
    """Records created before the run, for the examples and the links to point at."""

    member_id: int
    external_id: str
    purchase_id: int
    redemption_id: int
    now: datetime


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def fit_to_store(case: Any, now: datetime, key: str) -> None:
    """Fold generated dates into the year before `now`, book in EUR, send a fresh
    Idempotency-Key with every write (a generated one would repeat across requests).

    A date is moved by whole windows, so generated dates stay varied (and boundary
    values such as `now` itself are still reached from the examples).
    """
    if case.method.upper() in ("POST", "DELETE"):
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
