"""The rules of a goal: the straight path, on track / behind / achieved / missed, and the
plan's refusals (domain/goals.py), on numbers made by hand."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from patron.domain.goals import (
    Direction,
    Goal,
    GoalPlan,
    GoalStatus,
    GoalValue,
    InvalidGoal,
    Population,
    check_baseline,
    check_plan,
    path_value,
    status,
    window,
)

D = Decimal
TODAY = date(2026, 1, 1)


def goal(baseline: str, target: str, deadline: date = date(2026, 4, 11)) -> Goal:
    """Created 2026-01-01; the deadline 100 days later by default."""
    return Goal(
        id=1, kpi="k", population=Population("all"), baseline=D(baseline), window_days=365,
        target=D(target), deadline=deadline, primary=True, owner="ana", name=None,
        created_at=datetime(2026, 1, 1, 9), created_by="test",
    )  # fmt: skip


def values(*pairs: tuple[date, str]) -> list[GoalValue]:
    return [GoalValue(day, D(v), datetime(2026, 1, 1)) for day, v in pairs]


def test_the_path_runs_straight_from_the_baseline_to_the_target() -> None:
    # 3.0 -> 3.3 over 100 days: + 0.003 a day; day 50: 3.15; day 25: 3.075
    g = goal("3.0", "3.3")
    assert path_value(g, date(2026, 1, 1)) == D("3.0")
    assert path_value(g, date(2026, 1, 26)) == D("3.075")
    assert path_value(g, date(2026, 2, 20)) == D("3.15")
    assert path_value(g, date(2026, 4, 11)) == D("3.3")
    assert path_value(g, date(2027, 1, 1)) == D("3.3")  # after the deadline: the target
    assert path_value(g, date(2025, 1, 1)) == D("3.0")  # before creation: the baseline


def test_on_track_at_or_above_the_path_behind_below_it_when_higher_is_better() -> None:
    g = goal("3.0", "3.3")
    day = date(2026, 2, 20)  # path 3.15
    assert status(g, Direction.HIGHER, values((day, "3.15")), day) is GoalStatus.ON_TRACK
    assert status(g, Direction.HIGHER, values((day, "3.2")), day) is GoalStatus.ON_TRACK
    assert status(g, Direction.HIGHER, values((day, "3.149999")), day) is GoalStatus.BEHIND


def test_on_track_at_or_below_the_path_when_lower_is_better_churn() -> None:
    # churn 0.40 -> 0.30 in 100 days: day 50 path 0.35
    g = goal("0.40", "0.30")
    day = date(2026, 2, 20)
    assert status(g, Direction.LOWER, values((day, "0.35")), day) is GoalStatus.ON_TRACK
    assert status(g, Direction.LOWER, values((day, "0.33")), day) is GoalStatus.ON_TRACK
    assert status(g, Direction.LOWER, values((day, "0.36")), day) is GoalStatus.BEHIND


def test_the_latest_value_is_judged_against_the_path_of_its_own_day() -> None:
    # recorded on day 25 (path 3.075) at 3.08, read on day 50 (path 3.15): still on track
    g = goal("3.0", "3.3")
    found = values((date(2026, 1, 10), "2.9"), (date(2026, 1, 26), "3.08"))
    assert status(g, Direction.HIGHER, found, date(2026, 2, 20)) is GoalStatus.ON_TRACK


def test_a_new_goal_without_values_is_on_track() -> None:
    assert status(goal("3.0", "3.3"), Direction.HIGHER, [], TODAY) is GoalStatus.ON_TRACK


def test_achieved_once_the_latest_value_reaches_the_target() -> None:
    g = goal("0.40", "0.30")
    day = date(2026, 1, 20)
    assert status(g, Direction.LOWER, values((day, "0.30")), day) is GoalStatus.ACHIEVED
    # it fell back: the latest value decides, behind its path again (day 19: 0.381)
    later = values((day, "0.30"), (date(2026, 1, 21), "0.39"))
    assert status(g, Direction.LOWER, later, date(2026, 1, 21)) is GoalStatus.BEHIND


def test_after_the_deadline_the_deadlines_value_decides() -> None:
    g = goal("3.0", "3.3")
    after = date(2026, 4, 12)
    reached = values((date(2026, 4, 11), "3.3"))
    short = values((date(2026, 4, 10), "3.4"), (date(2026, 4, 11), "3.29"))
    assert status(g, Direction.HIGHER, reached, after) is GoalStatus.ACHIEVED
    assert status(g, Direction.HIGHER, short, after) is GoalStatus.MISSED
    # on the deadline itself the goal is still open: behind its path (3.3), not missed
    assert status(g, Direction.HIGHER, short, date(2026, 4, 11)) is GoalStatus.BEHIND
    # a value recorded after the deadline does not count
    late = values((date(2026, 4, 11), "3.29"), (date(2026, 4, 12), "3.5"))
    assert status(g, Direction.HIGHER, late, after) is GoalStatus.MISSED


def test_the_window_is_the_days_ending_with_the_day() -> None:
    assert window(date(2026, 7, 1), 30) == (date(2026, 6, 2), date(2026, 7, 2))


def plan(**changes: object) -> GoalPlan:
    given: dict[str, object] = {
        "kpi": "purchase_frequency", "population": Population("all"), "target": D("3.3"),
        "deadline": date(2026, 12, 31), "primary": True, "owner": "ana",
    }  # fmt: skip
    return GoalPlan(**(given | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "share", "words"),
    [
        ({"deadline": TODAY}, False, "deadline: 2026-01-01 is not after today"),
        ({"deadline": date(2025, 12, 1)}, False, "is not after today"),
        ({"owner": "  "}, False, "owner: name who answers"),
        ({"window_days": 0}, False, "window_days"),
        ({"target": D("-1")}, False, "target: a number from 0"),
        ({"target": D("1.5")}, True, "is a share, from 0 to 1"),
        ({"target": D("NaN")}, False, "target: a number"),
        ({"owner": "ana\x00"}, False, "owner: character 4 is a control character"),
        ({"name": "a\u202eb"}, False, "name: character 2 changes the text's direction"),
    ],
)
def test_a_plan_that_cannot_be_right_is_refused_naming_the_field(
    changes: dict[str, object], share: bool, words: str
) -> None:
    with pytest.raises(InvalidGoal, match=words):
        check_plan(plan(**changes), TODAY, share)


def test_a_target_equal_to_the_baseline_or_on_the_wrong_side_is_refused() -> None:
    with pytest.raises(InvalidGoal, match="equals the baseline"):
        check_baseline(plan(target=D("3.3")), D("3.3"), Direction.HIGHER)
    with pytest.raises(InvalidGoal, match="higher is better"):
        check_baseline(plan(target=D("2.9")), D("3.0"), Direction.HIGHER)
    with pytest.raises(InvalidGoal, match="lower is better"):
        check_baseline(plan(target=D("0.5")), D("0.4"), Direction.LOWER)
    check_baseline(plan(target=D("0.3")), D("0.4"), Direction.LOWER)  # fine


def test_a_population_is_read_from_its_text() -> None:
    assert Population.parse("all") == Population("all")
    assert Population.parse("tier:Gold") == Population("tier", "Gold")
    assert str(Population("rfm", "can't lose")) == "rfm:can't lose"
    with pytest.raises(InvalidGoal, match="names no population"):
        Population.parse(":x")
    with pytest.raises(InvalidGoal, match="control character"):
        Population.parse("tier:Go\x00ld")
