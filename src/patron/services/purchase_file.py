"""Reading and checking a purchase history file, column by column.

A history file repeats the same few values over and over: a few hundred dates, a few
thousand amounts, one customer id per ten rows. So each distinct value is parsed and
checked once and every row looks its result up, instead of parsing row by row; only the
grouping of lines into purchases walks the rows one by one. The checks and their messages
are the same for every row either way: a row is rejected for the first field that fails,
in the order customer, date, quantity, price, cost, order.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from hashlib import sha1
from itertools import islice, repeat
from pathlib import Path
from typing import Any, TypeVar

from patron.domain.clock import to_utc_naive
from patron.domain.earning import Line, cost_of
from patron.domain.errors import InvalidInput
from patron.domain.money import quantize_money

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
LINE_FIELDS = ("sku", "category", "quantity", "unit_price", "amount", "unit_cost")
PURCHASE_FIELDS = ("channel", "payment_method", "promotion")
CHUNK_ROWS = 50_000
MEMO_LIMIT = 200_000  # distinct line keys remembered across chunks (about 60 MB)

_UNIT = Decimal("0.0001")
_MAX_AMOUNT = Decimal("99999999999")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RowError(ValueError):
    """Why one row cannot be imported; it goes to the rejects file, the rest goes on."""


@dataclass(frozen=True, slots=True)
class _LineFacts:
    line: Line
    total: Decimal
    cost: Decimal | None


@dataclass
class Purchases:
    """The valid purchases of a file, one list entry per purchase, in file order.

    Columns rather than one object per purchase: a history has millions of them, and the
    writer hands whole columns to the store.
    """

    order_id: list[str] = field(default_factory=list)
    customer_id: list[str] = field(default_factory=list)
    occurred_at: list[datetime] = field(default_factory=list)
    lines: list[list[Line]] = field(default_factory=list)
    total: list[Decimal] = field(default_factory=list)
    cost: list[Decimal | None] = field(default_factory=list)
    extra: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.order_id)

    def rows(self, start: int, stop: int) -> Purchases:
        return Purchases(
            self.order_id[start:stop],
            self.customer_id[start:stop],
            self.occurred_at[start:stop],
            self.lines[start:stop],
            self.total[start:stop],
            self.cost[start:stop],
            {name: values[start:stop] for name, values in self.extra.items()},
        )

    def subset(self, keep: Sequence[int]) -> Purchases:
        def pick(values: list[Any]) -> list[Any]:
            return [values[i] for i in keep]

        return Purchases(
            pick(self.order_id),
            pick(self.customer_id),
            pick(self.occurred_at),
            pick(self.lines),
            pick(self.total),
            pick(self.cost),
            {name: pick(values) for name, values in self.extra.items()},
        )


@dataclass
class FileReport:
    rows: int = 0
    rejected: int = 0
    rejects_file: Path | None = None


def rejects_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".csv") + ".rejects.csv")


def read_purchases(
    path: Path, mapping: dict[str, str], date_format: str | None, report: FileReport
) -> Purchases:
    """Every valid row, grouped into purchases; every bad row to FILE.rejects.csv."""
    out = rejects_path(path)
    with path.open(newline="", encoding="utf-8-sig") as src, out.open("w", newline="") as bad:
        reader = csv.reader(src)
        header = next(reader, [])
        index = columns_of(path, header, mapping)
        rejects = csv.writer(bad)
        rejects.writerow(["line", "reason", *header])
        grouping = _Grouping(index, date_format)
        first_line = 2
        for chunk in _chunks(reader, CHUNK_ROWS):
            report.rows += len(chunk)
            for offset, reason in grouping.add(chunk):
                rejects.writerow([first_line + offset, reason, *chunk[offset]])
                report.rejected += 1
            first_line += len(chunk)
    if report.rejected:
        report.rejects_file = out
    else:
        out.unlink()
    return grouping.finish()


def columns_of(path: Path, header: Sequence[str], mapping: dict[str, str]) -> dict[str, int]:
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


def _chunks(reader: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    while chunk := list(islice(reader, size)):
        yield chunk


class _Grouping:
    """Lines into purchases across chunks: an order's lines may be anywhere in the file."""

    def __init__(self, index: dict[str, int], date_format: str | None) -> None:
        self.index = index
        self.date_format = date_format
        self.width = max(index.values()) + 1
        self.purchases = Purchases(extra={f: [] for f in PURCHASE_FIELDS if f in index})
        self.position: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        self.several_lines: set[int] = set()
        self.dates: dict[str, datetime | RowError] = {}
        self.line_facts: dict[tuple[str, ...], _LineFacts | RowError] = {}

    def add(self, chunk: list[list[str]]) -> list[tuple[int, str]]:
        """Group a chunk of rows; returns (offset in chunk, reason) for each rejected row."""
        column = self._columns(chunk)
        customers = column("customer_id")
        date_texts = column("date")
        amounts = column("amount")
        dates = _lookup(self.dates, date_texts, self._parse_date)
        keys = list(zip(*(column(f) for f in LINE_FIELDS), strict=True))
        if len(self.line_facts) > MEMO_LIMIT:
            self.line_facts.clear()
        facts = _lookup(self.line_facts, keys, _parse_line)
        orders = column("order_id")
        extras = {f: column(f) for f in self.purchases.extra}
        rejected: list[tuple[int, str]] = []
        p, seen = self.purchases, self.seen
        for k, customer in enumerate(customers):
            moment, fact = dates[k], facts[k]
            if not customer:
                rejected.append((k, "customer_id: empty"))
                continue
            if isinstance(moment, RowError):
                rejected.append((k, str(moment)))
                continue
            if isinstance(fact, RowError):
                rejected.append((k, str(fact)))
                continue
            order_id = orders[k]
            if not order_id:
                # the same row twice is two purchases; a re-run derives the same ids
                base = f"{customer}|{date_texts[k]}|{amounts[k] or fact.line.amount}"
                seen[base] = n = seen.get(base, 0) + 1
                order_id = "import-" + sha1(f"{base}|{n}".encode()).hexdigest()[:20]
            at = self.position.get(order_id)
            if at is None:
                self.position[order_id] = len(p.order_id)
                p.order_id.append(order_id)
                p.customer_id.append(customer)
                p.occurred_at.append(moment)
                p.lines.append([fact.line])
                p.total.append(fact.total)
                p.cost.append(fact.cost)
                for name, values in extras.items():
                    p.extra[name].append(values[k] or None)
            elif p.customer_id[at] != customer:
                rejected.append(
                    (k, f"order_id {order_id!r} already belongs to customer {p.customer_id[at]!r}")
                )
            else:
                p.lines[at].append(fact.line)
                self.several_lines.add(at)
        return rejected

    def finish(self) -> Purchases:
        p = self.purchases
        for at in self.several_lines:
            lines = p.lines[at]
            p.total[at] = quantize_money(sum((x.amount for x in lines), Decimal(0)))
            p.cost[at] = cost_of(lines)
        return p

    def _columns(self, chunk: list[list[str]]) -> Callable[[str], Sequence[str]]:
        """A getter of stripped field values; a field the file lacks reads as empty."""
        width = self.width
        pad = [""] * width
        rows = [r if len(r) >= width else (r + pad)[:width] for r in chunk]
        transposed = list(zip(*rows, strict=False)) if rows else [() for _ in range(width)]
        empty = list(repeat("", len(chunk)))

        def column(name: str) -> Sequence[str]:
            i = self.index.get(name)
            return empty if i is None else [v.strip() for v in transposed[i]]

        return column

    def _parse_date(self, text: str) -> datetime:
        return parse_date(text, self.date_format)


