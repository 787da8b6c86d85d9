"""`patron import purchases`: validation, rejects, re-runs, and surviving SIGKILL."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Table, func, select

from patron.bootstrap import Patron
from patron.domain.errors import InvalidInput
from patron.domain.member import Member
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.importer import ImportOptions, import_purchases
from patron.store.tables import ledger_entries, members, point_lots, purchase_lines, purchases
from tests.conftest import ROOT, Clock, load_example, make_patron
from tests.integration.helpers import assert_verified
from tests.support.files import write_purchases


def count(patron: Patron, table=purchases) -> int:  # type: ignore[no-untyped-def]
    with patron.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_import_groups_lines_by_order_and_rejects_bad_rows(patron: Patron, tmp_path: Path) -> None:
    # given a file with two lines of one order, a plain row, and three bad rows
    path = tmp_path / "history.csv"
    path.write_text(
        "Customer,Day,Total,order_id,sku,quantity,unit_price,category\n"
        "c1,03/01/2025,,o-1,A,2,10.00,books\n"
        "c1,03/01/2025,,o-1,B,1,5.00,home\n"
        "c2,04/01/2025,12.50,,,,,\n"
        "c3,2025-01-05,7.00,,,,,\n"
        ",05/01/2025,3.00,,,,,\n"
        "c4,05/01/2062,9.00,,,,,\n"
    )
    options = ImportOptions(
        {"customer_id": "Customer", "date": "Day", "amount": "Total"}, "%d/%m/%Y"
    )
    # when it is imported
    report = import_purchases(patron.new_uow, path, options)
    # then the order has two lines, the bad rows are in the rejects file with reasons
    assert (report.rows, report.inserted, report.rejected, report.members_created) == (6, 2, 3, 2)
    with patron.uow(readonly=True) as uow:
        order = uow.purchases.by_order_id("o-1")
        assert order is not None and str(order.total) == "25.00"
        assert len(uow.purchases.lines(order.id)) == 2
    rejects = list(csv.DictReader((tmp_path / "history.rejects.csv").open()))
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        ("5", "date"),
        ("6", "customer_id"),
        ("7", "date"),
    ]
    assert "ahead of the server's clock" in rejects[2]["reason"]  # a mistyped year
    # and a re-run adds nothing
    again = import_purchases(patron.new_uow, path, options)
    assert (again.inserted, again.skipped) == (0, 2)
    assert_verified(patron)


def test_every_optional_column_lands_where_it_belongs(patron: Patron, tmp_path: Path) -> None:
    # given a file with every optional column, an order of two lines, a short row,
    # a blank line, and an order id reused by another customer
    path = tmp_path / "full.csv"
    path.write_text(
        "customer_id,date,amount,order_id,sku,category,quantity,unit_price,unit_cost,"
        "channel,payment_method,promotion\n"
        "c1,2025-01-05T10:30:00+01:00,,o-1,A,books,2,10.00,6.00,web,card,SPRING\n"
        "c1,2025-01-05T10:30:00+01:00,,o-1,B,home,1,5.005,,web,card,SPRING\n"
        "c2, 2025-01-06 ,12.50\n"
        "\n"
        "c3,2025-01-07,4.00,o-1,,,,,,,,\n"
        "c2,2025-01-08,30,,,,3,,2.5,store,cash,\n"
    )
    # when it is imported
    report = import_purchases(patron.new_uow, path, ImportOptions())
    # then each purchase has its lines, costs and labels
    assert (report.rows, report.inserted, report.rejected, report.members_created) == (6, 3, 2, 2)
    with patron.uow(readonly=True) as uow:
        order = uow.purchases.by_order_id("o-1")
        assert order is not None
        assert (str(order.total), order.cost, order.occurred_at.isoformat()) == (
            "25.01",
            None,  # one line has no cost: a partial cost would overstate the margin
            "2025-01-05T09:30:00",
        )
        labels = (order.channel, order.payment_method, order.promotion_code)
        assert labels == ("web", "card", "SPRING")
        lines = [
            (x.line_no, x.sku, x.category, x.quantity, str(x.unit_price), x.unit_cost)
            for x in uow.purchases.lines(order.id)
        ]
        assert [(n, s, c, q, p, u and str(u)) for n, s, c, q, p, u in lines] == [
            (1, "A", "books", 2, "10.0000", "6.0000"),
            (2, "B", "home", 1, "5.0050", None),
        ]
        c2 = uow.members.by_external_id("c2")
        assert c2 is not None and (c2.purchase_count, str(c2.lifetime_spend)) == (2, "42.50")
        with patron.engine.connect() as conn:
            rows = conn.execute(
                select(purchases.c.total, purchases.c.cost, purchases.c.channel)
                .where(purchases.c.member_id == c2.id)
                .order_by(purchases.c.occurred_at)
            ).all()
        assert [(str(a), b and str(b), c) for a, b, c in rows] == [
            ("12.50", None, None),
            ("30.00", "7.50", "store"),
        ]
    rejects = list(csv.DictReader((tmp_path / "full.rejects.csv").open()))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("5", "customer_id: empty"),
        ("6", "order_id 'o-1' already belongs to customer 'c1'"),
    ]
    assert_verified(patron)


def test_a_member_the_import_creates_starts_as_an_enrolled_member_does(
    patron: Patron, tmp_path: Path
) -> None:
    # given c1 enrolled through the API on 2025-01-02, and a file whose customer c2 first
    # bought on 2025-01-03 (the second row: rows are not in date order)
    at = datetime(2025, 1, 2, 8, 0)
    enrolled = patron.run(enroll, Enroll("c1", enrolled_at=at, acquisition_channel="web"))
    path = tmp_path / "history.csv"
    path.write_text(
        "customer_id,date,amount,acquisition_channel\n"
        "c2,2025-01-05,10.00,store\n"
        "c2,2025-01-03,2.50,web\n"
    )
    # when it is imported without points
    import_purchases(patron.new_uow, path, ImportOptions())
    # then c2 starts like c1, in the first tier since their first purchase, with no
    # points or debt, a referral code of their own, and the channel of that purchase;
    # c1 has the 100 welcome points the enrolment credited, c2 the two purchases
    with patron.uow(readonly=True) as uow:
        c2 = uow.members.by_external_id("c2")
    assert c2 is not None
    first = datetime(2025, 1, 3)

    def start(m: Member) -> tuple[object, ...]:
        return (m.tier, m.tier_since, m.enrolled_at, m.email, m.name, m.referred_by, m.debt)

    assert start(enrolled.member) == ("Bronze", at, at, None, None, None, 0)
    assert start(c2) == ("Bronze", first, first, None, None, None, 0)
    assert (enrolled.member.balance, enrolled.member.purchase_count) == (100, 0)
    assert str(enrolled.member.lifetime_spend) == "0.00"
    assert (c2.balance, c2.purchase_count, str(c2.lifetime_spend)) == (0, 2, "12.50")
    assert (enrolled.member.acquisition_channel, c2.acquisition_channel) == ("web", "web")
    codes = (enrolled.member.referral_code, c2.referral_code)
    assert all(re.fullmatch("[A-HJ-NP-Z2-9]{8}", c) for c in codes) and codes[0] != codes[1]
    assert_verified(patron)


def test_identical_rows_are_distinct_purchases(patron: Patron, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("customer_id,date,amount\nc1,2025-01-01,9.99\nc1,2025-01-01,9.99\n")
    assert import_purchases(patron.new_uow, path, ImportOptions()).inserted == 2
    assert import_purchases(patron.new_uow, path, ImportOptions()).inserted == 0
    assert count(patron) == 2


def test_imported_times_compare_like_times_written_by_the_api(
    patron: Patron, tmp_path: Path
) -> None:
    # SQLite keeps times as text: an import must write the same text format as the rest
    # of Patron, or "at or after midnight" would miss a purchase made at midnight
    path = tmp_path / "midnight.csv"
    path.write_text("customer_id,date,amount\nc1,2025-01-01,10.00\nc2,2024-12-31,5.00\n")
    import_purchases(patron.new_uow, path, ImportOptions())
    with patron.engine.connect() as conn:
        at_or_after = purchases.c.occurred_at >= datetime(2025, 1, 1)
        found = conn.execute(select(func.count()).where(at_or_after)).scalar_one()
    assert found == 1


def test_award_points_scores_history_with_the_program(patron: Patron, tmp_path: Path) -> None:
    path = tmp_path / "scored.csv"
    path.write_text("customer_id,date,amount\nc1,2025-01-01,10.00\nc1,2025-02-01,20.00\n")
    import_purchases(patron.new_uow, path, ImportOptions(award_points=True))
    with patron.uow(readonly=True) as uow:
        member = uow.members.by_external_id("c1")
        assert member is not None and member.balance == 100 + 30
    assert_verified(patron)


def test_a_file_without_required_columns_is_refused_whole(patron: Patron, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("who,when\nc1,2025-01-01\n")
    with pytest.raises(InvalidInput, match=r"wrong.csv: line 1: missing required columns"):
        import_purchases(patron.new_uow, path, ImportOptions())
    assert count(patron, members) == 0


# what a re-run must reproduce: every column but surrogate ids, random referral codes
# and the moment of writing
_NOT_COMPARED = {"id", "member_id", "purchase_id", "referred_by", "referral_code", "created_at"}


def _compared(table: Table) -> list[Column[Any]]:
    return [c for c in table.c if c.name not in _NOT_COMPARED]


def stored_rows(patron: Patron) -> dict[str, list[tuple[Any, ...]]]:
    """Every imported purchase, line and member, by natural key, plus the ledger's size."""
    buyer = members.c.external_id.label("customer")
    order = purchases.c.order_id.label("order")
    queries = {
        "purchases": select(buyer, *_compared(purchases))
        .join(members, members.c.id == purchases.c.member_id)
        .order_by(purchases.c.order_id),
        "lines": select(order, *_compared(purchase_lines))
        .join(purchases, purchases.c.id == purchase_lines.c.purchase_id)
        .order_by(purchases.c.order_id, purchase_lines.c.line_no),
        "members": select(*_compared(members)).order_by(members.c.external_id),
        "ledger": select(
            select(func.count()).select_from(ledger_entries).scalar_subquery(),
            select(func.count()).select_from(point_lots).scalar_subquery(),
        ),
    }
    with patron.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(q)] for name, q in queries.items()}


