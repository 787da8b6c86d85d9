"""Products per customer, category pairs and next categories through the command line,
on a file (DuckDB) and in the store (SQLite and PostgreSQL), checked by hand.

tests/data/crosssell_purchases.csv holds 8 baskets (purchases) of 5 customers:

    a1  o1 2025-03-01 books (B1, B2), music (M1)    o2 2025-03-10 books (B1)
    a2  o3 2025-03-05 books (B3), music (M1), home (H1)   o4 2025-03-10 music (M2)
    a3  o5 2025-03-02 music (M1)                    o6 2025-03-10 home (H2), garden (G1)
    b1  o7 2025-01-05 books (B1), toys (T1)
    b2  o8 2025-01-05 toys (T2)

Baskets holding a category: books 4, music 4, home 2, garden 1, toys 2 (N = 8).
Pairs: books+music 2 (o1, o3); books+home, music+home, home+garden, books+toys 1 each.
    garden→home  support 1/8, confidence 1/1, lift 1·8/(1·2) = 4
    home→garden  1/8, 1/2, 4        books→music and music→books  2/8, 2/4, 2·8/(4·4) = 1
    then the 1/8 rules of lift 1, by name.
RFM as of 2025-03-10: a1..a3 bought 2 times, 0 days ago; b1, b2 once, 64 days ago. Ranks
tie within each group: R = F = 3 for the a's ("loyal"), 1 for the b's ("lost").
Loyal customers' categories: music 3/3, books 2/3, home 2/3, garden 1/3; lost: toys 2/2,
books 1/2. With a share of at least 1/2: a1 lacks home (2/3), a3 books (2/3), b2 books
(1/2, exactly the threshold); a2 and b1 lack nothing.
Products per customer in March 2025: a1 {B1, B2, M1} 3, a2 {B3, M1, H1, M2} 4,
a3 {M1, H2, G1} 3: 10/3.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.config import get_settings
from patron.services.importer import ImportOptions, import_purchases

DATA = Path(__file__).resolve().parents[1] / "data"
BASKETS = DATA / "crosssell_purchases.csv"
runner = CliRunner()

TOP_3 = [
    ("garden", "home", 1, 1 / 8, 1.0, 4.0),
    ("home", "garden", 1, 1 / 8, 0.5, 4.0),
    ("books", "music", 2, 2 / 8, 0.5, 1.0),
]
ALL_RULES = [
    *TOP_3,
    ("music", "books", 2, 2 / 8, 0.5, 1.0),
    ("books", "home", 1, 1 / 8, 0.25, 1.0),
    ("books", "toys", 1, 1 / 8, 0.25, 1.0),
    ("home", "books", 1, 1 / 8, 0.5, 1.0),
    ("home", "music", 1, 1 / 8, 0.5, 1.0),
    ("music", "home", 1, 1 / 8, 0.25, 1.0),
    ("toys", "books", 1, 1 / 8, 0.5, 1.0),
]
NEXT = [
    ("a1", "loyal", "home", 2 / 3),
    ("a3", "loyal", "books", 2 / 3),
    ("b2", "lost", "books", 0.5),
]
PRODUCTS_IN_MARCH = 10 / 3


def read_rows(path: Path, keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    with path.open() as f:
        return [
            tuple(r[k] if not _number(r[k]) else float(r[k]) for k in keys)
            for r in csv.DictReader(f)
        ]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_rows(got: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    """The same rows in the same order: names equal, numbers to 1e-9."""
    assert len(got) == len(expected), (got, expected)
    for row, want in zip(got, expected, strict=True):
        assert [v for v in row if isinstance(v, str)] == [v for v in want if isinstance(v, str)]
        numbers = [v for v in row if not isinstance(v, str)]
        assert numbers == pytest.approx([v for v in want if not isinstance(v, str)]), row


RULE_KEYS = ("antecedent", "consequent", "baskets", "support", "confidence", "lift")
NEXT_KEYS = ("customer_id", "segment", "category", "segment_share")


def check_commands(source: str, tmp_path: Path) -> None:
    """Every command of point 11 on one source, against the hand-computed figures."""
    out = tmp_path / "rules.csv"
    result = runner.invoke(app, ["analytics", "crosssell", source, "--top", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_rows(read_rows(out, RULE_KEYS), TOP_3)
    result = runner.invoke(app, ["analytics", "crosssell", source, "--out", str(out)])
    assert_rows(read_rows(out, RULE_KEYS), ALL_RULES)
    result = runner.invoke(
        app, ["analytics", "crosssell", source, "--min-support", "0.2", "--out", str(out)]
    )
    assert_rows(read_rows(out, RULE_KEYS), [TOP_3[2], ALL_RULES[3]])
    nxt = tmp_path / "next.csv"
    result = runner.invoke(app, ["analytics", "next-categories", source, "--out", str(nxt)])
    assert result.exit_code == 0, result.output
    assert_rows(read_rows(nxt, NEXT_KEYS), NEXT)
    runner.invoke(
        app, ["analytics", "next-categories", source, "--min-share", "0.6", "--out", str(nxt)]
    )
    assert_rows(read_rows(nxt, NEXT_KEYS), NEXT[:2])
    kpis = runner.invoke(
        app,
        ["analytics", "kpis", source, "--start", "2025-03-01", "--end", "2025-04-01",
         "--format", "json"],
    )  # fmt: skip
    assert kpis.exit_code == 0, kpis.output
    figures = json.loads(kpis.stdout)
    assert figures["customers"] == 3
    assert figures["products_per_customer"] == pytest.approx(PRODUCTS_IN_MARCH)


def test_on_a_file_in_duckdb(tmp_path: Path) -> None:
    check_commands(str(BASKETS), tmp_path)


def test_in_the_store(patron: Patron, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # given the same history imported into the store
    assert import_purchases(patron.new_uow, BASKETS, ImportOptions()).inserted == 8
    monkeypatch.setenv("PATRON_DATABASE_URL", patron.engine.url.render_as_string(False))
    get_settings.cache_clear()
    try:
        check_commands("store", tmp_path)
    finally:
        get_settings.cache_clear()


def test_products_per_customer_of_the_small_history() -> None:
    # January 2025: ann bought A, B, C; bob A -> (3 + 1) / 2
    result = runner.invoke(
        app,
        ["analytics", "kpis", str(DATA / "small_purchases.csv"), "--start", "2025-01-01",
         "--end", "2025-02-01", "--format", "json"],
    )  # fmt: skip
    assert json.loads(result.stdout)["products_per_customer"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crosssell", str(BASKETS), "--min-support", "2"], "min_support: 2.0 must be between"),
        (["crosssell", str(BASKETS), "--top", "0"], "top: 0 must be at least 1"),
        (["next-categories", str(BASKETS), "--min-share", "0"], "min_share: 0.0 must be above"),
        (["crosssell", str(DATA / "cdnow_sample.csv")], "cross-selling needs purchase lines"),
    ],
)
def test_bad_options_are_named(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["analytics", *args])
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
