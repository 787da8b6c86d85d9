"""Importing a purchase history from CSV: validated, batched, resumable.

Design overview. The file is read and checked first (`purchase_file`: every bad row goes
to a rejects file with its line number and reason); valid rows are grouped into purchases
(by `order_id`, or by a key derived from the row when there is none) and written in
batches, one transaction each. A purchase is identified by its order id, so re-running an
import that was interrupted, even by SIGKILL, skips the batches already committed and
finishes the rest: nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from patron.domain import events
from patron.domain.clock import latest_allowed
from patron.domain.errors import InvalidInput
from patron.domain.limits import MAX_PURCHASES
from patron.files import FileFormat
from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.enroll import enroll, new_member
from patron.services.program import current_program
from patron.services.purchase_file import FileReport, Purchases, read_purchases
from patron.store.uow import UnitOfWork

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    award_points: bool = False
    batch_size: int = 50_000
    currency: str | None = None
    # how the file's text is written (patron.files.FileFormat): None is read from the file
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False

    @property
    def file_format(self) -> FileFormat:
        return FileFormat(self.encoding, self.delimiter, self.decimal_comma, self.date_format)


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
    with _collector_paused():
        return _import(new_uow, path, options, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector rescans every live container each time enough
    new ones pile up; an import creates millions (none in cycles), so the scans cost more
    than the import's own work. Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    new_uow: Callable[[], UnitOfWork],
    path: Path,
    options: ImportOptions,
    progress: Progress | None,
) -> ImportReport:
    report = ImportReport()
    with new_uow() as uow:
        _, program = current_program(uow)
        latest = latest_allowed(uow.now)
    currency = options.currency or program.currency
    purchases = read_purchases(path, options.mapping, options.file_format, report, latest)
    report.purchases = len(purchases)
    with new_uow() as uow:
        _check_room(uow.members.most_purchases(), len(purchases))
    members: dict[str, int] = {}  # customers known to be in the store, across batches
    for start in range(0, len(purchases), options.batch_size):
        batch = purchases.rows(start, start + options.batch_size)
        with new_uow() as uow:
            if options.award_points:
                _score_each(uow, batch, currency, report)
            else:
                created = _bulk_insert(uow, batch, currency, members, report)
            uow.commit()
        if not options.award_points:
            members.update(created)  # only once committed
        if progress:
            progress(min(start + len(batch), len(purchases)), len(purchases))
    return report


def _check_room(most: int, purchases: int) -> None:
    """Refuse, before writing anything, a file that could take a member past the most
    purchases one member may have (`limits.MAX_PURCHASES`: it keeps `purchase_count` and
    `lifetime_spend` within their columns). One query, and no member comes near it in
    practice; were one to, the file is refused whole rather than half imported."""
    if most + purchases > MAX_PURCHASES:
        raise InvalidInput(
            f"a member has {most} purchases and this file holds {purchases}: together more"
            f" than the {MAX_PURCHASES} one member may have; nothing was imported"
        )


def _score_each(uow: UnitOfWork, batch: Purchases, currency: str, report: ImportReport) -> None:
    existing = uow.purchases.existing_order_ids(batch.order_id.tolist())
    if existing:
        batch = batch.subset(np.flatnonzero(~np.isin(batch.order_id, list(existing))))
    report.skipped += len(existing)
    report.inserted += len(batch)
    known = uow.members.ids_by_external(set(batch.customer_id.tolist()))
    for i in np.argsort(batch.occurred_at, kind="stable").tolist():
        customer = batch.customer_id[i]
        if customer not in known:
            command = Enroll(
                customer,
                enrolled_at=batch.occurred_at[i],
                acquisition_channel=_extra(batch, "acquisition_channel", i),
            )
            enrolled = enroll(uow, command)
            known[customer] = enrolled.member.id
            report.members_created += 1
        record_purchase(
            uow,
            RecordPurchase(
                MemberRef(id=known[customer]),
                batch.order_id[i],
                batch.occurred_at[i],
                currency,
                batch.lines_of(i),
                channel=_extra(batch, "channel", i),
                payment_method=_extra(batch, "payment_method", i),
                promotion_code=_extra(batch, "promotion", i),
                invoice_due_at=_extra(batch, "due_at", i),
                paid_at=_extra(batch, "paid_at", i),
                source="import",
            ),
        )


def _extra(batch: Purchases, name: str, i: int) -> Any:
    values = batch.extra.get(name)
    return values[i] if values is not None else None


# file field -> purchases column
_EXTRA_COLUMNS = {
    "channel": "channel",
    "payment_method": "payment_method",
    "promotion": "promotion_code",
    "due_at": "invoice_due_at",
    "paid_at": "paid_at",
}


def _bulk_insert(
    uow: UnitOfWork,
    batch: Purchases,
    currency: str,
    members: dict[str, int],
    report: ImportReport,
) -> dict[str, int]:
    """History without points: column-wise inserts, no per-purchase round trips. A
    purchase whose order id is already in the store (a re-run) is left out by the insert
    itself, so the common case, a new history, costs no lookup. Returns the members this
    batch created."""
    created = _ensure_members(uow, batch, members, report)
    known = {**members, **created}
    member_ids = [known[c] for c in batch.customer_id.tolist()]
    ids = uow.bulk.reserve_ids("purchases", len(batch))
    n = len(batch)
    uow.bulk.insert(
        "purchases",
        {
            "id": ids,
            "member_id": member_ids,
            "order_id": batch.order_id.tolist(),
            "occurred_at": batch.occurred_at.tolist(),
            "currency": [currency] * n,
            "total": batch.total.tolist(),
            "cost": batch.cost.tolist(),
            "refunded_total": [0] * n,
            **{
                _EXTRA_COLUMNS[f]: values.tolist()
                for f, values in batch.extra.items()
                if f in _EXTRA_COLUMNS
            },
            "points_earned": [0] * n,
            "bonus_points": [0] * n,
            "source": ["import"] * n,
            "created_at": [uow.now] * n,
        },
        unless_taken="order_id",
    )
    present = uow.bulk.present("purchases", ids)
    if len(present) < n:
        keep = np.flatnonzero(np.isin(ids, list(present)))
        batch = batch.subset(keep)
        ids = [ids[i] for i in keep.tolist()]
        member_ids = [member_ids[i] for i in keep.tolist()]
    report.skipped += n - len(ids)
    report.inserted += len(ids)
    _insert_lines(uow, batch, ids, member_ids)
    _bump_counters(uow, batch, member_ids)
    return created


def _insert_lines(uow: UnitOfWork, batch: Purchases, ids: list[int], members: list[int]) -> None:
    counts = np.diff(batch.line_start)
    lines = batch.lines.tolist()
    numbers = np.arange(len(lines)) - np.repeat(batch.line_start[:-1], counts) + 1
    uow.bulk.insert(
        "purchase_lines",
        {
            "purchase_id": np.repeat(ids, counts).tolist(),
            "member_id": np.repeat(members, counts).tolist(),
            "line_no": numbers.tolist(),
            "sku": [x.sku for x in lines],
            "category": [x.category for x in lines],
            "quantity": [x.quantity for x in lines],
            "unit_price": [x.unit_price for x in lines],
            "unit_cost": [x.unit_cost for x in lines],
            "points": [0] * len(lines),
            "refunded_quantity": [0] * len(lines),
        },
    )


def _ensure_members(
    uow: UnitOfWork, batch: Purchases, members: dict[str, int], report: ImportReport
) -> dict[str, int]:
    """Members for the batch's customers not yet known; returns those it created."""
    unknown = set(batch.customer_id.tolist()).difference(members)
    members.update(uow.members.ids_by_external(unknown))
    first_seen: dict[str, datetime] = {}
    channel_of: dict[str, str | None] = {}  # the channel on the customer's earliest row
    channels = batch.extra.get("acquisition_channel")
    for i, (customer, at) in enumerate(
        zip(batch.customer_id.tolist(), batch.occurred_at.tolist(), strict=True)
    ):
        if customer not in members:
            prev = first_seen.get(customer)
            if prev is None or at < prev:
                first_seen[customer] = at
                channel_of[customer] = channels[i] if channels is not None else None
    if not first_seen:
        return {}
    _, program = current_program(uow)
    new = [
        new_member(program, customer, at, acquisition_channel=channel_of[customer])
        for customer, at in first_seen.items()
    ]
    ids = uow.members.add_many(new)
    # enrolled like any member, so the welcome journey and webhooks hear of them
    enrolled = zip(ids, new, strict=True)
    uow.outbox.add([events.member_enrolled(i, m.enrolled_at, m.tier) for i, m in enrolled], uow.now)
    report.members_created += len(new)
    return dict(zip(first_seen, ids, strict=True))


def _bump_counters(uow: UnitOfWork, batch: Purchases, member_ids: list[int]) -> None:
    counts = Counter(member_ids)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    for member, total in zip(member_ids, batch.total.tolist(), strict=True):
        spend[member] += total
    uow.bulk.add(
        "members",
        list(counts),
        {"purchase_count": list(counts.values()), "lifetime_spend": [spend[m] for m in counts]},
    )
