"""`patron member export` and `patron member erase` as an operator types them, on SQLite
and PostgreSQL: the JSON document on stdout or in a file only its owner reads, a
confirmation before an erasure that cannot be undone, and clear refusals (exit code 2).

Tests of the command line, an adapter; the use cases' own tests are in
tests/usecases/test_privacy.py.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from tests.integration.helpers import assert_verified, buy, member

runner = CliRunner()


def _cli(patron: Patron, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    url = patron.engine.url.render_as_string(hide_password=False)
    return runner.invoke(app, [*args, "--database-url", url], input=stdin)


def test_export_prints_the_document_or_writes_it_for_its_owner_only(
    patron: Patron, tmp_path: Path
) -> None:
    ann = member(patron, "cust-ann", email="ann@example.com", name="Ann Example")
    buy(patron, ann, "o-1", ("A", "books", 2, "50.00"))  # 100.00 in books: 200 points

    printed = _cli(patron, "member", "export", "cust-ann", "--no-scores")

    assert printed.exit_code == 0, printed.output
    doc = json.loads(printed.stdout)
    assert (doc["member"]["id"], doc["member"]["email"], doc["member"]["name"]) == (
        ann,
        "ann@example.com",
        "Ann Example",
    )
    assert [(e["kind"], e["points"]) for e in doc["ledger"]] == [("welcome", 100), ("earn", 200)]
    assert doc["purchases"][0]["total"] == "100.00"
    assert doc["segments_and_scores"] == {
        "available": False,
        "note": "not computed: the export was run with --no-scores",
    }

    target = tmp_path / "ann.json"
    written = _cli(patron, "member", "export", str(ann), "--out", str(target))

    assert written.exit_code == 0, written.output
    assert written.stdout == "" and f"member {ann} exported to {target}" in written.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    on_file = json.loads(target.read_text())
    assert on_file["member"] == doc["member"] and on_file["segments_and_scores"]["available"]


def test_erase_asks_first_is_audited_under_the_user_and_is_final(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = member(patron, "cust-ann", email="ann@example.com")
    bob = member(patron, "cust-bob")
    monkeypatch.setenv("PATRON_ACTOR", "alice")

    declined = _cli(patron, "member", "erase", "cust-ann", "--reason", "ticket 7", stdin="n\n")
    assert declined.exit_code == 1 and "cannot be undone" in declined.output
    kept = json.loads(_cli(patron, "member", "export", "cust-ann", "--no-scores").stdout)
    assert kept["member"]["email"] == "ann@example.com"

    done = _cli(patron, "member", "erase", "cust-ann", "--reason", "ticket 7", "--yes")

    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"member {ann} erased: now known as erased-")
    assert "100 points stay on the books" in done.stdout
    gone = _cli(patron, "member", "export", "cust-ann", "--no-scores")
    assert gone.exit_code == 2 and "no member with external_id 'cust-ann'" in gone.output
    erased = json.loads(_cli(patron, "member", "export", str(ann), "--no-scores").stdout)
    assert (erased["member"]["email"], erased["member"]["external_id"][:7]) == (None, "erased-")

    twice = _cli(patron, "member", "erase", str(ann), "--reason", "again", "--yes")
    assert twice.exit_code == 2 and "already erased" in twice.output
    blank = _cli(patron, "member", "erase", str(bob), "--reason", "  ", "--yes")
    assert blank.exit_code == 2 and "reason" in blank.output
    as_external = ["member", "erase", str(bob), "--by", "external_id", "--reason", "x", "--yes"]
    numeric = _cli(patron, *as_external)
    assert numeric.exit_code == 2 and f"no member with external_id '{bob}'" in numeric.output

    audited = _cli(patron, "audit", "--json", "--action", "member.erased")
    rows = [json.loads(line) for line in audited.stdout.splitlines()]
    assert [(r["actor"], r["member_id"], r["reason"]) for r in rows] == [
        ("cli:alice", ann, "ticket 7")
    ]
    assert _cli(patron, "verify").exit_code == 0
    assert_verified(patron)
