"""Bonuses from the command line (cli/bonuses.py), as a user types them: `patron adjust`
with `--valid-days`, `patron member birthday` and `patron birthdays` run twice (the
example program's `[birthday]`: 250 points valid 30 days, up to 14 days after)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.clock import utcnow
from patron.services.commands import Enroll
from patron.services.enroll import enroll
from tests.conftest import EXAMPLE_PROGRAM

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A store with the example program and member C-1 (100 welcome points)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    loaded = runner.invoke(app, ["program", "load", str(EXAMPLE_PROGRAM), "--database-url", url])
    assert loaded.exit_code == 0, loaded.output
    patron = Patron.from_url(url)
    patron.run(enroll, Enroll("C-1"))
    patron.dispose()
    return url


def test_adjust_grants_a_bonus_that_burns(db: str) -> None:
    done = runner.invoke(
        app,
        ["adjust", "C-1", "200", "--reason", "autumn", "--valid-days", "14", "--database-url", db],
    )
    assert done.exit_code == 0, done.output
    assert "+200 points, expiring" in done.output and "balance 300" in done.output
    # a negative number after `--`, so that it is not read as an option
    command = ["adjust", "C-1", "--reason", "fix", "--valid-days", "3", "--database-url", db]
    refused = runner.invoke(app, [*command, "--", "-5"])
    assert refused.exit_code == 2
    assert "valid_days: only a credit" in refused.output


def test_the_birthday_is_set_and_the_run_grants_once(db: str) -> None:
    today = utcnow().date()
    day = f"{today:%m-%d}" if f"{today:%m-%d}" != "02-29" else "02-28"
    assert (
        runner.invoke(app, ["member", "birthday", "C-1", day, "--database-url", db]).exit_code == 0
    )
    shown = runner.invoke(app, ["member", "birthday", "C-1", "--database-url", db])
    assert shown.output == f"birthday: {day}\n"
    first = runner.invoke(app, ["birthdays", "--database-url", db])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 birthday bonuses granted (250 points, 0 vouchers)")
    again = runner.invoke(app, ["birthdays", "--database-url", db])
    assert again.output.startswith("0 birthday bonuses granted (0 points, 0 vouchers); 1 members")
    bad = runner.invoke(app, ["member", "birthday", "C-1", "02-30", "--database-url", db])
    assert bad.exit_code == 2 and "day must be from 1 to 29 in month 2" in bad.output
    later = (today + timedelta(days=2)).isoformat()
    assert runner.invoke(app, ["birthdays", "--as-of", later, "--database-url", db]).exit_code == 2
