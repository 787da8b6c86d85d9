"""A purchases CSV file read by Patron's file reader into a DuckDB table.

The import and the analytics read a file through the same reader (`patron.files`): the
same encoding detection, delimiter sniffing, `--map`, `--date-format` and
`--decimal-comma`, the same reasons for a field that cannot be read. DuckDB's own CSV
reader would guess types and formats of its own (a dd/mm/yyyy date stops the command
with a conversion error; a Windows-1250 file is not UTF-8 to it), and the analytics would
then see another file than the import.

A row the analytics cannot use (no customer, a date or a number that cannot be read) is
left out with its reason, as the import rejects it; `FileReading` says how many and
which, and the command prints them. Texts are not bounded here: the analytics store
nothing, so an over-long sku is just an sku. The rows go to DuckDB as NumPy columns, a
chunk at a time (no pandas: `clv fit` does without it).

As in the import: an empty quantity is one unit; a unit price, where given, makes the
row's amount (quantity × unit price), else the amount column does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np

from patron import files
from patron.domain.errors import InvalidInput
from patron.domain.purchase_columns import ANALYTICS_ONLY, OPTIONAL, REQUIRED
from patron.files import FileFormat, RowError

KNOWN = (*REQUIRED, *OPTIONAL, *ANALYTICS_ONLY)
TEXTS = ("customer_id", "order_id", "channel", "payment_method", "promotion", "sku", "category")
CHUNK_ROWS = 100_000
MEMO_LIMIT = 200_000  # distinct dates or numbers remembered across chunks
SHOWN = 20  # rows left out that are kept with their reason (the rest are counted)
TABLE = "purchases_file"
Array = np.ndarray[Any, np.dtype[Any]]
_NAT = int(np.datetime64("NaT").astype(np.int64))  # the int64 of NaT


@dataclass(frozen=True)
class FileReading:
    """What reading a file left out, and how the file was read where it was guessed."""

    path: Path
    rows: int
    left_out: int
    reasons: tuple[tuple[int, str], ...]  # (line, reason) of the first SHOWN left out
    read_as: str | None

    def summary(self) -> str | None:
        """One line for the user: how many rows were left out and why, or None."""
        if not self.left_out:
            return None
        shown = "; ".join(f"line {line}: {why}" for line, why in self.reasons[:5])
        more = f"; and {self.left_out - 5} more" if self.left_out > 5 else ""
        return (
            f"{self.path}: {self.left_out} of {self.rows} rows left out, as the import"
            f" would reject them: {shown}{more}"
        )


def read_purchases_csv(
    path: Path, mapping: dict[str, str], fmt: FileFormat
) -> tuple[ir.Table, FileReading]:
    """The file's rows as a DuckDB table whose columns are the fields the file has
    (named as Patron names them; `amount` always), and what was left out."""
    with files.open_table(path, fmt) as table:
        index = files.columns_of(path, table.header, mapping, KNOWN)
        rows = _Rows(index, fmt)
        con = ibis.duckdb.connect()
        con.con.execute(f"CREATE TABLE {TABLE} ({rows.schema()})")
        line = 2
        for chunk in table.chunks(CHUNK_ROWS):
            _insert(con, rows.parse(chunk, line))
            line += len(chunk)
        guessed = table.encoding_detected or (table.delimiter_sniffed and table.delimiter != ",")
        reading = FileReading(
            path,
            line - 2,
            rows.left_out,
            tuple(rows.reasons),
            table.describe() if guessed else None,
        )
    if reading.rows and reading.left_out == reading.rows:
        first, why = reading.reasons[0]
        raise InvalidInput(f"{path}: no row can be read; line {first}: {why}")
    return con.table(TABLE), reading


def _insert(con: Any, columns: dict[str, Array]) -> None:
    """Append the columns to the table: DuckDB reads a dict of NumPy arrays as a table
    (NaN and NaT arrive as NULL) without pandas."""
    con.con.register("batch", columns)
    try:
        con.con.execute(f"INSERT INTO {TABLE} BY NAME SELECT * FROM batch")
    finally:
        con.con.unregister("batch")


class _Rows:
    """Chunks of rows into typed columns, with what each chunk leaves out.

    A field is parsed once per distinct text (a history repeats its dates and amounts),
    and rows get their values by dictionary look-up, in C."""

    def __init__(self, index: dict[str, int], fmt: FileFormat) -> None:
        self.index = index
        self.fmt = fmt
        self.texts = [f for f in TEXTS if f in index]
        self.money = [f for f in ("cost", "unit_cost") if f in index]
        # field -> text -> value (a float, or int64 microseconds for a date); a text
        # that cannot be read has NaN (NaT) here and its reason in `failed`
        self.memos: dict[str, dict[str, Any]] = {}
        self.failed: dict[str, dict[str, str]] = {}
        self.left_out = 0
        self.reasons: list[tuple[int, str]] = []

    def schema(self) -> str:
        names = [*self.texts, "date", "amount", *self.money]
        names += [f for f in ("quantity", "paid_at") if f in self.index]
        kinds = {"date": "TIMESTAMP", "paid_at": "TIMESTAMP"}
        return ", ".join(
            f'"{n}" {kinds.get(n, "VARCHAR" if n in TEXTS else "DOUBLE")}' for n in names
        )

    def parse(self, chunk: list[list[str]], first_line: int) -> dict[str, Array]:
        size = len(chunk)
        width = max(self.index.values()) + 1
        if min(map(len, chunk)) < width:  # short rows (a blank line): empty fields
            pad = [""] * width
            chunk = [r if len(r) >= width else (r + pad)[:width] for r in chunk]
        reason = np.full(size, "", dtype=object)

        def raw(name: str) -> list[str] | None:
            i = self.index.get(name)
            return None if i is None else list(map(itemgetter(i), chunk))

        customer = np.array(list(map(str.strip, raw("customer_id") or [])), dtype=object)
        reason[customer == ""] = "customer_id: empty"
        date = self._dates(raw("date"), "date", reason, size)
        quantity = self._numbers(raw("quantity"), "quantity", reason, size, empty=1.0)
        unit_price = self._numbers(raw("unit_price"), "unit_price", reason, size)
        amount = self._numbers(raw("amount"), "amount", reason, size)
        amount = np.where(np.isnan(unit_price), amount, unit_price * quantity)
        reason[(reason == "") & np.isnan(amount)] = "amount: empty"
        money = {f: self._numbers(raw(f), f, reason, size) for f in self.money}
        paid = self._dates(raw("paid_at"), "paid_at", reason, size)
        bad = np.flatnonzero(reason != "")
        self.left_out += len(bad)
        for k in bad[: max(0, SHOWN - len(self.reasons))].tolist():
            self.reasons.append((first_line + k, str(reason[k])))
        keep = np.flatnonzero(reason == "") if len(bad) else slice(None)
        out: dict[str, Array] = {"customer_id": customer[keep]}
        for name in self.texts[1:]:
            values = np.array(list(map(str.strip, raw(name) or [])), dtype=object)[keep]
            values[values == ""] = None
            out[name] = values
        out.update(date=date[keep], amount=amount[keep])
        out.update({f: values[keep] for f, values in money.items()})
        if "quantity" in self.index:
            out["quantity"] = quantity[keep]
        if "paid_at" in self.index:
            out["paid_at"] = paid[keep]
        return out

    def _dates(self, texts: list[str] | None, name: str, reason: Array, size: int) -> Array:
        """Each row's date (NaT where empty or unreadable)."""
        if texts is None:
            return np.full(size, np.datetime64("NaT"), dtype="datetime64[us]")
        micros = self._parsed(texts, name, self._date, reason, _NAT, _NAT)
        return np.array(micros, dtype=np.int64).view("datetime64[us]")

    def _numbers(
        self, texts: list[str] | None, name: str, reason: Array, size: int, empty: float = np.nan
    ) -> Array:
        """Each row's number (`empty` where empty; NaN where unreadable)."""
        if texts is None:
            return np.full(size, empty, dtype=np.float64)
        found = self._parsed(texts, name, self._number, reason, empty, np.nan)
        return np.array(found, dtype=np.float64)

    def _parsed(
        self,
        texts: list[str],
        name: str,
        parse: Callable[[str, str], Any],
        reason: Array,
        empty: Any,
        nothing: Any,
    ) -> list[Any]:
        """Each text parsed once per distinct value (`empty` for an empty one); an
        unreadable one is `nothing` (NaN, NaT) and gives its row a reason, unless the
        row has one already."""
        memo = self.memos.setdefault(name, {})
        failed = self.failed.setdefault(name, {})
        if len(memo) > MEMO_LIMIT:
            memo.clear()
            failed.clear()
        distinct = set(texts)
        for text in distinct.difference(memo):
            stripped = text.strip()
            try:
                memo[text] = parse(name, stripped) if stripped else empty
            except RowError as exc:
                memo[text] = nothing
                failed[text] = str(exc)
        found = list(map(memo.__getitem__, texts))
        if not failed.keys().isdisjoint(distinct):
            for k, text in enumerate(texts):
                if text in failed and reason[k] == "":
                    reason[k] = failed[text]
        return found

    def _date(self, name: str, text: str) -> int:
        moment: datetime = files.parse_date(text, self.fmt.date_format, name)
        return int(np.datetime64(moment, "us").astype(np.int64))

    def _number(self, name: str, text: str) -> float:
        return float(files.parse_number(name, text, self.fmt.decimal_comma))
