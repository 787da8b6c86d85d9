"""`patron journeys run|list` as a user types them (cli/journeys.py): the run reports
what it enqueued by journey, a rerun enqueues nothing, the list counts the messages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.consent import ConsentSource
from patron.services.commands import Enroll
from patron.services.consents import record_consent
from patron.services.enroll import enroll
from tests.integration.helpers import buy
from tests.integration.test_journeys import PROGRAM

runner = CliRunner()


def test_run_then_rerun_then_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    program = tmp_path / "program.toml"
    program.write_text(PROGRAM)
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(program), "--database-url", url])
    assert loaded.exit_code == 0, loaded.output
    # Bob buys on 1 March, 31 March and 30 April 2026: a usual interval of 30 days, so
    # twice that is reached on 29 June
    patron = Patron.from_url(url)
    bob = patron.run(enroll, Enroll("bob", email="bob@shop.ro")).member.id
    patron.run(lambda uow, m: record_consent(uow, m, True, ConsentSource.API), bob)
    for order, month, day in (("b-1", 3, 1), ("b-2", 3, 31), ("b-3", 4, 30)):
        buy(patron, bob, order, ("A", None, 1, "10.00"), at=datetime(2026, month, day, 12))
    patron.dispose()

    first = runner.invoke(app, ["journeys", "run", "--as-of", "2026-06-29", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert "winback: 1 queued, 0 refused" in first.output
    again = runner.invoke(app, ["journeys", "run", "--as-of", "2026-06-29", "--database-url", url])
    assert "winback: 0 queued, 0 refused" in again.output

    listed = runner.invoke(app, ["journeys", "list", "--format", "json", "--database-url", url])
    rows = {r["journey"]: r for r in json.loads(listed.stdout)["data"]}
    assert (rows["winback"]["on"], rows["winback"]["queued"]) == ("yes", 1)
    assert (rows["survey"]["on"], rows["survey"]["queued"]) == ("no", 0)
