"""`patron cards`: a batch written for the printer, then the tour of one card."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from patron.cli import app
from patron.domain.cards import luhn_valid
from tests.conftest import EXAMPLE_PROGRAM

runner = CliRunner()


def test_issue_link_find_replace_block(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert runner.invoke(app, ["init", "--database-url", db]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", db])
    assert loaded.exit_code == 0, loaded.output
    printer = tmp_path / "batch.csv"
    issued = runner.invoke(
        app, ["cards", "issue", "--count", "3", "--out", str(printer), "--database-url", db]
    )
    assert issued.exit_code == 0, issued.output
    rows = list(csv.DictReader(printer.open()))
    assert len(rows) == 3 and len({r["batch"] for r in rows}) == 1
    assert all(r["check_digit_valid"] == "yes" and luhn_valid(r["number"]) for r in rows)
    first, second = rows[0]["number"], rows[1]["number"]

    def cards(*args: str) -> object:
        return runner.invoke(app, ["cards", *args, "--database-url", db])

    # a member to link to: enrolled through the CLI's importer is long; use the API's use case
    from patron.bootstrap import Patron
    from tests.integration.helpers import member

    patron = Patron.from_url(db)
    ana = member(patron, "ana", email="ana@shop.example")
    patron.dispose()
    assert cards("link", first, "ana").exit_code == 0  # type: ignore[attr-defined]
    found = cards("find", "--card", first, "--format", "json")
    document = json.loads(found.output)  # type: ignore[attr-defined]
    assert [(m["member_id"], m["cards"]) for m in document["data"]] == [(ana, f"{first}:active")]
    mistyped = cards("find", "--card", first[:-1] + str((int(first[-1]) + 1) % 10))
    assert mistyped.exit_code != 0 and "check digit" in mistyped.output  # type: ignore[attr-defined]
    replaced = cards("replace", first, "--new", second)
    assert f"now has card {second}" in replaced.output  # type: ignore[attr-defined]
    assert "blocked" in cards("find", "--card", first).output  # type: ignore[attr-defined]
    assert cards("block", second, "--reason", "stolen").exit_code == 0  # type: ignore[attr-defined]