def first_difference(
    rows: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]
) -> tuple[int, tuple[Any, ...], tuple[Any, ...]] | None:
    """(index, row, expected row) of the first pair that differs: a short message where
    pytest would print a diff of 75,000 rows."""
    pairs = enumerate(zip(rows, expected, strict=True))
    return next(((i, a, b) for i, (a, b) in pairs if a != b), None)


@pytest.mark.slow
def test_import_killed_half_way_then_rerun_writes_what_a_clean_import_writes(
    patron: Patron, store_kind: str, tmp_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    # given a file of 76,000 rows, some bad: two batches at the default 50,000 purchases
    path = tmp_path / "big.csv"
    valid = write_purchases(path, 76_000, bad_every=101)
    assert valid == 76_000 - 76_000 // 101 and valid > ImportOptions().batch_size
    # and what one clean import of it writes
    import_purchases(patron.new_uow, path, ImportOptions())
    clean = stored_rows(patron)
    assert len(clean["purchases"]) == valid
    # when `patron import purchases` runs on an empty store of the same kind, is killed
    # with SIGKILL once it has written its second batch but before that batch commits
    # (killed_import.py: the same point on any machine), and is run again
    store = make_patron(store_kind, tmp_path / "killed", clock, request)
    try:
        load_example(store)
        env = {
            **os.environ,
            "PATRON_DATABASE_URL": store.engine.url.render_as_string(hide_password=False),
        }
        arguments = ["import", "purchases", str(path)]
        command = [sys.executable, "-m", "patron", *arguments]
        killed = [sys.executable, "-m", "tests.integration.killed_import", *arguments]
        quiet = subprocess.DEVNULL
        died = subprocess.run(killed, env=env, cwd=ROOT, stdout=quiet, stderr=quiet)
        assert died.returncode == -signal.SIGKILL
        # then the kill left the first batch, whole, and nothing of the second
        assert count(store) == ImportOptions().batch_size
        subprocess.run(command, env=env, check=True, stdout=quiet, stderr=quiet)
        # and the re-run ends with the very rows the clean import wrote
        again = stored_rows(store)
        assert {k: len(v) for k, v in again.items()} == {k: len(v) for k, v in clean.items()}
        for name, rows in clean.items():
            diff = first_difference(again[name], rows)
            assert diff is None, f"{name}, row {diff[0]}: {diff[1]}; the clean import: {diff[2]}"
        assert_verified(store)
    finally:
        store.dispose()
