"""Token buckets in one process: the API's limits per API key and per client address.

Design overview. A bucket holds at most `burst` tokens and gains `rate` tokens a second;
a request takes one token, or is refused with the seconds until the next one is there
(the answer's Retry-After). A bucket left alone refills, so a client that keeps to `rate`
is never refused and one that pauses may then send `burst` at once.

The buckets live in the worker's memory: with `patron serve --workers N` each worker
counts on its own and a client may get up to N times the limit (docs/api.md says so).
A full bucket is the same as no bucket, so when there are more than `max_keys` buckets
the full ones are dropped; if all are still in use (a flood from many addresses) every
bucket is dropped, which forgives the callers rather than letting memory grow.

The event loop calls these methods from one thread at a time, so there is no lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One token bucket per key, created full on the key's first request."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a bucket needs rate > 0 and burst >= 1, not {rate} and {burst}")
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def take(self, key: Hashable) -> float:
        """Take a token for `key`: 0.0 when granted, else the seconds until one is there
        (and nothing is taken)."""
        bucket = self._refilled(key)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def wait(self, key: Hashable) -> float:
        """The seconds until `key` has a token (0.0 if it has one now), taking nothing:
        a lockout is checked before the attempt and charged only if the attempt fails."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self.burst, bucket.tokens + (self.clock() - bucket.stamp) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)

    def _refilled(self, key: Hashable) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            return bucket
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        return bucket

    def _prune(self, now: float) -> None:
        full = [
            key
            for key, b in self._buckets.items()
            if b.tokens + (now - b.stamp) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()
