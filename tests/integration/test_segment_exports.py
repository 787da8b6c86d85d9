"""Segment lists a shop can use: from the store, each customer of an RFM, A/B/C or
next-categories list comes with the member's name, e-mail and consent; and the store's
tables print its program's currency. On SQLite and PostgreSQL.

The history is tests/data/small_purchases.csv (tests/integration/test_analytics.py):

    ann  2025-01-06 100 | 2025-01-20 50 and 30       3 purchases, 180
    bob  2025-01-13 20  | 2025-02-03 40              2 purchases,  60
    cid  2025-02-24 10                               1 purchase,   10

ann and bob enrolled first with their names (bob without an e-mail); the import enrolls
cid, of whom it knows nothing but the id. None of them was asked for a marketing consent
(docs/privacy.md): every row says `not recorded` (answers: tests/integration/test_consents.py).

RFM as of the last purchase, Feb 24, 5 bins (score = min(5, 1 + floor(5 * percent rank))):
days since the last purchase ann 35, bob 21, cid 0 -> R 1, 3, 5; purchases 3, 2, 1 ->
F 5, 3, 1; spend 180, 60, 10 -> M 5, 3, 1. ann R1 F5: can't lose; bob R3 F3: loyal;
cid R5 F1: new.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from patron.services.importer import ImportOptions, import_purchases
from tests.conftest import Clock
from tests.integration.test_analytics import SMALL
from tests.integration.test_crosssell import BASKETS
from tests.integration.test_economics import SPEND, seed
from tests.integration.test_readable_numbers import cells

runner = CliRunner()
CONTACTS = "name,email,consent"


@pytest.fixture
def store(patron: Patron, monkeypatch: pytest.MonkeyPatch) -> Iterator[Patron]:
    """The store as SOURCE `store` of the command line (PATRON_DATABASE_URL)."""
    monkeypatch.setenv("PATRON_DATABASE_URL", patron.engine.url.render_as_string(False))
    get_settings.cache_clear()
    yield patron
    get_settings.cache_clear()


def small_history(patron: Patron) -> None:
    patron.run(enroll, Enroll("ann", email="ann@example.com", name="Ann Novak",
                              enrolled_at=datetime(2025, 1, 1)))  # fmt: skip
    patron.run(enroll, Enroll("bob", name="Bob Horvat", enrolled_at=datetime(2025, 1, 1)))
    assert import_purchases(patron.new_uow, SMALL, ImportOptions()).inserted == 6


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_an_rfm_list_of_the_store_names_each_member(store: Patron) -> None:
    small_history(store)
    assert cli("analytics", "rfm", "store", "--format", "csv").splitlines() == [
        f"customer_id,purchases,total_spend,days_since_last,r,f,m,rfm,segment,{CONTACTS}",
        "ann,3,180.00,35,1,5,5,155,can't lose,Ann Novak,ann@example.com,not recorded",
        "bob,2,60.00,21,3,3,3,333,loyal,Bob Horvat,,not recorded",
        "cid,1,10.00,0,5,1,1,511,new,,,not recorded",
    ]
    # the table prints the program's currency (examples/program.toml: EUR)
    table = cells(cli("analytics", "rfm", "store"))
    assert table[1] == ["as of 2025-02-24 (the last purchase in the data; purchases on it count)"]
    assert table[3] == ["ann", "3", "180.00 EUR", "35", "1", "5", "5", "155", "can't lose",
                        "Ann Novak", "ann@example.com", "not recorded"]  # fmt: skip
    # another currency than the store's is refused
    other = runner.invoke(app, ["analytics", "rfm", "store", "--currency", "USD"])
    assert other.exit_code == 2
    assert "--currency USD: the store's amounts are in EUR" in " ".join(other.output.split())


def test_abc_and_next_categories_lists_of_the_store_name_each_member(store: Patron) -> None:
    small_history(store)
    # A/B/C on volume (the default): spend 180, 60, 10 -> ranks 1, 1/2, 0; positions 1/3,
    # 2/3, 1: nobody in the top 20% (A), ann within 50% (B), bob and cid C
    rows = cli("analytics", "abc", "store", "--format", "csv").splitlines()
    assert rows[0].endswith(f",abc,{CONTACTS}")
    assert [r.split(",")[0] + "," + ",".join(r.split(",")[-4:]) for r in rows[1:]] == [
        "ann,B,Ann Novak,ann@example.com,not recorded",
        "bob,C,Bob Horvat,,not recorded",
        "cid,C,,,not recorded",
    ]
    # next categories: each of ann, bob and cid is alone in their segment, which buys
    # just what they bought: nothing to offer, and the header still names the columns
    rows = cli("analytics", "next-categories", "store", "--format", "csv").splitlines()
    assert rows == [f"customer_id,segment,category,segment_share,{CONTACTS}"]


def test_a_next_categories_list_of_the_store_names_each_member(store: Patron) -> None:
    # the baskets of tests/integration/test_crosssell.py (offers NEXT, worked out there),
    # a1 enrolled with a name and an e-mail before the import
    store.run(enroll, Enroll("a1", email="ana@example.com", name="Ana Kos",
                             enrolled_at=datetime(2025, 1, 1)))  # fmt: skip
    assert import_purchases(store.new_uow, BASKETS, ImportOptions()).inserted == 8
    rows = cli("analytics", "next-categories", "store", "--format", "csv").splitlines()
    assert rows == [
        f"customer_id,segment,category,segment_share,{CONTACTS}",
        f"a1,loyal,home,{2 / 3!r},Ana Kos,ana@example.com,not recorded",
        f"a3,loyal,books,{2 / 3!r},,,not recorded",
        "b2,lost,books,0.5,,,not recorded",
    ]


def test_a_file_has_no_members_and_says_so() -> None:
    result = runner.invoke(app, ["analytics", "rfm", str(SMALL), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "customer_id,purchases,total_spend,days_since_last,r,f,m,rfm,segment"
    )
    assert "small_purchases.csv holds no members: the list has customer ids only" in " ".join(
        result.stderr.split()
    )


def test_the_economics_report_is_a_table_in_the_programs_currency(
    store: Patron, clock: Clock
) -> None:
    # the scenario of tests/integration/test_economics.py, by channel: store CAC 50/1, value
    # 50, CLV/CAC 1, payback in month 0; web CAC 210/3 = 70, value 190/3 = 63.33, CLV/CAC
    # 190/210 = 0.90, never paid back; no channel: no spend, value 0
    seed(store, clock)
    for month, channel, amount in SPEND:
        cli("economics", "spend", "add", "--month", month, "--channel", channel,
            "--amount", amount, "--currency", "EUR")  # fmt: skip
    table = cells(cli("economics", "report", "--by", "channel"))
    # the store's today: every member and purchase so far (the date itself is the day's)
    assert re.fullmatch(r"as of \d{4}-\d\d-\d\d \(today: every member and purchase in the store\)",
                        table[1][0])  # fmt: skip
    assert table[2:] == [
        ["channel", "spend", "new members", "cac", "value per member", "clv to cac",
         "payback months"],
        ["store", "50.00 EUR", "1", "50.00 EUR", "50.00 EUR", "1.00", "0"],
        ["web", "210.00 EUR", "3", "70.00 EUR", "63.33 EUR", "0.90"],
        ["0.00 EUR", "1", "0.00 EUR"],
    ]  # fmt: skip
    listed = cells(cli("economics", "spend", "list"))
    assert listed[2][:5] == ["2", "2026-01", "store", "50.00", "EUR"]
