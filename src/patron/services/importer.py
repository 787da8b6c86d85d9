"""Importing a purchase history from CSV: validated, batched, resumable.

Design overview. The file is read and checked first (every bad row goes to a rejects
file with its line number and reason); valid rows are grouped into purchases (by
`order_id`, or by a key derived from the row when there is none) and written in batches,
one transaction each. A purchase is identified by its order id, so re-running an import
that was interrupted, even by SIGKILL, skips the batches already committed and finishes
the rest: nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, update

from patron.domain.clock import to_utc_naive
from patron.domain.earning import Line, cost_of
from patron.domain.errors import InvalidInput
from patron.domain.money import quantize_money
from patron.services.commands import Enroll, MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.enroll import enroll, new_referral_code
from patron.services.ledger import current_program
from patron.store import tables as t
from patron.store.uow import UnitOfWork

REQUIRED = ("customer_id", "date", "amount")
OPTIONAL = (
    "order_id",
    "sku",
    "category",
    "quantity",
    "unit_price",
    "unit_cost",
    "channel",
    "payment_method",
    "promotion",
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    award_points: bool = False
    batch_size: int = 2000
    currency: str | None = None


@dataclass
class ImportReport:
    rows: int = 0
    rejected: int = 0
    purchases: int = 0
    inserted: int = 0
    skipped: int = 0
    members_created: int = 0
    rejects_file: Path | None = None


@dataclass
class _Purchase:
    order_id: str
    customer_id: str
    occurred_at: datetime
    lines: list[Line] = field(default_factory=list)
    channel: str | None = None
    payment_method: str | None = None
    promotion: str | None = None


class _RowError(ValueError):
    pass


_UNIT = Decimal("0.0001")
_MAX_AMOUNT = Decimal("99999999999")


def rejects_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".csv") + ".rejects.csv")


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
    purchases = _read(path, options, report)
    report.purchases = len(purchases)
    items = list(purchases.values())
    for start in range(0, len(items), options.batch_size):
        batch = items[start : start + options.batch_size]
        with new_uow() as uow:
            _write_batch(uow, batch, currency, options, report)
            uow.commit()
        if progress:
            progress(min(start + len(batch), len(items)), len(items))
    return report


def _read(path: Path, options: ImportOptions, report: ImportReport) -> dict[str, _Purchase]:
    purchases: dict[str, _Purchase] = {}
    seen: dict[str, int] = defaultdict(int)
    out = rejects_path(path)
    with path.open(newline="", encoding="utf-8-sig") as src, out.open("w", newline="") as bad:
        reader = csv.reader(src)
        header = next(reader, [])
        index = _columns(path, header, options.mapping)
        writer = csv.writer(bad)
        writer.writerow(["line", "reason", *header])
        for line_no, row in enumerate(reader, start=2):
            report.rows += 1
            width = len(row)
            values = {f: row[i].strip() for f, i in index.items() if i < width}
            try:
                _add_row(purchases, seen, values, options)
            except _RowError as exc:
                report.rejected += 1
                writer.writerow([line_no, str(exc), *row])
    if report.rejected:
        report.rejects_file = out
    else:
        out.unlink()
    return purchases


def _columns(path: Path, header: Sequence[str], mapping: dict[str, str]) -> dict[str, int]:
    """Where each field is in the header; a missing required column refuses the file."""
    unknown = set(mapping) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise InvalidInput(
            f"--map names unknown fields {sorted(unknown)}; known: {', '.join(REQUIRED + OPTIONAL)}"
        )
    columns = {f: mapping.get(f, f) for f in REQUIRED + OPTIONAL}
    missing = [f"{f} (column {columns[f]!r})" for f in REQUIRED if columns[f] not in header]
    if "amount" in [m.split(" ")[0] for m in missing] and columns["unit_price"] in header:
        missing = [m for m in missing if not m.startswith("amount")]
    if missing:
        raise InvalidInput(
            f"{path}: line 1: missing required columns {', '.join(missing)};"
            f" the header has {list(header)}. Use --map field=Column to rename."
        )
    return {f: list(header).index(c) for f, c in columns.items() if c in header}


def _add_row(
    purchases: dict[str, _Purchase],
    seen: dict[str, int],
    values: dict[str, str],
    options: ImportOptions,
) -> None:
    get = values.get
    customer = get("customer_id", "")
    if not customer:
        raise _RowError("customer_id: empty")
    occurred_at = _parse_date(get("date", ""), options.date_format)
    line = _parse_line(values)
    order_id = get("order_id", "")
    if not order_id:
        base = f"{customer}|{get('date')}|{get('amount') or line.amount}"
        seen[base] += 1
        digest = hashlib.sha1(f"{base}|{seen[base]}".encode()).hexdigest()[:20]
        order_id = f"import-{digest}"
    purchase = purchases.get(order_id)
    if purchase is None:
        purchase = purchases[order_id] = _Purchase(
            order_id,
            customer,
            occurred_at,
            channel=get("channel") or None,
            payment_method=get("payment_method") or None,
            promotion=get("promotion") or None,
        )
    elif purchase.customer_id != customer:
        raise _RowError(
            f"order_id {order_id!r} already belongs to customer {purchase.customer_id!r}"
        )
    purchase.lines.append(line)


def _parse_date(text: str, fmt: str | None) -> datetime:
    if not text:
        raise _RowError("date: empty")
    try:
        moment = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    except ValueError:
        raise _RowError(
            f"date: {text!r} does not match {fmt or 'ISO 8601'} (use --date-format)"
        ) from None
    if not 1970 <= moment.year <= 2200:
        raise _RowError(f"date: {text!r} is out of range")
    return to_utc_naive(moment)


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _RowError(f"{name}: {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > _MAX_AMOUNT:
        raise _RowError(f"{name}: {text!r} must be a non-negative amount")
    return value


def _parse_line(values: dict[str, str]) -> Line:
    get = values.get
    quantity_text = get("quantity") or "1"
    if not (quantity_text.isascii() and quantity_text.isdigit()) or not (
        0 < int(quantity_text) <= 1_000_000
    ):
        raise _RowError(f"quantity: {quantity_text!r} is not a positive whole number")
    quantity = int(quantity_text)
    if unit_text := get("unit_price"):
        unit_price = _decimal("unit_price", unit_text)
    elif amount_text := get("amount"):
        unit_price = _decimal("amount", amount_text) / quantity
    else:
        raise _RowError("amount: empty")
    cost_text = get("unit_cost")
    return Line(
        get("sku") or "*",
        get("category") or None,
        quantity,
        unit_price.quantize(_UNIT),
        _decimal("unit_cost", cost_text) if cost_text else None,
    )


def _write_batch(
    uow: UnitOfWork,
    batch: list[_Purchase],
    currency: str,
    options: ImportOptions,
    report: ImportReport,
) -> None:
    existing = uow.purchases.existing_order_ids([p.order_id for p in batch])
    fresh = [p for p in batch if p.order_id not in existing]
    report.skipped += len(batch) - len(fresh)
    report.inserted += len(fresh)
    if not fresh:
        return
    if options.award_points:
        _score_each(uow, fresh, currency, report)
    else:
        _bulk_insert(uow, fresh, currency, report)


def _score_each(
    uow: UnitOfWork, fresh: list[_Purchase], currency: str, report: ImportReport
) -> None:
    known = uow.members.ids_by_external({p.customer_id for p in fresh})
    for p in sorted(fresh, key=lambda p: p.occurred_at):
        if p.customer_id not in known:
            enrolled = enroll(uow, Enroll(p.customer_id, enrolled_at=p.occurred_at))
            known[p.customer_id] = enrolled.member.id
            report.members_created += 1
        record_purchase(
            uow,
            RecordPurchase(
                MemberRef(id=known[p.customer_id]),
                p.order_id,
                p.occurred_at,
                currency,
                tuple(p.lines),
                p.channel,
                p.payment_method,
                p.promotion,
                source="import",
            ),
        )


def _bulk_insert(
    uow: UnitOfWork, fresh: list[_Purchase], currency: str, report: ImportReport
) -> None:
    """History without points: plain inserts, no per-purchase round trips."""
    member_ids = _ensure_members(uow, fresh, report)
    now = uow.now
    ids = uow.bulk.reserve_ids(t.purchases, len(fresh))
    rows = [
        {
            "id": pid,
            "member_id": member_ids[p.customer_id],
            "order_id": p.order_id,
            "occurred_at": p.occurred_at,
            "currency": currency,
            "total": quantize_money(sum((x.amount for x in p.lines), Decimal(0))),
            "cost": cost_of(p.lines),
            "refunded_total": 0,
            "channel": p.channel,
            "payment_method": p.payment_method,
            "promotion_code": p.promotion,
            "points_earned": 0,
            "bonus_points": 0,
            "source": "import",
            "created_at": now,
        }
        for pid, p in zip(ids, fresh, strict=True)
    ]
    uow.bulk.insert(t.purchases, rows)
    lines = [
        {
            "purchase_id": pid,
            "member_id": member_ids[p.customer_id],
            "line_no": n,
            "sku": x.sku,
            "category": x.category,
            "quantity": x.quantity,
            "unit_price": x.unit_price,
            "unit_cost": x.unit_cost,
            "points": 0,
            "refunded_quantity": 0,
        }
        for pid, p in zip(ids, fresh, strict=True)
        for n, x in enumerate(p.lines, start=1)
    ]
    uow.bulk.insert(t.purchase_lines, lines)
    _bump_counters(uow, fresh, member_ids, rows)


def _ensure_members(
    uow: UnitOfWork, fresh: list[_Purchase], report: ImportReport
) -> dict[str, int]:
    customers = {p.customer_id for p in fresh}
    known = uow.members.ids_by_external(customers)
    first_seen: dict[str, datetime] = {}
    for p in fresh:
        if p.customer_id not in known:
            prev = first_seen.get(p.customer_id)
            first_seen[p.customer_id] = min(prev, p.occurred_at) if prev else p.occurred_at
    if first_seen:
        _, program = current_program(uow)
        tier = program.tiers.levels[0].name
        member_ids = uow.bulk.reserve_ids(t.members, len(first_seen))
        uow.bulk.insert(
            t.members,
            [
                {
                    "id": mid,
                    "external_id": c,
                    "tier": tier,
                    "tier_since": at,
                    "enrolled_at": at,
                    "referral_code": new_referral_code(),
                    "balance": 0,
                    "debt": 0,
                    "purchase_count": 0,
                    "lifetime_spend": 0,
                }
                for mid, (c, at) in zip(member_ids, first_seen.items(), strict=True)
            ],
        )
        report.members_created += len(first_seen)
        known.update(zip(first_seen, member_ids, strict=True))
    return known


def _bump_counters(
    uow: UnitOfWork, fresh: list[_Purchase], member_ids: dict[str, int], rows: list[dict[str, Any]]
) -> None:
    counts: dict[int, int] = defaultdict(int)
    spend: dict[int, Decimal] = defaultdict(Decimal)
    for p, row in zip(fresh, rows, strict=True):
        counts[member_ids[p.customer_id]] += 1
        spend[member_ids[p.customer_id]] += row["total"]
    stmt = (
        update(t.members)
        .where(t.members.c.id == bindparam("mid"))
        .values(
            purchase_count=t.members.c.purchase_count + bindparam("n"),
            lifetime_spend=t.members.c.lifetime_spend + bindparam("s"),
        )
    )
    uow.connection.execute(stmt, [{"mid": m, "n": n, "s": spend[m]} for m, n in counts.items()])
