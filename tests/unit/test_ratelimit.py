"""Token buckets (api/ratelimit.py): the figures below are worked out by hand from
`burst` tokens to start with and `rate` tokens gained a second."""

from __future__ import annotations

import pytest

from patron.api.ratelimit import TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_grants_its_burst_then_says_when_the_next_token_comes() -> None:
    # given 3 tokens, 0.5 a second
    clock = FakeClock()
    buckets = TokenBuckets(0.5, 3, clock=clock)
    # then three requests pass and the fourth waits 1 / 0.5 = 2 s
    assert [buckets.take("k") for _ in range(4)] == [0.0, 0.0, 0.0, 2.0]
    # after 1 s half a token is back: 0.5 more to wait, 1 s
    clock.now = 1.0
    assert buckets.take("k") == 1.0
    # after 2 s a whole token: granted, and the next waits 2 s again
    clock.now = 2.0
    assert [buckets.take("k"), buckets.take("k")] == [0.0, 2.0]


def test_a_refused_request_takes_nothing() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, 1, clock=clock)
    assert buckets.take("k") == 0.0
    clock.now = 0.25
    # refused three times at 0.25 s: each says 0.75 s, none pushes the token further away
    assert [buckets.take("k") for _ in range(3)] == [0.75, 0.75, 0.75]
    clock.now = 1.0
    assert buckets.take("k") == 0.0


def test_a_bucket_refills_up_to_its_burst_only() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, 2, clock=clock)
    assert [buckets.take("k"), buckets.take("k")] == [0.0, 0.0]
    clock.now = 100.0  # 100 tokens' worth of time, but the bucket holds 2
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 1.0]


def test_wait_reads_a_bucket_without_taking_from_it() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(0.25, 1, clock=clock)
    assert buckets.wait("k") == 0.0  # a key never seen has its burst
    assert buckets.take("k") == 0.0
    assert buckets.wait("k") == 4.0
    clock.now = 3.0
    assert buckets.wait("k") == 1.0
    assert buckets.wait("k") == 1.0
    clock.now = 4.0
    assert buckets.wait("k") == 0.0
    assert buckets.take("k") == 0.0


def test_keys_have_their_own_buckets() -> None:
    buckets = TokenBuckets(1.0, 1, clock=FakeClock())
    assert [buckets.take("a"), buckets.take("a"), buckets.take("b")] == [0.0, 1.0, 0.0]


def test_full_buckets_are_dropped_first_when_there_are_too_many() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, 1, clock=clock, max_keys=2)
    buckets.take("a")
    clock.now = 1.0  # "a" is full again
    buckets.take("b")
    buckets.take("c")  # a third key: "a", full, is dropped; "b", empty, is kept
    assert len(buckets) == 2
    assert buckets.take("b") == 1.0


def test_all_buckets_are_dropped_when_none_is_full() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(1.0, 1, clock=clock, max_keys=2)
    buckets.take("a")
    buckets.take("b")
    clock.now = 0.5
    buckets.take("c")
    assert len(buckets) == 1
    assert buckets.take("a") == 0.0  # forgiven: a new, full bucket


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_a_bucket_that_could_never_grant_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate > 0 and burst >= 1"):
        TokenBuckets(rate, burst)
