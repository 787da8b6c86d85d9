"""`patron simulate` through the command line: two programs side by side on a tiny
history whose every figure is computed by hand (issue 14, point 4).

The programs differ in one threshold: Gold from 1,500 EUR (program) or from 1,000 EUR
(other) spent over 12 months; Silver from 500 (x1.25), Gold x1.5, 1 point per EUR
rounded down; a reward of 1,000 points that costs 5.00 (0.005 a point); members redeem
half their spendable points at each month's end (--redeem-rate 0.5); margin 40 %.

    c1  2026-01-10 600   Bronze: 600 (both); window 600 -> Silver (both)
        2026-01-20 500   Silver: 625 (both); window 1100 -> Silver (program), Gold (other)
        2026-02-05 400   program Silver: 500, window 1500 -> Gold; other Gold: 600
        2026-02-15 200   Gold: 300 (both)
    c2  2026-01-15 1200  Bronze: 1200 (both); window 1200 -> Silver (program), Gold (other)
        2026-02-10 100   program Silver: 125; other Gold: 150

Issued: January 2425 (both); February 925 (program), 1050 (other): 3350 against 3475.
Tiers at January's end (re-evaluated 1 February, windows 1100 and 1200): program Silver 2,
other Gold 2; at February's end (windows 1700 and 1300): program Gold 1 Silver 1, other
Gold 2. Redeemed at January's end: ⌊1225/2⌋ + ⌊1200/2⌋ = 612 + 600 = 1212 (both); at
February's end, program: c1 613 + 800 -> 706, c2 600 + 125 -> 362, 1068; other: c1
613 + 900 -> 756, c2 600 + 150 -> 375, 1131. Reward cost: 6.06 + 5.34 = 11.40 against
6.06 + 5.66 (5.655 half up) = 11.72. Revenue 3000, margin 1200: break-even uplift
11.40 / 1200 = 0.95 % against 11.72 / 1200 = 0.976667 %.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from patron.cli import app

runner = CliRunner()

PROGRAM = """
name = "Gold at 1500"
currency = "EUR"

[tiers]
  [[tiers.levels]]
  name = "Bronze"

  [[tiers.levels]]
  name = "Silver"
  threshold = 500
  multiplier = 1.25

  [[tiers.levels]]
  name = "Gold"
  threshold = 1500
  multiplier = 1.5

[[rewards]]
id = "voucher"
name = "Voucher"
kind = "discount"
points = 1000
cost = 5.00
"""

HISTORY = """customer_id,order_id,date,amount
c1,o1,2026-01-10T10:00:00,600.00
c1,o2,2026-01-20T10:00:00,500.00
c2,o3,2026-01-15T10:00:00,1200.00
c1,o4,2026-02-05T10:00:00,400.00
c2,o5,2026-02-10T10:00:00,100.00
c1,o6,2026-02-15T10:00:00,200.00
"""


def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    program, other, history = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "h.csv"
    program.write_text(PROGRAM)
    other.write_text(
        PROGRAM.replace("threshold = 1500", "threshold = 1000").replace("at 1500", "at 1000")
    )
    history.write_text(HISTORY)
    return program, other, history


def run_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_two_programs_side_by_side_with_their_differences(tmp_path: Path) -> None:
    # given
    program, other, history = files(tmp_path)
    # when
    found = run_json(
        "simulate",
        str(program),
        "--purchases",
        str(history),
        "--against",
        str(other),
        "--redeem-rate",
        "0.5",
        "--margin",
        "0.4",
    )
    # then
    rows = {
        (r["month"], r["measure"]): (r["program"], r["other"], r["difference"])
        for r in found["comparison"]
    }
    assert rows["all", "points_issued"] == (3350, 3475, 125)
    assert rows["2026-01", "points_issued"] == (2425, 2425, 0)
    assert rows["2026-02", "points_tier"] == (100 + 100 + 25, 200 + 100 + 50, 125)
    assert rows["2026-01", "members_Silver"] == (2, 0, -2)
    assert rows["2026-01", "members_Gold"] == (0, 2, 2)
    assert rows["2026-02", "members_Gold"] == (1, 2, 1)
    assert rows["2026-02", "points_redeemed"] == (1068, 1131, 63)
    assert rows["all", "reward_cost"] == ("11.40", "11.72", "0.32")
    assert rows["all", "revenue"] == ("3000.00", "3000.00", "0.00")
    assert rows["all", "margin"] == ("1200.00", "1200.00", "0.00")
    assert rows["all", "break_even_uplift"] == (0.0095, 0.009767, 0.000267)
    assert rows["all", "points_outstanding"] == (3350 - 1212 - 1068, 3475 - 1212 - 1131, 62)
    # the table says the same, with the names of both programs
    table = runner.invoke(
        app,
        [
            "simulate",
            str(program),
            "--purchases",
            str(history),
            "--against",
            str(other),
            "--redeem-rate",
            "0.5",
            "--margin",
            "0.4",
            "--part",
            "summary",
        ],
    )
    assert table.exit_code == 0, table.output
    assert "Gold at 1500 (program) against Gold at 1000 (other)" in table.stdout
    assert "11.40 EUR" in table.stdout and "11.72 EUR" in table.stdout
    assert "members must buy 0.95% more" in table.stdout


def test_one_program_per_month_writes_nothing(tmp_path: Path) -> None:
    # given
    program, _, history = files(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    # when
    found = run_json("simulate", str(program), "--purchases", str(history))
    # then: redemptions off for a file, no margin known; nothing new in the folder
    january, february = found["months"]
    assert (january["month"], january["points_issued"], january["points_tier"]) == (
        "2026-01",
        2425,
        125,
    )
    assert (february["points_issued"], february["points_outstanding"]) == (925, 3350)
    assert february["members_Gold"] == 1 and february["members_Silver"] == 1
    assert found["summary"]["break_even_uplift"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_input_is_refused_naming_it(tmp_path: Path) -> None:
    program, _, history = files(tmp_path)
    for args, said in (
        (["--redeem-rate", "1.5"], "--redeem-rate '1.5' must be from 0 to 1"),
        (["--from", "2026-13-01"], "--from '2026-13-01' is not a day"),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "before --from"),
    ):
        result = runner.invoke(app, ["simulate", str(program), "--purchases", str(history), *args])
        assert result.exit_code == 2, result.output
        assert said in result.output


def test_a_period_of_centuries_is_refused(tmp_path: Path) -> None:
    program, _, history = files(tmp_path)
    for start, end, said in (
        ("1970-01-01", "2026-12-31", "is over 240 months"),
        ("0001-01-01", "2026-12-31", "outside the years 1970 to 2200"),
    ):
        args = ["--from", start, "--to", end]
        result = runner.invoke(app, ["simulate", str(program), "--purchases", str(history), *args])
        assert result.exit_code == 2, result.output
        assert said in " ".join(result.output.split())


def test_tiers_never_reevaluated_over_a_part_of_the_history(tmp_path: Path) -> None:
    """`--reevaluate-months 0` (never) with a period inside the history: a review found
    it answered an IndexError (no re-evaluation to look a tier up in)."""
    program, _, history = files(tmp_path)
    period = ("--from", "2026-02-01", "--to", "2026-02-28")
    found = run_json(
        "simulate", str(program), "--purchases", str(history), "--reevaluate-months", "0", *period
    )
    assert [m["month"] for m in found["months"]] == ["2026-02"]
    assert found["months"][0]["purchases"] >= 1
