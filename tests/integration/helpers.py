"""Small builders that keep the scenarios readable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from patron.bootstrap import Patron
from patron.domain.earning import Line
from patron.domain.errors import PatronError
from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import Recorded, record_purchase
from patron.services.enroll import enroll
from patron.services.verify import verify


def member(patron: Patron, external_id: str = "c-1", **kw: object) -> int:
    return patron.run(enroll, Enroll(external_id, **kw)).member.id  # type: ignore[arg-type]


def buy(
    patron: Patron,
    member_id: int,
    order_id: str,
    *lines: tuple[str, str | None, int, str],
    at: datetime | None = None,
    code: str | None = None,
) -> Recorded:
    return patron.run(
        record_purchase,
        RecordPurchase(
            MemberRef(id=member_id),
            order_id,
            at or patron.clock(),
            "EUR",
            tuple(Line(sku, cat, qty, Decimal(price)) for sku, cat, qty, price in lines),
            promotion_code=code,
        ),
    )


def record(patron: Patron, mid: int, order_id: str, **kw: object) -> Recorded:
    """A purchase of one line of 50.00 EUR, dated now unless `at` is given."""
    at = kw.pop("at", patron.clock())
    lines = kw.pop("lines", (Line("A", None, 1, Decimal("50.00")),))
    return patron.run(
        record_purchase,
        RecordPurchase(MemberRef(id=mid), order_id, at, "EUR", lines, **kw),  # type: ignore[arg-type]
    )


def is_recorded(patron: Patron, order_id: str) -> bool:
    with patron.uow(readonly=True) as uow:
        return uow.purchases.by_order_id(order_id) is not None


def lots_of(patron: Patron, member_id: int) -> list[tuple[int, int, datetime | None]]:
    """The member's lots that still hold points: (lot id, remaining, expires at)."""
    with patron.uow(readonly=True) as uow:
        return [(lot.id, lot.remaining, lot.expires_at) for lot in uow.ledger.open_lots(member_id)]


def balance_of(patron: Patron, member_id: int) -> int:
    with patron.uow(readonly=True) as uow:
        found = uow.members.get(member_id)
        assert found is not None
        return found.balance


def assert_verified(patron: Patron) -> None:
    report = patron.read(verify)
    assert report.ok, report.problems


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` for i < n in n threads released together; each result or the error
    it raised (the races of vouchers, events and entitlements). Any error is kept, not
    only Patron's: a thread that failed to reach the store must not pass for a success."""
    gate = threading.Barrier(n)
    results: list[Any] = [None] * n

    def one(i: int) -> None:
        gate.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 -- the caller counts every outcome
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def outcome(result: Any) -> str:
    """A Patron error's code; any other error (a store out of connections) or a thread
    that never finished by its name; "ok" only for a result."""
    if isinstance(result, PatronError):
        return result.code
    if isinstance(result, BaseException):
        return type(result).__name__
    return "unfinished" if result is None else "ok"
