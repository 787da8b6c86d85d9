"""Reading and checking a purchase history file, column by column.

A history file repeats the same few values over and over: a few hundred dates, a few
thousand amounts, one customer id per ten rows. So each distinct value (or distinct
combination, for a line's fields) is parsed and checked once, in Python, and the rows get
their results through NumPy indexing; grouping lines into purchases is done on codes the
same way. The checks and their messages are those of a row-by-row reading: a row is
rejected for the first field that fails, in the order customer, date, due_at, paid_at,
sku, category, quantity, price, cost, the line's amount, order, channel, payment method,
promotion, acquisition channel; an order's owner is the customer of its first valid row.
An order's purchase fields (channel, payment method, promotion, due and paid dates) are
those of its first row.

The file is read through `patron.files` (its encoding, delimiter, dates and numbers,
as the analytics read it). Every bound of `domain/limits.py` is checked as the API checks
it, and every text against the length of the column that keeps it (`store/tables.py`), so
that nothing the store cannot hold reaches it, on SQLite (which would keep it) and
PostgreSQL (which would refuse the whole batch) alike. Two bounds concern a whole order,
known only once the file is read: its number of lines and its total (and cost). An order
over either is refused whole, each of its rows rejected with the reason: half an order
would be imported for good, since a re-run skips the order ids already in the store.
"""

from __future__ import annotations

import csv
import heapq
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from hashlib import sha1
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from patron import files
from patron.domain import limits
from patron.domain.clock import AHEAD
from patron.domain.earning import NO_SKU, Line, amounts_problem, cost_of
from patron.domain.invoices import invoice_dates_problem
from patron.domain.money import quantize_money
from patron.files import FileFormat, RowError, parse_date, parse_number
from patron.store.columns import longest_texts

LINE_FIELDS = ("sku", "category", "quantity", "unit_price", "amount", "unit_cost")
# acquisition_channel is the member's, read when the import enrolls them (CAC by channel)
PURCHASE_FIELDS = ("channel", "payment_method", "promotion", "acquisition_channel")
INVOICE_FIELDS = ("due_at", "paid_at")
CHUNK_ROWS = 50_000
MEMO_LIMIT = 200_000  # distinct line keys remembered across chunks (about 60 MB)

_UNIT = Decimal(1).scaleb(-limits.UNIT_PLACES)
# the longest text the store keeps of each text field of a file (store/columns.py)
_LONGEST = longest_texts(
    {
        "customer_id": ("members", "external_id"),
        "order_id": ("purchases", "order_id"),
        "sku": ("purchase_lines", "sku"),
        "category": ("purchase_lines", "category"),
        "channel": ("purchases", "channel"),
        "payment_method": ("purchases", "payment_method"),
        "promotion": ("purchases", "promotion_code"),
        "acquisition_channel": ("members", "acquisition_channel"),
    }
)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Column = np.ndarray[Any, np.dtype[Any]]
__all__ = ["FileReport", "Purchases", "RowError", "check_header", "parse_date", "read_purchases"]


@dataclass(frozen=True, slots=True)
class _LineFacts:
    line: Line
    total: Decimal
    cost: Decimal | None


@dataclass
class Purchases:
    """The valid purchases of a file in file order, as columns (a history has millions).

    Purchase i has the lines `lines[line_start[i]:line_start[i + 1]]`, in file order.
    """

    order_id: Column
    customer_id: Column
    occurred_at: Column
    total: Column
    cost: Column
    extra: dict[str, Column]
    lines: Column
    line_start: Column

    def __len__(self) -> int:
        return len(self.order_id)

    def lines_of(self, i: int) -> tuple[Line, ...]:
        return tuple(self.lines[self.line_start[i] : self.line_start[i + 1]])

    def rows(self, start: int, stop: int) -> Purchases:
        return self.subset(np.arange(start, min(stop, len(self))))

    def subset(self, keep: Column) -> Purchases:
        """The purchases at positions `keep` (ascending), with their lines."""
        counts = np.diff(self.line_start)[keep]
        line_start = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        # position of every kept line: each purchase's first line, then +0, +1, ...
        firsts = np.repeat(self.line_start[:-1][keep] - line_start[:-1], counts)
        picked = firsts + np.arange(line_start[-1])
        return Purchases(
            self.order_id[keep],
            self.customer_id[keep],
            self.occurred_at[keep],
            self.total[keep],
            self.cost[keep],
            {name: values[keep] for name, values in self.extra.items()},
            self.lines[picked],
            line_start,
        )


