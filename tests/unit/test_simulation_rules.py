"""The simulation's vectorised rules against the domain's own functions, value by value:
month arithmetic (`domain.lots.add_months`), rounding (`domain.money.to_points`, i.e.
Decimal.quantize), and a line's points through every stage (`domain.earning.score`),
including factors with many decimals that take the exact path through Python integers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from patron.analytics.simulation.calendar import add_months
from patron.analytics.simulation.fixed import round_points
from patron.analytics.simulation.history import history_of
from patron.analytics.simulation.scoring import line_points
from patron.domain import lots
from patron.domain.earning import Line, MemberState, PurchaseFacts, score
from patron.domain.money import Rounding, to_points
from patron.domain.program import parse_program


@pytest.mark.parametrize("months", [-12, -3, -1, 1, 6, 24])
def test_add_months_is_the_domains_on_every_day_of_four_years(months: int) -> None:
    moments = [datetime(2023, 1, 1, 7, 30, 15, 123) + timedelta(days=d) for d in range(4 * 366)]
    found = add_months(np.array(moments, dtype="datetime64[us]"), months)
    assert found.astype(datetime).tolist() == [lots.add_months(m, months) for m in moments]


@pytest.mark.parametrize("rounding", list(Rounding))
def test_rounding_is_decimal_quantize_on_every_fraction(rounding: Rounding) -> None:
    # every numerator of 0 to 4 whole units in 1/8 steps and in 1/1000 steps
    for denominator in (8, 1000):
        numerators = np.arange(0, 4 * denominator + 1, dtype=np.int64)
        found = round_points(numerators, denominator, rounding).tolist()
        expected = [to_points(Decimal(int(n)) / denominator, rounding) for n in numerators]
        assert found == expected, (rounding, denominator)


PROGRAM = """
name = "Many decimals"
currency = "EUR"
[earning]
points_per_unit = {rate}
rounding = "{rounding}"
[tiers]
  [[tiers.levels]]
  name = "Base"
  [[tiers.levels]]
  name = "Top"
  threshold = 100
  multiplier = 1.123456789
[categories]
books = 1.987654321
[[promotions]]
name = "Always"
starts = 2020-01-01
ends = 2030-12-31
multiplier = 3.333333333
"""


@pytest.mark.parametrize("rate", ["1", "0.37", "97.654321"])
@pytest.mark.parametrize("rounding", ["down", "up", "half_up", "half_even"])
def test_line_points_are_the_domains_through_every_stage(rate: str, rounding: str) -> None:
    # given: lines with four-decimal prices, at both tiers, in and out of the category
    program = parse_program(PROGRAM.format(rate=rate, rounding=rounding))
    rng = np.random.default_rng(5)
    lines = [
        Line(
            "s",
            "books" if rng.random() < 0.5 else None,
            int(rng.integers(1, 50)),
            Decimal(int(rng.integers(0, 10**9))).scaleb(-4),
        )
        for _ in range(400)
    ]
    tiers = rng.integers(0, 2, len(lines))
    at = datetime(2026, 5, 5, 12)
    data = history_of(
        ["c"] * len(lines),
        np.full(len(lines), at, dtype="datetime64[us]"),
        [None] * len(lines),
        [(line,) for line in lines],
    )
    # when
    rules = line_points(program, data, tiers)
    found = sum(np.asarray(v, dtype=np.int64) for v in rules.values())
    # then
    names = ["Base", "Top"]
    expected = [
        score(program, MemberState(names[t]), PurchaseFacts(at, "EUR", (line,))).points
        for line, t in zip(lines, tiers, strict=True)
    ]
    assert found.tolist() == expected


FEW_DAYS = """
name = "A promotion on one day of the month"
currency = "EUR"
[earning]
points_per_unit = 0.37
rounding = "{rounding}"
[tiers]
  [[tiers.levels]]
  name = "Base"
  [[tiers.levels]]
  name = "Top"
  threshold = 100
  multiplier = 1.123456789
[[promotions]]
name = "One day"
starts = 2026-05-05
ends = 2026-05-05
multiplier = 2.5
[[promotions]]
name = "Always"
starts = 2020-01-01
ends = 2030-12-31
multiplier = 1.1
"""


@pytest.mark.parametrize("rounding", ["down", "up", "half_up", "half_even"])
def test_stages_that_move_few_lines_give_the_domains_points(rounding: str) -> None:
    # given: a promotion on one day of the month and a top tier held by few, so that
    # those stages move under a quarter of the lines, then a stage moving all of them
    program = parse_program(FEW_DAYS.format(rounding=rounding))
    rng = np.random.default_rng(7)
    size = 400
    lines = [
        Line("s", None, int(rng.integers(1, 50)), Decimal(int(rng.integers(0, 10**9))).scaleb(-4))
        for _ in range(size)
    ]
    days = rng.integers(1, 32, size)
    at = [datetime(2026, 5, int(d), 12) for d in days]
    tiers = (rng.random(size) < 0.1).astype(np.int64)
    data = history_of(
        ["c"] * size, np.array(at, dtype="datetime64[us]"), [None] * size, [(x,) for x in lines]
    )
    # when
    rules = line_points(program, data, tiers)
    found = sum(np.asarray(v, dtype=np.int64) for v in rules.values())
    # then
    names = ["Base", "Top"]
    expected = [
        score(program, MemberState(names[t]), PurchaseFacts(when, "EUR", (line,))).points
        for line, t, when in zip(lines, tiers, at, strict=True)
    ]
    assert found.tolist() == expected
