"""The simulation's fast searches against plain NumPy and brute force: the packed sort
against `np.lexsort`, the month table against `np.searchsorted`, the timeline's window
starts and positions against a loop over each member's purchases."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from patron.analytics.simulation.calendar import add_months, month_index, month_starts
from patron.analytics.simulation.tiers import Timeline, sort_order

GRID = month_starts(date(2025, 11, 1), date(2026, 12, 31))
BASE = np.datetime64("2025-11-01T00:00:00", "us")


def _history(seed: int) -> tuple[np.ndarray, np.ndarray, int]:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 300))
    _, member = np.unique(rng.integers(0, 15, size), return_inverse=True)
    step = int(rng.choice([1, 3600, 86_400]))
    at = BASE + (rng.integers(0, 420 * 86_400 // step, size) * step).astype("timedelta64[s]")
    exact = rng.random(size) < 0.2  # some at a month's very first instant
    at[exact] = GRID[rng.integers(0, len(GRID), int(exact.sum()))]
    return member.astype(np.int64), at, int(member.max()) + 1


@pytest.mark.parametrize("seed", range(40))
def test_the_packed_sort_is_the_stable_lexicographic_order(seed: int) -> None:
    member, at, members = _history(seed)
    micros = at.view(np.int64)
    day, time = micros // 86_400_000_000, micros % 86_400_000_000
    day -= day.min()
    want = np.lexsort((np.arange(len(at)), time, day, member))
    order, sorted_member, sorted_day = sort_order(member, day, time, members, int(day.max()) + 1)
    assert order.tolist() == want.tolist()
    assert sorted_member.tolist() == member[want].tolist()
    assert sorted_day.tolist() == day[want].tolist()
    wide = sort_order(member, day, time, 2**40, int(day.max()) + 1)  # the lexsort path
    assert wide[0].tolist() == want.tolist()


@pytest.mark.parametrize("seed", range(40))
def test_the_month_table_counts_as_a_binary_search(seed: int) -> None:
    _, at, _ = _history(seed)
    rng = np.random.default_rng(seed)
    bounds = GRID[int(rng.integers(0, 6)) : int(rng.integers(6, len(GRID) + 1))]
    for side in ("left", "right"):
        assert month_index(at, bounds, side).tolist() == np.searchsorted(bounds, at, side).tolist()
    shifted = bounds + np.timedelta64(1, "h")  # not at midnight: the search itself
    assert month_index(at, shifted).tolist() == np.searchsorted(shifted, at).tolist()


@pytest.mark.parametrize("seed", range(40))
def test_windows_and_positions_equal_a_loop_over_each_member(seed: int) -> None:
    member, at, members = _history(seed)
    line, order = Timeline.of(member, at, members)
    assert line.at.tolist() == at[order].tolist()
    for months in (0, 1, 3, 12):
        starts = add_months(line.at, -months)
        want = [
            next(j for j in range(len(line.at)) if line.member[j] == line.member[i]
                 and line.at[j] >= starts[i])
            for i in range(len(line.at))
        ]  # fmt: skip
        assert line.window_starts(months).tolist() == want
    moments = np.sort(np.concatenate([GRID[::3], at[:2]]))
    for after in (False, True):
        found = line.positions_at(moments, after=after)
        for k, moment in enumerate(moments):
            for m in range(members):
                mine = np.flatnonzero(line.member == m)
                later = mine[line.at[mine] > moment if after else line.at[mine] >= moment]
                first = later[0] if len(later) else mine[-1] + 1
                assert found[m, k] == first
                assert line.positions(moment, after=after)[m] == first
