"""The rules of an experiment (domain/experiments.py), without a store."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from patron.domain.earning import BreakdownItem, Earning
from patron.domain.experiments import (
    Arm,
    Experiment,
    Kind,
    draw,
    edit_problem,
    holdout_arm,
    pilot_arm,
    withheld_reason,
    withhold,
)

START, END = datetime(2026, 3, 1), datetime(2026, 6, 1)


def experiment(kind: Kind = Kind.HOLDOUT) -> Experiment:
    share = Decimal("0.1") if kind is Kind.HOLDOUT else None
    shops = ("north",) if kind is Kind.PILOT else ()
    return Experiment(1, "e", kind, "salt", share, START, END, shops, START, "cli:test")


def test_the_draw_is_sha256_of_salt_and_member_read_as_a_fraction() -> None:
    digest = hashlib.sha256(b"spring-26:42").digest()
    assert draw("spring-26", 42) == int.from_bytes(digest[:8], "big") / 2**64


def test_the_draw_is_uniform_so_the_control_is_about_its_share() -> None:
    # 20,000 members at 10 %: the count is Binomial(20000, 0.1), sd 42.4; +-5 sd
    control = sum(holdout_arm("s", m, Decimal("0.1")) is Arm.CONTROL for m in range(1, 20_001))
    assert 2000 - 212 <= control <= 2000 + 212


def test_two_salts_split_the_members_independently() -> None:
    both = sum(
        holdout_arm("a", m, Decimal("0.5")) is holdout_arm("b", m, Decimal("0.5"))
        for m in range(1, 10_001)
    )
    assert 4800 <= both <= 5200  # agreement by chance: 1/2, sd 50


def test_a_pilot_treats_its_shops_only() -> None:
    assert pilot_arm(("north",), "north") is Arm.TREATMENT
    assert pilot_arm(("north",), "south") is Arm.CONTROL
    assert pilot_arm(("north",), None) is Arm.CONTROL


def test_the_control_is_withheld_only_while_the_experiment_runs() -> None:
    held = experiment()
    assert withheld_reason(held, Arm.CONTROL, START) == "holdout"  # the start is in
    assert withheld_reason(held, Arm.CONTROL, END) is None  # the end is out
    assert withheld_reason(held, Arm.CONTROL, datetime(2026, 2, 28)) is None
    assert withheld_reason(held, Arm.TREATMENT, START) is None
    assert withheld_reason(experiment(Kind.PILOT), Arm.CONTROL, START) == "pilot"


def test_a_withheld_purchase_earns_nothing_and_says_why_in_one_item() -> None:
    scored = Earning((30, 20), 50, (BreakdownItem("base", 50), BreakdownItem("bonus", 50)))
    held = withhold(scored, "holdout")
    assert (held.line_points, held.points, held.breakdown) == (
        (0, 0),
        0,
        (BreakdownItem("holdout", 0),),
    )


def test_once_started_the_salt_and_share_are_fixed_but_the_end_may_move() -> None:
    held = experiment()
    before, after = datetime(2026, 2, 1), datetime(2026, 3, 2)
    assert edit_problem(held, before, share=True, salt=True) is None
    assert "control_share, salt" in (edit_problem(held, after, share=True, salt=True) or "")
    assert edit_problem(held, after, share=False, salt=False) is None


def test_a_name_is_a_path_segment_and_a_population_part() -> None:
    import pytest

    from patron.domain.errors import InvalidInput
    from patron.domain.experiments import Kind, NewExperiment, checked

    def new(name: str) -> NewExperiment:
        start = datetime(2026, 1, 1)
        return NewExperiment(name, Kind.HOLDOUT, "s", Decimal("0.1"), start, None, ())

    assert checked(new("holdout-2027.v2_a")).name == "holdout-2027.v2_a"
    for bad in ("bad/name x", "new\nline", "a?b#c", "-lead", "x y"):
        with pytest.raises(InvalidInput, match="letters, digits"):
            checked(new(bad))