@dataclass
class FileReport:
    rows: int = 0
    rejected: int = 0
    rejects_file: Path | None = None
    # how the file was read, where that was guessed or sniffed (for the user to check)
    read_as: str | None = None


def rejects_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".csv") + ".rejects.csv")


def read_purchases(
    path: Path,
    mapping: dict[str, str],
    fmt: FileFormat,
    report: FileReport,
    latest: datetime,
) -> Purchases:
    """Every valid row, grouped into purchases; every bad row to FILE.rejects.csv, in the
    file's own encoding and delimiter (the software that wrote the file opens it).
    Rows dated after `latest` are rejected (domain.clock.MAX_AHEAD). A file that cannot
    be read (an encoding error, an unclosed quote) is refused whole, naming the line."""
    out = rejects_path(path)
    with files.open_table(path, fmt) as table:
        header = table.header
        index = columns_of(path, header, mapping)  # a refused file leaves no rejects file
        grouping = _Grouping(index, fmt, latest)
        try:
            with _rejects_writer(out, table.resolved) as rejects:
                rejects.writerow(["line", "reason", *header])
                first_line = 2
                for chunk in table.chunks(CHUNK_ROWS):
                    report.rows += len(chunk)
                    for offset, reason in grouping.add(chunk):
                        rejects.writerow([first_line + offset, reason, *chunk[offset]])
                        report.rejected += 1
                    first_line += len(chunk)
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        if table.encoding_detected or (table.delimiter_sniffed and table.delimiter != ","):
            report.read_as = table.describe()
        resolved = table.resolved
    purchases = grouping.finish()
    if grouping.refused:
        _add_rejects(path, out, resolved, header, grouping.refused)
        report.rejected += len(grouping.refused)
    if report.rejected:
        report.rejects_file = out
    else:
        out.unlink()
    return purchases


@contextmanager
def _rejects_writer(out: Path, fmt: FileFormat) -> Iterator[Any]:
    """A CSV writer of the rejects file, in the source file's encoding and delimiter."""
    with out.open("w", newline="", encoding=fmt.encoding, errors="backslashreplace") as bad:
        yield csv.writer(bad, delimiter=fmt.delimiter or ",")


def _add_rejects(
    path: Path, out: Path, fmt: FileFormat, header: list[str], refused: dict[int, str]
) -> None:
    """Put the rows of refused orders (file line -> reason) into the rejects file among
    the rows rejected while reading, in line order. Rare, so the file is read again
    rather than every row of every order kept until the end."""
    with out.open(newline="", encoding=fmt.encoding) as bad:
        earlier = list(csv.reader(bad, delimiter=fmt.delimiter or ","))[1:]
    with files.open_table(path, fmt) as table:
        late = [[str(n), refused[n], *row] for n, row in enumerate(table.rows(), 2) if n in refused]
    merged = heapq.merge(earlier, late, key=lambda row: int(row[0]))
    with _rejects_writer(out, fmt) as rejects:
        rejects.writerow(["line", "reason", *header])
        rejects.writerows(merged)


def check_header(path: Path, mapping: dict[str, str], fmt: FileFormat | None = None) -> None:
    """Refuse a file whose header lacks a required column, before anything is written."""
    with files.open_table(path, fmt) as table:
        columns_of(path, table.header, mapping)


def columns_of(path: Path, header: Sequence[str], mapping: dict[str, str]) -> dict[str, int]:
    """Where each field is in the header; a missing required column refuses the file."""
    return files.columns_of(path, header, mapping)


