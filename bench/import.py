"""Benchmark: `import purchases` rows per second on SQLite, against a raw sqlite3 insert.

The baseline inserts the same rows (customer_id, date, amount, already parsed by the csv
module) with one `executemany` into a bare table: the floor no importer can beat. The
ratio is what matters; both are measured in the same run. A third figure puts the same
rows, unchecked, straight into Patron's own tables (members, purchases, purchase_lines,
with their keys and indexes): what the schema alone costs.

    python bench/import.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.files import write_purchases  # noqa: E402

from patron.bootstrap import Patron  # noqa: E402
from patron.services.importer import ImportOptions, import_purchases  # noqa: E402
from patron.services.program import load_program  # noqa: E402


def raw_insert(path: Path, db: Path) -> float:
    start = time.perf_counter()
    with path.open(newline="") as src:
        rows = [(r["customer_id"], r["date"], r["amount"]) for r in csv.DictReader(src)]
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE purchases (customer_id TEXT, date TEXT, amount NUMERIC)")
    conn.executemany("INSERT INTO purchases VALUES (?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - start


def schema_floor(path: Path, db: Path) -> float:
    """The same rows straight into Patron's purchases and purchase_lines (with their
    indexes and keys), one executemany each and nothing checked: what the tables cost, and
    so the best any importer could do with them. Timed like the raw insert, file read
    included."""
    patron = Patron.from_url(f"sqlite:///{db}")
    patron.migrate()
    patron.dispose()
    start = time.perf_counter()
    with path.open(newline="") as src:
        rows = [(r["customer_id"], r["date"], r["amount"]) for r in csv.DictReader(src)]
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    customers = {c: i for i, c in enumerate(dict.fromkeys(r[0] for r in rows), start=1)}
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO members (id, external_id, tier, tier_since, enrolled_at, referral_code,"
        " balance, debt, purchase_count, lifetime_spend) VALUES (?, ?, 'Bronze',"
        " '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000', ?, 0, 0, 0, 0)",
        [(i, c, f"r{i}") for c, i in customers.items()],
    )
    conn.executemany(
        "INSERT INTO purchases (id, member_id, order_id, occurred_at, currency, total,"
        " refunded_total, points_earned, bonus_points, source, created_at)"
        " VALUES (?, ?, ?, ?, 'EUR', ?, 0, 0, 0, 'import', '2026-01-01 00:00:00.000000')",
        [(i, customers[c], f"o{i}", d, a) for i, (c, d, a) in enumerate(rows, start=1)],
    )
    conn.executemany(
        "INSERT INTO purchase_lines (purchase_id, member_id, line_no, sku, quantity,"
        " unit_price, points, refunded_quantity) VALUES (?, ?, 1, '*', 1, ?, 0, 0)",
        [(i, customers[c], a) for i, (c, _, a) in enumerate(rows, start=1)],
    )
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def patron_import(path: Path, db: Path) -> float:
    patron = Patron.from_url(f"sqlite:///{db}")
    patron.migrate()
    program = (ROOT / "examples" / "program.toml").read_text()
    patron.run(lambda uow, text: load_program(uow, text, "bench"), program)
    start = time.perf_counter()
    report = import_purchases(patron.new_uow, path, ImportOptions())
    elapsed = time.perf_counter() - start
    patron.dispose()
    assert report.inserted == report.purchases, report
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "purchases.csv"
        valid = write_purchases(path, args.rows)
        raw = raw_insert(path, Path(tmp) / "raw.db")
        tables = schema_floor(path, Path(tmp) / "tables.db")
        ours = patron_import(path, Path(tmp) / "patron.db")
    print(f"rows: {valid}")
    print(f"raw sqlite3 executemany: {valid / raw:10.0f} rows/s ({raw:.2f} s)")
    print(
        f"same rows into Patron's tables, unchecked: {valid / tables:10.0f} rows/s"
        f" ({tables:.2f} s, {raw / tables:.3f} of raw)"
    )
    print(f"patron import purchases: {valid / ours:10.0f} rows/s ({ours:.2f} s)")
    print(f"ratio: {raw / ours:.3f} (target >= 0.25)")


if __name__ == "__main__":
    main()
