"""Importing a purchase history from CSV: validated, batched, resumable.

Design overview. The file is read and checked first (`purchase_file`: every bad row goes
to a rejects file with its line number and reason); valid rows are grouped into purchases
(by `order_id`, or by a key derived from the row when there is none) and written in
batches, one transaction each. A purchase is identified by its order id, so re-running an
import that was interrupted, even by SIGKILL, skips the batches already committed and
finishes the rest: nothing is lost and nothing is written twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import bindparam, update

from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.enroll import enroll, new_referral_code
from patron.services.ledger import current_program
from patron.services.purchase_file import FileReport, Purchases, read_purchases
from patron.store import tables as t
from patron.store.uow import UnitOfWork

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    award_points: bool = False
    batch_size: int = 20_000
    currency: str | None = None


@dataclass
class ImportReport(FileReport):
    purchases: int = 0
    inserted: int = 0
    skipped: int = 0
    members_created: int = 0


def import_purchases(
    new_uow: Callable[[], UnitOfWork],
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    with new_uow() as uow:
        _, program = current_program(uow)
    currency = options.currency or program.currency
    purchases = read_purchases(path, options.mapping, options.date_format, report)
    report.purchases = len(purchases)
    for start in range(0, len(purchases), options.batch_size):
        batch = purchases.rows(start, start + options.batch_size)
        with new_uow() as uow:
            _write_batch(uow, batch, currency, options, report)
            uow.commit()
        if progress:
            progress(min(start + len(batch), len(purchases)), len(purchases))
    return report


def _write_batch(
    uow: UnitOfWork,
    batch: Purchases,
    currency: str,
    options: ImportOptions,
    report: ImportReport,
) -> None:
    existing = uow.purchases.existing_order_ids(batch.order_id)
    if existing:
        batch = batch.subset([i for i, o in enumerate(batch.order_id) if o not in existing])
    report.skipped += len(existing)
    report.inserted += len(batch)
    if not batch:
        return
    if options.award_points:
        _score_each(uow, batch, currency, report)
    else:
        _bulk_insert(uow, batch, currency, report)


def _score_each(uow: UnitOfWork, batch: Purchases, currency: str, report: ImportReport) -> None:
    known = uow.members.ids_by_external(set(batch.customer_id))
    for i in sorted(range(len(batch)), key=batch.occurred_at.__getitem__):
        customer = batch.customer_id[i]
        if customer not in known:
            enrolled = enroll(uow, Enroll(customer, enrolled_at=batch.occurred_at[i]))
            known[customer] = enrolled.member.id
            report.members_created += 1
        record_purchase(
            uow,
            RecordPurchase(
                MemberRef(id=known[customer]),
                batch.order_id[i],
                batch.occurred_at[i],
                currency,
                tuple(batch.lines[i]),
                channel=_extra(batch, "channel", i),
                payment_method=_extra(batch, "payment_method", i),
                promotion_code=_extra(batch, "promotion", i),
                source="import",
            ),
        )


def _extra(batch: Purchases, name: str, i: int) -> str | None:
    values = batch.extra.get(name)
    return values[i] if values is not None else None


# file field -> purchases column
_EXTRA_COLUMNS = {
    "channel": "channel",
    "payment_method": "payment_method",
    "promotion": "promotion_code",
}


def _bulk_insert(uow: UnitOfWork, batch: Purchases, currency: str, report: ImportReport) -> None:
    """History without points: column-wise inserts, no per-purchase round trips."""
    known = _ensure_members(uow, batch, report)
    members = [known[c] for c in batch.customer_id]
    ids = uow.bulk.reserve_ids(t.purchases, len(batch))
    n = len(batch)
    uow.bulk.insert(
        t.purchases,
        {
            "id": ids,
            "member_id": members,
            "order_id": batch.order_id,
            "occurred_at": batch.occurred_at,
            "currency": [currency] * n,
            "total": batch.total,
            "cost": batch.cost,
            "refunded_total": [0] * n,
            **{_EXTRA_COLUMNS[f]: values for f, values in batch.extra.items()},
            "points_earned": [0] * n,
            "bonus_points": [0] * n,
            "source": ["import"] * n,
            "created_at": [uow.now] * n,
        },
    )
    _insert_lines(uow, batch, ids, members)
    _bump_counters(uow, batch, members)


def _insert_lines(uow: UnitOfWork, batch: Purchases, ids: list[int], members: list[int]) -> None:
    purchase_ids, member_ids, numbers, lines = [], [], [], []
    for pid, mid, purchase_lines in zip(ids, members, batch.lines, strict=True):
        for number, line in enumerate(purchase_lines, start=1):
            purchase_ids.append(pid)
            member_ids.append(mid)
            numbers.append(number)
            lines.append(line)
    uow.bulk.insert(
        t.purchase_lines,
        {
            "purchase_id": purchase_ids,
            "member_id": member_ids,
            "line_no": numbers,
            "sku": [x.sku for x in lines],
            "category": [x.category for x in lines],
            "quantity": [x.quantity for x in lines],
            "unit_price": [x.unit_price for x in lines],
            "unit_cost": [x.unit_cost for x in lines],
            "points": [0] * len(lines),
            "refunded_quantity": [0] * len(lines),
        },
    )


def _ensure_members(uow: UnitOfWork, batch: Purchases, report: ImportReport) -> dict[str, int]:
    known = uow.members.ids_by_external(set(batch.customer_id))
    first_seen: dict[str, datetime] = {}
    for customer, at in zip(batch.customer_id, batch.occurred_at, strict=True):
        if customer not in known:
            prev = first_seen.get(customer)
            first_seen[customer] = min(prev, at) if prev else at
    if first_seen:
        _, program = current_program(uow)
        n = len(first_seen)
        ids = uow.bulk.reserve_ids(t.members, n)
        uow.bulk.insert(
            t.members,
            {
                "id": ids,
                "external_id": list(first_seen),
                "tier": [program.tiers.levels[0].name] * n,
                "tier_since": list(first_seen.values()),
                "enrolled_at": list(first_seen.values()),
                "referral_code": [new_referral_code() for _ in range(n)],
                "balance": [0] * n,
                "debt": [0] * n,
                "purchase_count": [0] * n,
                "lifetime_spend": [0] * n,
            },
        )
        report.members_created += n
        known.update(zip(first_seen, ids, strict=True))
    return known


def _bump_counters(uow: UnitOfWork, batch: Purchases, members: list[int]) -> None:
    counts = Counter(members)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    for member, total in zip(members, batch.total, strict=True):
        spend[member] += total
    stmt = (
        update(t.members)
        .where(t.members.c.id == bindparam("mid"))
        .values(
            purchase_count=t.members.c.purchase_count + bindparam("n"),
            lifetime_spend=t.members.c.lifetime_spend + bindparam("s"),
        )
    )
    uow.connection.execute(stmt, [{"mid": m, "n": n, "s": spend[m]} for m, n in counts.items()])
