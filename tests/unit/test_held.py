"""Figures held per version of the data (analytics/held.py): computed once per version,
the stale ones given while the new ones are computed, never a second computation of the
same figures at once. The slow computations here wait on an Event the test sets, so
nothing depends on how fast the machine is."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from patron.analytics.held import Held

T0, T1 = datetime(2026, 11, 26, 10, 0), datetime(2026, 11, 26, 10, 5)


class Counted:
    """A computation that counts its calls and, when `gate` is set up, waits for it."""

    def __init__(self, value: str, gate: threading.Event | None = None) -> None:
        self.value, self.gate, self.calls = value, gate, 0
        self.started = threading.Event()

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        return self.value


def test_the_same_version_is_computed_once() -> None:
    held: Held[str] = Held(clock=lambda: T0)
    compute = Counted("a")
    first = held.get("overview", 1, compute)
    again = held.get("overview", 1, compute)
    assert (first.value, first.current, first.computed_at) == ("a", True, T0)
    assert again.value == "a" and again.current and compute.calls == 1


def test_a_new_version_is_computed_again_when_the_page_waits_for_it() -> None:
    held: Held[str] = Held()  # wait=inf: always the figures of the data as it is
    held.get("k", 1, Counted("old"))
    new = Counted("new")
    assert held.get("k", 2, new).value == "new"
    assert held.get("k", 2, new).value == "new" and new.calls == 1


def test_stale_figures_are_given_while_the_new_ones_are_computed() -> None:
    now = [T0]
    held: Held[str] = Held(wait=0.01, clock=lambda: now[0], spacing=0)
    held.get("k", 1, Counted("old"))
    now[0] = T1
    gate = threading.Event()
    slow = Counted("new", gate)
    stale = held.get("k", 2, slow)
    assert (stale.value, stale.current, stale.computed_at, stale.version) == ("old", False, T0, 1)
    assert held.get("k", 2, slow).value == "old"  # still computing: not started twice
    gate.set()
    fresh = held.get("k", 2, Counted("never"))  # waits: the running one finishes in time?
    while not fresh.current:  # the running computation ends when the gate opens
        fresh = held.get("k", 2, Counted("never"))
    assert (fresh.value, fresh.computed_at, slow.calls) == ("new", T1, 1)


def test_with_nothing_held_the_first_page_waits_for_the_computation() -> None:
    held: Held[str] = Held(wait=0.0, spacing=0)
    gate = threading.Event()
    slow = Counted("first", gate)
    threading.Timer(0.05, gate.set).start()
    assert held.get("k", 1, slow).value == "first"


def test_pages_asking_at_once_share_one_computation() -> None:
    held: Held[str] = Held()
    gate = threading.Event()
    slow = Counted("v", gate)
    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(held.get("k", 1, slow).value))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    assert slow.started.wait(10)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert answers == ["v"] * 5 and slow.calls == 1


def test_a_failed_computation_is_not_held() -> None:
    held: Held[str] = Held()
    calls = [0]

    def failing() -> str:
        calls[0] += 1
        raise LookupError("too little history")

    with pytest.raises(LookupError, match="too little history"):
        held.get("k", 1, failing)
    with pytest.raises(LookupError):
        held.get("k", 1, failing)
    assert calls[0] == 2
    assert held.get("k", 1, Counted("later")).value == "later"


def test_the_least_recently_asked_key_leaves_first() -> None:
    held: Held[str] = Held(keep=2)
    a, b, c = Counted("a"), Counted("b"), Counted("c")
    held.get("a", 1, a)
    held.get("b", 1, b)
    held.get("a", 1, a)  # a asked again: b is now the oldest
    held.get("c", 1, c)
    held.get("a", 1, a)
    held.get("b", 1, b)
    assert (a.calls, b.calls, c.calls) == (1, 2, 1)


def test_a_ttl_ends_holding_even_for_the_same_version() -> None:
    now = [0.0]
    held: Held[str] = Held(ttl=600, monotonic=lambda: now[0])
    compute = Counted("v")
    held.get("k", None, compute)
    now[0] = 600.0
    held.get("k", None, compute)
    now[0] = 601.0
    held.get("k", None, compute)
    assert compute.calls == 2


def test_an_older_computation_finishing_last_does_not_replace_a_newer_one() -> None:
    held: Held[str] = Held(wait=0.0, spacing=0)
    held.get("k", 1, Counted("v1"))
    gate2 = threading.Event()
    v2 = Counted("v2", gate2)
    held.get("k", 2, v2)  # stale v1 given; v2 computing
    assert v2.started.wait(10)
    v3 = Counted("v3")
    held.get("k", 3, v3)  # v3 starts after v2 and finishes first
    fresh = held.get("k", 3, v3)
    while not fresh.current:
        fresh = held.get("k", 3, v3)
    gate2.set()
    held._pool.shutdown(wait=True)  # v2 has ended too
    assert held.get("k", 3, Counted("no")).value == "v3"


def test_figures_that_change_all_the_time_are_recomputed_at_most_every_spacing_durations() -> None:
    now = [0.0]

    def taking(seconds: float, value: str) -> Counted:
        class Slow(Counted):
            def __call__(self) -> str:
                now[0] += seconds  # the computation takes `seconds` of the monotonic clock
                return super().__call__()

        return Slow(value)

    held: Held[str] = Held(wait=0.0, spacing=10, monotonic=lambda: now[0])
    held.get("k", 1, taking(6.0, "v1"))  # started at 0, took 6 s
    held._pool.shutdown(wait=True)
    later = taking(6.0, "v2")
    now[0] = 59.0  # 59 s after the start: within 10 x 6 s, the stale figures, no computation
    assert held.get("k", 2, later).value == "v1" and later.calls == 0
    now[0] = 60.0
    held._pool = ThreadPoolExecutor(1)
    held.get("k", 2, later)
    held._pool.shutdown(wait=True)
    assert later.calls == 1 and held.get("k", 2, later).value == "v2"


def test_ready_answers_none_at_once_while_the_first_computation_runs() -> None:
    held: Held[str] = Held(wait=0.0, spacing=0)
    gate = threading.Event()
    slow = Counted("base", gate)
    assert held.ready("k", 1, slow) is None
    assert held.ready("k", 1, slow) is None and slow.started.wait(10)
    gate.set()
    held._pool.shutdown(wait=True)
    found = held.ready("k", 1, slow)
    assert found is not None and found.value == "base" and slow.calls == 1


def test_ready_waits_when_pages_always_wait() -> None:
    held: Held[str] = Held()  # wait=inf
    found = held.ready("k", 1, Counted("base"))
    assert found is not None and found.value == "base"
