"""Benchmark: `import purchases` rows per second on SQLite, against a raw sqlite3 insert.

The baseline inserts the same rows (customer_id, date, amount, already parsed by the csv
module) with one `executemany` into a bare table: the floor no importer can beat. The
ratio is what matters; both are measured in the same run.

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
        ours = patron_import(path, Path(tmp) / "patron.db")
    print(f"rows: {valid}")
    print(f"raw sqlite3 executemany: {valid / raw:10.0f} rows/s ({raw:.2f} s)")
    print(f"patron import purchases: {valid / ours:10.0f} rows/s ({ours:.2f} s)")
    print(f"ratio: {raw / ours:.3f} (target >= 0.25)")


if __name__ == "__main__":
    main()