def _lookup(
    memo: dict[K, V | RowError], keys: Sequence[K], parse: Callable[[K], V]
) -> list[V | RowError]:
    """parse(key) for every key, computed once per distinct key (errors included)."""
    for key in set(keys).difference(memo):
        try:
            memo[key] = parse(key)
        except RowError as exc:
            memo[key] = exc
    return [memo[k] for k in keys]


def parse_date(text: str, fmt: str | None) -> datetime:
    if not text:
        raise RowError("date: empty")
    try:
        moment = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    except ValueError:
        raise RowError(
            f"date: {text!r} does not match {fmt or 'ISO 8601'} (use --date-format)"
        ) from None
    if not 1970 <= moment.year <= 2200:
        raise RowError(f"date: {text!r} is out of range")
    return to_utc_naive(moment)


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"{name}: {text!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > _MAX_AMOUNT:
        raise RowError(f"{name}: {text!r} must be a non-negative amount")
    return value


def _parse_line(key: tuple[str, ...]) -> _LineFacts:
    sku, category, quantity_text, unit_text, amount_text, cost_text = key
    quantity_text = quantity_text or "1"
    if not (quantity_text.isascii() and quantity_text.isdigit()) or not (
        0 < int(quantity_text) <= 1_000_000
    ):
        raise RowError(f"quantity: {quantity_text!r} is not a positive whole number")
    quantity = int(quantity_text)
    if unit_text:
        unit_price = _decimal("unit_price", unit_text)
    elif amount_text:
        unit_price = _decimal("amount", amount_text) / quantity
    else:
        raise RowError("amount: empty")
    line = Line(
        sku or "*",
        category or None,
        quantity,
        unit_price.quantize(_UNIT),
        _decimal("unit_cost", cost_text) if cost_text else None,
    )
    return _LineFacts(line, quantize_money(line.amount), cost_of([line]))
