"""Importing Patron and opening a store leave the host process's warnings as they were.

store/db.py once called `warnings.filterwarnings` for SQLAlchemy's SQLite Decimal warning,
which silenced it (and anything matching) in every program that used Patron. The check
runs in a fresh interpreter: in the test process patron.store.db is imported already.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import warnings
from decimal import Decimal

warnings.simplefilter("error")  # any warning on the way fails the run
before = list(warnings.filters)

from sqlalchemy import Column, Integer, MetaData, Numeric, Table, insert, select

from patron.store.db import make_engine

after_import = list(warnings.filters)
engine = make_engine("sqlite:///:memory:")
after_engine = list(warnings.filters)

metadata = MetaData()
t = Table("t", metadata, Column("id", Integer, primary_key=True), Column("amount", Numeric(14, 2)))
with engine.begin() as conn:
    metadata.create_all(conn)
    conn.execute(insert(t).values(id=1, amount=Decimal("12.34")))
    amount = conn.execute(select(t.c.amount)).scalar_one()

print(before == after_import, before == after_engine, before == list(warnings.filters))
print(repr(amount))
"""


def test_importing_and_opening_a_sqlite_store_leave_warnings_filters_unchanged() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["True True True", "Decimal('12.34')"]
