"""`patron campaigns …` on both stores: created from a TOML file with its content, listed,
previewed, launched, run by `run-due`, its results as JSON; a bad file named with its
field, exit code 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.experiments import Arm
from patron.store import tables as t
from tests.integration.helpers import member
from tests.integration.test_economics import url_of
from tests.usecases.test_experiments import expected_arm

runner = CliRunner()
SALT = "cli-salt"
FILE = """
name = "spring"
channel = "email"
holdout_share = "0.5"
salt = "cli-salt"
variants = [{ name = "A", share = "0.5" }, { name = "B", share = "0.5" }]

[audience]
consent = false

[offer]
bonus = 100
days = 7

[content.A]
subject = "Hello {{ member.first_name }}"
text = "Spring offers"

[content.B]
subject = "Spring is here"
text = "Spring offers for {{ member.name }}"
"""


def cli(patron: Patron, *args: str) -> Any:
    return runner.invoke(app, ["campaigns", *args, "--database-url", url_of(patron)])


def count(patron: Patron, table: t.Table) -> int:
    with patron.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_create_preview_launch_run_and_results(patron: Patron, tmp_path: Path) -> None:
    ids = [member(patron, f"c-{i}", email=f"c{i}@x.org") for i in range(10)]
    control = sum(expected_arm(SALT, m, 0.5) is Arm.CONTROL for m in ids)
    spec = tmp_path / "spring.toml"
    spec.write_text(FILE, encoding="utf-8")
    made = cli(patron, "create", "--file", str(spec))
    assert made.exit_code == 0, made.output
    assert "created (draft)" in made.output
    assert count(patron, t.message_templates) == 2
    listed = json.loads(cli(patron, "list", "--format", "json").output)
    assert [(r["name"], r["status"]) for r in listed["data"]] == [("spring", "draft")]
    preview = json.loads(cli(patron, "preview", "spring", "--format", "json").output)
    assert (preview["audience"], preview["holdout"]) == (10, control)
    assert sum(preview["variants"].values()) == 10 - control
    shown = cli(patron, "preview", "spring")
    assert f"audience 10: holdout {control}" in shown.output
    assert cli(patron, "launch", "spring").exit_code == 0
    ran = cli(patron, "run-due")
    assert ran.exit_code == 0, ran.output
    assert f"campaign 'spring' run 1: audience 10, holdout {control}" in ran.output
    assert "no campaign is due" in cli(patron, "run-due").output
    results = cli(patron, "results", "spring", "--format", "json")
    assert results.exit_code == 0, results.output
    document = json.loads(results.output)
    assert [a["members"] for a in document["arms"]] == [control, 10 - control]
    table = cli(patron, "results", "spring")
    assert table.exit_code == 0 and "cost:" in table.output


def test_a_bad_file_is_named_and_nothing_is_written(patron: Patron, tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text(FILE.replace("bonus = 100", 'bonus = 100\nmultiplier = "2"'), "utf-8")
    refused = cli(patron, "create", "--file", str(spec))
    assert refused.exit_code == 2
    assert "exactly one of bonus" in refused.output
    spec.write_text("name = [", encoding="utf-8")
    assert cli(patron, "create", "--file", str(spec)).exit_code == 2
    assert cli(patron, "create", "x", "--segment", "winners").exit_code == 2
    assert count(patron, t.campaigns) == 0
    assert cli(patron, "show", "nothing").exit_code == 2