@dataclass
class _Pieces:
    """What each chunk adds, concatenated at the end."""

    purchases: dict[str, list[Column]] = field(default_factory=dict)
    line_purchase: list[Column] = field(default_factory=list)
    lines: list[Column] = field(default_factory=list)
    line_rows: list[Column] = field(default_factory=list)  # the file line of each line

    def add_purchases(self, **columns: Column) -> None:
        for name, values in columns.items():
            self.purchases.setdefault(name, []).append(values)


class _Grouping:
    """Lines into purchases across chunks: an order's lines may be anywhere in the file."""

    def __init__(self, index: dict[str, int], fmt: FileFormat, latest: datetime) -> None:
        self.index = index
        self.date_format = fmt.date_format
        self.parse_line = partial(_parse_line, decimal_comma=fmt.decimal_comma)
        self.latest = latest
        self.width = max(index.values()) + 1
        self.extras = [f for f in PURCHASE_FIELDS if f in index]
        self.invoice = [f for f in INVOICE_FIELDS if f in index]
        self.pieces = _Pieces()
        self.count = 0  # purchases so far
        self.position: dict[str, int] = {}  # order id -> purchase number
        self.customer_of: list[str] = []  # purchase number -> customer
        self.seen: dict[str, int] = {}  # derived-key base -> rows so far
        self.dates: dict[tuple[str, ...], datetime | RowError] = {}
        self.invoices: dict[tuple[str, ...], tuple[datetime | None, ...] | RowError] = {}
        self.line_facts: dict[tuple[str, ...], _LineFacts | RowError] = {}
        self.rows_before = 0  # rows of the earlier chunks
        self.refused: dict[int, str] = {}  # file line -> reason, for orders refused whole

    def add(self, chunk: list[list[str]]) -> list[tuple[int, str]]:
        """Group a chunk of rows; returns (offset in chunk, reason) for each rejected row."""
        column = self._columns(chunk)
        customer = column("customer_id")
        reason = np.where(customer == "", "customer_id: empty", "").astype(object)
        reason = _keep_first(reason, _text_reasons(customer, "customer_id"))
        date_codes, dates = self._distinct(
            [column("date")], self.dates, lambda key: self._date(key[0])
        )
        reason = _first_reason(reason, date_codes, dates)
        invoice_codes, invoices = self._invoice_dates(column, len(chunk))
        if self.invoice:
            reason = _first_reason(reason, invoice_codes, invoices)
        if len(self.line_facts) > MEMO_LIMIT:
            self.line_facts.clear()
        line_codes, facts = self._distinct(
            [column(f) for f in LINE_FIELDS], self.line_facts, self.parse_line
        )
        reason = _first_reason(reason, line_codes, facts)
        for name in ("order_id", *self.extras):
            reason = _keep_first(reason, _text_reasons(column(name), name))
        valid = np.flatnonzero(reason == "")
        line_codes = line_codes[valid]
        orders = self._order_ids(column, valid, facts, line_codes)
        purchase, starts, owned, rejected = self._assign(orders, customer[valid])
        first = valid[starts]  # the rows that open a new purchase
        ok = _facts_only(facts)
        self.pieces.add_purchases(
            order_id=orders[starts],
            customer_id=customer[first],
            occurred_at=dates[date_codes[first]],
            total=_attribute(ok, "total")[line_codes[starts]],
            cost=_attribute(ok, "cost")[line_codes[starts]],
            **{f: _none_if_empty(column(f)[first]) for f in self.extras},
            **{f: _picked(invoices, k)[invoice_codes[first]] for k, f in enumerate(self.invoice)},
        )
        self.pieces.line_purchase.append(purchase[owned])
        self.pieces.lines.append(_attribute(ok, "line")[line_codes[owned]])
        self.pieces.line_rows.append(2 + self.rows_before + valid[owned])
        self.rows_before += len(chunk)
        rejects = [(int(k), str(reason[k])) for k in np.flatnonzero(reason != "")]
        rejects += [(int(valid[k]), why) for k, why in rejected]
        return sorted(rejects)

    def finish(self) -> Purchases:
        """The purchases read, without the orders refused whole (`refused` says why)."""
        p = self.pieces
        line_purchase = _concat(p.line_purchase, np.int64)
        order = np.argsort(line_purchase, kind="stable")  # by purchase, file order within
        lines = _concat(p.lines, object)[order]
        line_rows = _concat(p.line_rows, np.int64)[order]
        counts = np.bincount(line_purchase, minlength=self.count)
        line_start = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(counts, out=line_start[1:])
        columns = {name: _concat(parts, object) for name, parts in p.purchases.items()}
        total, cost = columns.pop("total", _concat([], object)), columns.pop("cost", None)
        cost = _concat([], object) if cost is None else cost
        refused = []
        for i in np.flatnonzero(counts > 1):
            several = lines[line_start[i] : line_start[i + 1]]
            why = _order_problem(several.tolist())
            if why is not None:
                refused.append(i)
                rows = line_rows[line_start[i] : line_start[i + 1]].tolist()
                self.refused.update((row, f"order_id: {why}") for row in rows)
                continue
            total[i] = quantize_money(sum((x.amount for x in several), Decimal(0)))
            cost[i] = cost_of(several)
        empty = _concat([], object)
        purchases = Purchases(
            columns.get("order_id", empty),
            columns.get("customer_id", empty),
            columns.get("occurred_at", empty),
            total,
            cost,
            {f: columns.get(f, empty) for f in self.extras + self.invoice},
            lines,
            line_start,
        )
        if not refused:
            return purchases
        return purchases.subset(np.setdiff1d(np.arange(len(purchases)), refused))

    def _date(self, text: str) -> datetime:
        moment = parse_date(text, self.date_format)
        if moment > self.latest:
            raise RowError(f"date: {text!r} {AHEAD}")
        return moment

    def _invoice_dates(self, column: Callable[[str], Column], rows: int) -> tuple[Column, Column]:
        """(code per row, the (due, paid) times or a RowError per code); a file without
        the dates has one code, no times."""
        if not self.invoice:
            return np.zeros(rows, dtype=np.int64), np.empty(1, dtype=object)
        fields = ["date", *self.invoice]
        return self._distinct(
            [column(f) for f in fields],
            self.invoices,
            lambda key: self._invoice(dict(zip(fields, key, strict=True))),
        )

    def _invoice(self, text: dict[str, str]) -> tuple[datetime | None, ...]:
        """The row's due and paid times (those the file has), checked against its date."""
        at = parse_date(text["date"], self.date_format)  # a bad date was rejected before
        moments = {
            f: _optional_date(f, text[f], self.date_format) if f in text else None
            for f in INVOICE_FIELDS
        }
        problem = invoice_dates_problem(at, moments["due_at"], moments["paid_at"], self.latest)
        if problem is not None:
            which, why = problem
            raise RowError(f"{which}_at: {why}")
        return tuple(moments[f] for f in self.invoice)

    def _columns(self, chunk: list[list[str]]) -> Callable[[str], Column]:
        """A getter of stripped field values; a field the file lacks reads as empty."""
        width = self.width
        pad = [""] * width
        short = min(map(len, chunk)) < width
        rows = [r if len(r) >= width else (r + pad)[:width] for r in chunk] if short else chunk
        transposed = list(zip(*rows, strict=False))
        empty = np.full(len(chunk), "", dtype=object)
        stripped: dict[str, Column] = {}

        def column(name: str) -> Column:
            i = self.index.get(name)
            if i is None:
                return empty
            if name not in stripped:
                codes, uniques = pd.factorize(np.array(transposed[i], dtype=object))
                stripped[name] = np.array([u.strip() for u in uniques], dtype=object)[codes]
            return stripped[name]

        return column

    @staticmethod
    def _distinct(
        columns: list[Column],
        memo: dict[tuple[str, ...], Any],
        parse: Callable[[tuple[str, ...]], Any],
    ) -> tuple[Column, Column]:
        """(code per row, result per code): parse runs once per distinct combination."""
        codes = np.zeros(len(columns[0]), dtype=np.int64)
        for values in columns:
            if not values.any():  # a field the file lacks
                continue
            part, uniques = pd.factorize(values)
            codes, _ = pd.factorize(codes * len(uniques) + part)
        firsts = _first_rows(codes, int(codes.max(initial=-1)) + 1)
        keys = list(zip(*(values[firsts].tolist() for values in columns), strict=True))
        for key in set(keys).difference(memo):
            try:
                memo[key] = parse(key)
            except RowError as exc:
                memo[key] = exc
        results = np.empty(len(keys), dtype=object)
        results[:] = [memo[key] for key in keys]
        return codes, results

    def _order_ids(
        self, column: Callable[[str], Column], valid: Column, facts: Column, line_codes: Column
    ) -> Column:
        """The order id of each valid row, derived where the file has none: the same row
        twice is two purchases, and a re-run derives the same ids, so it skips what is
        already in the store."""
        orders = column("order_id")[valid].copy()
        need = np.flatnonzero(orders == "")
        if not len(need):
            return orders
        amounts = column("amount")[valid][need]
        for k in np.flatnonzero(amounts == ""):
            amounts[k] = str(facts[line_codes[need[k]]].line.amount)
        bases = column("customer_id")[valid][need] + "|" + column("date")[valid][need]
        bases = bases + "|" + amounts
        codes, uniques = pd.factorize(bases)
        before = np.array([self.seen.get(b, 0) for b in uniques.tolist()], dtype=np.int64)
        nth = pd.Series(codes).groupby(codes).cumcount().to_numpy() + 1 + before[codes]
        self.seen.update(zip(uniques.tolist(), (before + np.bincount(codes)).tolist(), strict=True))
        orders[need] = [
            "import-" + sha1(f"{b}|{n}".encode()).hexdigest()[:20]
            for b, n in zip(bases.tolist(), nth.tolist(), strict=True)
        ]
        return orders

    def _assign(
        self, orders: Column, customers: Column
    ) -> tuple[Column, Column, Column, list[tuple[int, str]]]:
        """Purchase number of each row, the rows that open a new purchase, the rows whose
        order belongs to their customer, and a reason for each of the others."""
        codes, uniques = pd.factorize(orders)
        first = _first_rows(codes, len(uniques))
        numbers = np.array([self.position.get(o, -1) for o in uniques.tolist()], dtype=np.int64)
        new = np.flatnonzero(numbers < 0)
        known = np.flatnonzero(numbers >= 0)
        numbers[new] = np.arange(self.count, self.count + len(new))
        owner = customers[first]
        owner[known] = [self.customer_of[n] for n in numbers[known].tolist()]
        self.position.update(zip(uniques[new].tolist(), numbers[new].tolist(), strict=True))
        self.customer_of.extend(owner[new].tolist())
        self.count += len(new)
        mismatch = np.flatnonzero(customers != owner[codes])
        reasons = [
            (int(k), f"order_id {orders[k]!r} already belongs to customer {owner[codes[k]]!r}")
            for k in mismatch
        ]
        owned = np.ones(len(orders), dtype=bool)
        owned[mismatch] = False
        return numbers[codes], first[new], np.flatnonzero(owned), reasons


