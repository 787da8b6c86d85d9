"""`patron experiment …` on both stores: create, list, show a member's arm, the report as
a table, CSV and JSON (the API's document), the power table; bad input named, exit code
2 and nothing written."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.experiments import Arm
from patron.store import tables as t
from tests.conftest import Clock
from tests.integration.helpers import member, record
from tests.integration.test_economics import url_of
from tests.usecases.test_experiments import expected_arm

runner = CliRunner()
SALT = "cli-salt"


def cli(patron: Patron, *args: str) -> Any:
    return runner.invoke(app, ["experiment", *args, "--database-url", url_of(patron)])


def count(patron: Patron, table: t.Table) -> int:
    with patron.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_create_list_show_and_report(patron: Patron, clock: Clock) -> None:
    start = clock()
    ids = [member(patron, f"c-{i}", enrolled_at=start - timedelta(days=30)) for i in range(10)]
    made = cli(patron, "create", "h", "--share", "0.5", "--salt", SALT,
               "--starts", start.isoformat())  # fmt: skip
    assert made.exit_code == 0, made.output
    arm = {m: expected_arm(SALT, m, 0.5) for m in ids}
    control = sum(a is Arm.CONTROL for a in arm.values())
    assert f"{control:,} members in control" in made.output
    listed = json.loads(cli(patron, "list", "--format", "json").output)
    assert [(r["name"], r["control"], r["treatment"]) for r in listed["data"]] == [
        ("h", control, 10 - control)
    ]
    shown = json.loads(cli(patron, "show", "h", "--member", "c-3", "--format", "json").output)
    assert shown["arm"] == arm[ids[3]].value
    clock.advance(days=1)
    for i, m in enumerate(ids):
        record(patron, m, f"o-{i}")  # 50.00 each, the treated earning 50 points
    end = (clock() + timedelta(days=1)).isoformat()
    found = json.loads(cli(patron, "report", "h", "--to", end, "--format", "json").output)
    arms = {a["arm"]: a for a in found["arms"]}
    assert (arms["control"]["members"], arms["control"]["revenue"]) == (control, "50.00")
    assert found["sample_ratio"]["control"] == control
    rows = list(csv.DictReader(io.StringIO(cli(patron, "report", "h", "--to", end,
                                               "--format", "csv").output)))  # fmt: skip
    assert [(r["metric"], r["adjusted"]) for r in rows][:2] == [
        ("revenue", "none"),
        ("revenue", "CUPED"),
    ]
    table = cli(patron, "report", "h", "--to", end)
    assert table.exit_code == 0, table.output
    assert "sample ratio" in table.output and "incremental_margin" in table.output
    power = json.loads(cli(patron, "power", "--uplift", "0.1", "--share", "0.5",
                           "--as-of", end, "--format", "json").output)  # fmt: skip
    week = power["data"][0]
    y = np.full(10, 50.0)
    assert (week["weeks"], week["members"], week["mean"]) == (1, 10, pytest.approx(y.mean()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--share", "1.2"], "control_share: a holdout needs a share strictly between 0 and 1"),
        (["--share", "abc"], "--share 'abc' is not a number"),
        (["--kind", "pilot"], "shops: a pilot names 1 to 100 shops"),
        (["--share", "0.1", "--ends", "2020-01-01"], "ends_at: the end must come after"),
        (["--share", "0.1", "--starts", "soon"], "--starts 'soon' is not a date"),
    ],
)
def test_bad_input_is_named_and_nothing_written(
    patron: Patron, args: list[str], message: str
) -> None:
    member(patron, "c-1")
    result = cli(patron, "create", "h", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert (count(patron, t.experiments), count(patron, t.experiment_assignments)) == (0, 0)
