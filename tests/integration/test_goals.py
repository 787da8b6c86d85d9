"""Goals on both stores: the baseline measured at creation equals the hand computation,
values recorded on successive days (one per day, the later replacing the earlier), the
status they give, refusals that write nothing, and the command line's round trip.

The store is tests/support/goals.py's; its docstring computes every figure."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from typer.testing import CliRunner

from patron.bootstrap import Patron
from patron.cli import app
from patron.domain.audit import AuditQuery
from patron.domain.earning import Line
from patron.domain.errors import PatronError
from patron.domain.goals import GoalPlan, Population
from patron.services.commands import MemberRef, RecordPurchase
from patron.services.earn import record_purchase
from patron.services.goals import (
    AddGoal,
    GoalReport,
    add_goal,
    measure_baseline,
    record_goal_values,
    show_goal,
)
from tests.conftest import Clock
from tests.support import goals as scenario

runner = CliRunner()
D = Decimal


def plan(kpi: str, target: str | Decimal, **changes: Any) -> GoalPlan:
    given: dict[str, Any] = {
        "kpi": kpi, "population": Population("all"), "target": D(str(target)),
        "deadline": date(2026, 7, 31), "primary": False, "owner": "ana", "window_days": 30,
    }  # fmt: skip
    return GoalPlan(**(given | changes))


def add(patron: Patron, goal: GoalPlan) -> GoalReport:
    measures = patron.measures()
    baseline = patron.read(measure_baseline, goal, measures)
    return patron.run(partial(add_goal, measures=measures), AddGoal(goal, "test:ana", baseline))


def record(patron: Patron) -> None:
    record_goal_values(patron.new_uow, patron.measures())


def show(patron: Patron, goal_id: int) -> GoalReport:
    return patron.read(show_goal, goal_id, patron.measures())


@pytest.mark.parametrize(
    ("kpi", "target"),
    [
        ("purchase_frequency", "10"),  # 3 / 4 × 365 / 30 = 9.125
        ("average_basket", "60"),  # 150 / 3 = 50
        ("repeat_purchase_rate", "0.6"),  # 1 of 2 buyers = 0.5
        ("redemption_rate", "0.3"),  # 30 of 150 points = 0.2
        ("churn_rate", "0.3"),  # 1 - 1/2 = 0.5, lower is better
    ],
)
def test_the_baseline_measured_at_creation_equals_the_hand_computation(
    patron: Patron, clock: Clock, kpi: str, target: str
) -> None:
    scenario.build(patron, clock)
    found = add(patron, plan(kpi, target))
    assert found.goal.baseline == scenario.EXPECTED[kpi]
    assert found.goal.baseline_window == (date(2026, 6, 2), date(2026, 7, 2))
    # the day's first value is the baseline, on the path: on track
    assert [(p.day, p.value) for p in found.points] == [(date(2026, 7, 1), found.goal.baseline)]
    assert found.status.value == "on_track"
    audit = patron.read(lambda uow: uow.audit.search(AuditQuery(action="goal.created")))
    assert [(e.actor, e.details["kpi"], e.details["baseline"]) for e in audit] == [
        ("test:ana", kpi, str(scenario.EXPECTED[kpi]))
    ]


def buy(patron: Patron, ids: dict[str, int], who: str, order: str) -> None:
    line = Line("A", None, 1, D("50.00"), D("20.00"))
    command = RecordPurchase(MemberRef(id=ids[who]), order, patron.clock(), "EUR", (line,))
    patron.run(record_purchase, command)


def test_progress_is_recorded_day_by_day_and_decides_the_status(
    patron: Patron, clock: Clock
) -> None:
    """Purchase frequency, 30-day window, 4 members: value = purchases × 365 / 120.
    Baseline 07-01: 9.125; target 15 by 07-31: the path climbs 5.875 / 30 a day."""
    ids = scenario.build(patron, clock)
    goal = add(patron, plan("purchase_frequency", "15")).goal
    # 07-02: m4 buys; window [06-03, 07-03): o4, o5, o6 and this one: 4 × 365 / 120
    clock.now = datetime(2026, 7, 2, 10)
    buy(patron, ids, "m4", "n1")
    record(patron)
    assert show(patron, goal.id).points[-1].value == D("12.166667")
    # path 9.125 + 5.875 / 30 = 9.320833: on track
    assert show(patron, goal.id).status.value == "on_track"
    # later that day another purchase and a second recording: 5 × 365 / 120 = 15.208333
    # replaces the morning's value (one row a day) and reaches the target
    clock.now = datetime(2026, 7, 2, 18)
    buy(patron, ids, "m4", "n2")
    record(patron)
    found = show(patron, goal.id)
    assert [(p.day, p.value) for p in found.points] == [
        (date(2026, 7, 1), D("9.125")),
        (date(2026, 7, 2), D("15.208333")),
    ]
    assert found.status.value == "achieved"
    # 07-26: window [06-27, 07-27) holds only 07-02's two purchases: 2 × 365 / 120 =
    # 6.083333, under the path's 9.125 + 5.875 × 25 / 30 = 14.020833: behind
    clock.now = datetime(2026, 7, 26, 9)
    record(patron)
    found = show(patron, goal.id)
    assert (found.latest_day, found.latest_value) == (date(2026, 7, 26), D("6.083333"))
    assert found.points[-1].path == D("14.020833")
    assert found.status.value == "behind"
    # after the deadline nothing more is recorded, and the goal is missed
    clock.now = datetime(2026, 8, 1, 9)
    record(patron)
    found = show(patron, goal.id)
    assert len(found.points) == 3
    assert found.status.value == "missed"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"kpi": "happiness"}, "unknown KPI 'happiness'"),
        ({"kpi": "nps"}, "cannot be measured"),  # no NPS answer in the baseline window
        ({"target": D("9.125")}, "equals the baseline"),
        ({"target": D("8")}, "not better than the baseline 9.125"),
        ({"deadline": date(2026, 6, 30)}, "is not after today"),
        ({"population": Population("tier", "Platinum")}, "names no tier"),
        ({"population": Population("tier", "Gold")}, "cannot be measured"),
        ({"owner": ""}, "owner"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    patron: Patron, clock: Clock, changes: dict[str, Any], words: str
) -> None:
    scenario.build(patron, clock)
    with pytest.raises(PatronError, match=words):
        add(patron, plan(**({"kpi": "purchase_frequency", "target": "10"} | changes)))
    assert patron.read(lambda uow: uow.goals.all()) == []
    assert patron.read(lambda uow: uow.goals.all_values()) == {}
    assert patron.read(lambda uow: uow.audit.search(AuditQuery(action="goal.created"))) == []


def test_one_primary_goal_at_a_time(patron: Patron, clock: Clock) -> None:
    scenario.build(patron, clock)
    first = add(patron, plan("purchase_frequency", "10", primary=True)).goal
    with pytest.raises(PatronError, match=f"goal {first.id} .* is the primary goal"):
        add(patron, plan("average_basket", "60", primary=True))
    assert [g.id for g in patron.read(lambda uow: uow.goals.all())] == [first.id]
    add(patron, plan("average_basket", "60", primary=False))  # a secondary one is fine


def url_of(patron: Patron) -> str:
    return patron.engine.url.render_as_string(hide_password=False)


def test_the_command_line_adds_lists_shows_and_records(
    patron: Patron, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario.build(patron, clock)
    made = Patron.from_url.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        Patron, "from_url", classmethod(lambda cls, url, **kw: made(cls, url, clock=clock))
    )
    db = ["--database-url", url_of(patron)]
    added = runner.invoke(app, ["goals", "add", "--kpi", "average_basket", "--target", "60",
                                "--deadline", "2026-12-31", "--owner", "ana",
                                "--window-days", "30", "--primary", *db])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "goal 1 added" in added.output
    listed = runner.invoke(app, ["goals", "list", "--format", "json", *db])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)["data"]
    assert [(r["kpi"], r["baseline"], r["target"], r["status"], r["priority"]) for r in rows] == [
        ("average_basket", 50.0, 60.0, "on_track", "primary")
    ]
    clock.now = datetime(2026, 7, 2, 9)
    recorded = runner.invoke(app, ["goals", "record", "--format", "csv", *db])
    assert recorded.exit_code == 0, recorded.output
    # window [06-03, 07-03): o4 40, o5 50, o6 60: still 50
    assert recorded.output.splitlines() == ["goal_id,day,value,recorded", "1,2026-07-02,50.0,yes"]
    shown = runner.invoke(app, ["goals", "show", "1", "--format", "csv", *db])
    assert shown.exit_code == 0, shown.output
    # the path from 50 on 07-01 to 60 on 12-31 (183 days): + 10 / 183 a day
    assert shown.output.splitlines() == [
        "day,value,path", "2026-07-01,50.0,50.0", "2026-07-02,50.0,50.054645",
    ]  # fmt: skip
    refused = runner.invoke(app, ["goals", "add", "--kpi", "average_basket", "--target", "50",
                                  "--deadline", "2026-12-31", "--owner", "ana",
                                  "--window-days", "30", *db])  # fmt: skip
    assert refused.exit_code == 2 and "equals the baseline" in refused.output
    missing = runner.invoke(app, ["goals", "show", "9", *db])
    assert missing.exit_code == 2 and "no goal 9" in missing.output


class _NoMeasuring:
    """The catalogue's facts, but measuring inside the write transaction is an error."""

    def __init__(self, measures: Any) -> None:
        self.kpi, self.check_population = measures.kpi, measures.check_population

    def measure(self, *_: object) -> None:
        raise AssertionError("measured inside the write transaction")


def test_adding_a_goal_measures_nothing_inside_its_write_transaction(
    patron: Patron, clock: Clock
) -> None:
    """On SQLite a write transaction holds up every till (BEGIN IMMEDIATE): the baseline
    is measured before it opens, in a read-only one, and `add_goal` only writes."""
    scenario.build(patron, clock)
    measures = patron.measures()
    goal = plan("average_basket", "60")
    baseline = patron.read(measure_baseline, goal, measures)
    use_case = partial(add_goal, measures=_NoMeasuring(measures))
    found = patron.run(use_case, AddGoal(goal, "test:ana", baseline))
    assert found.goal.baseline == scenario.EXPECTED["average_basket"]
