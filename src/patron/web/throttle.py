"""Failed console logins per client address: at most `limit` in `window`, then the address
is refused until the oldest of them leaves the window.

The per-user lock (domain/staff.py) stops guessing one user's password; this stops one
address guessing many users' (and locking them all out). It counts in the worker's
memory, like the API's limits: with `--workers N` an address may get N times as many."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 10
WINDOW = 600.0  # seconds
MAX_ADDRESSES = 10_000


class FailedLogins:
    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # login routes run in the thread pool

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.get(address, deque())
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def wait(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            failures = self._recent(address, now)
            if len(failures) < self.limit:
                return 0.0
            return self.window - (now - failures[0])

    def failed(self, address: str) -> None:
        with self._lock:
            now = self.clock()
            if address not in self._failures and len(self._failures) >= MAX_ADDRESSES:
                self._failures.clear()  # a flood from many addresses: forgive, not grow
            failures = self._recent(address, now)
            failures.append(now)
            self._failures[address] = failures
