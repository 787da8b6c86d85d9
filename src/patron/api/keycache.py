"""The keys a worker authenticated lately, so that a request costs no database read.

Design overview. Authenticating a key is one indexed read, on every request of every
till; a worker remembers each key it has authenticated for `seconds`
(PATRON_KEY_CACHE_SECONDS, 30 by default). The price is the revocation delay: a key
revoked elsewhere (the CLI, another worker) keeps working on this worker until its entry
is that old. The worker that revokes or rotates a key through the API forgets it at once.
A rotated key's deadline is kept in its principal and checked on every hit against the
server's clock, so a key this worker learnt of after its rotation stops on time; one it
had remembered before stops at most `seconds` after its deadline. A cache of 0 seconds
remembers nothing: revocation takes effect at the next request, at a read per request.

Ages are measured on the monotonic clock (`monotonic`, replaceable in tests): a change of
the wall clock neither keeps an entry nor drops it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from patron.services.apikeys import Principal

MAX_ENTRIES = 10_000  # past it the cache starts again: a bound on memory, not an LRU


class KeyCache:
    def __init__(self, seconds: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.monotonic = monotonic
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        """The principal remembered for `key`, if it was remembered less than `seconds` ago."""
        hit = self._entries.get(key)
        if hit is None:
            return None
        if hit[0] <= self.monotonic():
            del self._entries[key]
            return None
        return hit[1]

    def put(self, key: str, principal: Principal) -> None:
        if self.seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (self.monotonic() + self.seconds, principal)

    def forget(self, key_id: int) -> None:
        """Drop every entry of the key `key_id` (revoked or rotated by this worker)."""
        stale = [k for k, (_, p) in self._entries.items() if p.key_id == key_id]
        for key in stale:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