def _first_rows(codes: Column, distinct: int) -> Column:
    """The first row of each code."""
    first = np.full(distinct, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def _facts_only(results: Column) -> Column:
    """Per-code results with errors blanked (rows with errors are never gathered)."""
    return np.array([None if isinstance(r, RowError) else r for r in results], dtype=object)


def _attribute(facts: Column, name: str) -> Column:
    out = np.empty(len(facts), dtype=object)
    out[:] = [None if f is None else getattr(f, name) for f in facts]
    return out


def _order_problem(lines: Sequence[Line]) -> str | None:
    """Why an order of several lines cannot be stored as one purchase, or None."""
    if len(lines) > limits.MAX_LINES:
        return f"{len(lines)} lines, more than the {limits.MAX_LINES} a purchase may have"
    problem = amounts_problem(lines)
    return None if problem is None else problem[1]


def _text_reasons(values: Column, name: str) -> Column:
    """Per row, "" or why the field's text cannot be stored (too long, or a NUL)."""
    codes, uniques = pd.factorize(values)
    found = [limits.text_problem(u, _LONGEST[name]) for u in uniques.tolist()]
    reasons = np.array(["" if f is None else f"{name}: {f}" for f in found] + [""], dtype=object)
    out: Column = reasons[codes]  # code -1 (none) picks the last: ""
    return out


def _keep_first(reason: Column, more: Column) -> Column:
    """Each row's earlier reason ("" for none), else the new one."""
    return np.where(reason == "", more, reason)


def _first_reason(reason: Column, codes: Column, results: Column) -> Column:
    """Keep each row's earlier reason ("" for none); else this check's error, if any."""
    errors = np.array([str(r) if isinstance(r, RowError) else "" for r in results], dtype=object)
    return np.where(reason == "", errors[codes], reason)


def _picked(results: Column, k: int) -> Column:
    """The k-th value of each code's tuple; None for codes whose rows were rejected."""
    out = np.empty(len(results), dtype=object)
    out[:] = [None if isinstance(r, RowError) else r[k] for r in results]
    return out


def _optional_date(name: str, text: str, fmt: str | None) -> datetime | None:
    """An optional date column: empty is None, anything else must read as a date."""
    return parse_date(text, fmt, name) if text else None


def _none_if_empty(values: Column) -> Column:
    out = values.copy()
    out[values == ""] = None
    return out


def _concat(parts: Sequence[Column], dtype: Any) -> Column:
    return np.concatenate(parts) if parts else np.array([], dtype=dtype)


def _decimal(name: str, text: str, most: Decimal, decimal_comma: bool) -> Decimal:
    value = parse_number(name, text, decimal_comma)
    if value < 0:
        raise RowError(f"{name}: {text!r} must be a non-negative amount")
    if value > most:
        raise RowError(f"{name}: {text!r} is more than the {most} allowed")
    return value


def _unit_amount(name: str, text: str, decimal_comma: bool) -> Decimal:
    """A unit price or cost, rounded to the 4 decimals the store keeps."""
    return _decimal(name, text, limits.MAX_UNIT_AMOUNT, decimal_comma).quantize(_UNIT)


def _parse_line(key: tuple[str, ...], decimal_comma: bool = False) -> _LineFacts:
    sku, category, quantity_text, unit_text, amount_text, cost_text = key
    for name, text in (("sku", sku), ("category", category)):
        problem = limits.text_problem(text, _LONGEST[name])
        if problem is not None:
            raise RowError(f"{name}: {problem}")
    quantity_text = quantity_text or "1"
    if not (quantity_text.isascii() and quantity_text.isdigit()) or not (
        0 < int(quantity_text) <= limits.MAX_QUANTITY
    ):
        raise RowError(
            f"quantity: {quantity_text!r} is not a whole number from 1 to {limits.MAX_QUANTITY}"
        )
    quantity = int(quantity_text)
    if unit_text:
        unit_price = _unit_amount("unit_price", unit_text, decimal_comma)
    elif amount_text:
        unit_price = _unit_price_of(amount_text, quantity, decimal_comma)
    else:
        raise RowError("amount: empty")
    unit_cost = _unit_amount("unit_cost", cost_text, decimal_comma) if cost_text else None
    line = Line(sku or NO_SKU, category or None, quantity, unit_price, unit_cost)
    over = amounts_problem([line])
    if over is not None:
        which, why = over
        raise RowError(f"{'amount' if which == 'amount' else 'unit_cost'}: {why}")
    return _LineFacts(line, quantize_money(line.amount), cost_of([line]))


def _unit_price_of(amount_text: str, quantity: int, decimal_comma: bool) -> Decimal:
    """The unit price of a line given by its amount: amount / quantity, 4 decimals."""
    amount = _decimal("amount", amount_text, limits.MAX_AMOUNT, decimal_comma)
    unit_price = (amount / quantity).quantize(_UNIT)
    if unit_price > limits.MAX_UNIT_AMOUNT:
        raise RowError(
            f"amount: {amount_text!r} for {quantity} unit(s) is {unit_price} a unit, more than"
            f" the {limits.MAX_UNIT_AMOUNT} a unit may cost (give the quantity)"
        )
    return unit_price
