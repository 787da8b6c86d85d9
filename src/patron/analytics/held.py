"""Figures held while the data they were computed from has not changed.

Why. The console's pages show figures that take seconds to compute on a big store (the
KPIs of a period scan every purchase; a customer base fits its models on all of them),
while the data they come from changes only when a purchase, refund or redemption is
recorded. So a computation is kept with the version of the data it read
(`services.queries.data_version`, or any value that changes with the data) and given again
while that version is current: the second manager to open the overview pays nothing.

When the data has changed, the held figures are stale. The new ones are computed in the
background (one computation per key at a time, however many pages ask) and the page
waits for them at most `wait` seconds; if they are not ready by then, it gets the stale
figures, marked as such with the moment they were computed, which the page says ("as of
10:42, being updated"). A busy shop, whose data changes every few seconds, thus never
makes a manager wait for a full recomputation, and never shows figures without saying
how old they are. Nor does it keep a core busy recomputing: after a computation that
took d seconds, the next one of the same figures starts no sooner than `spacing` × d
seconds later (ten times by default: at most a tenth of a core for figures that change
all the time); until then the stale figures are given. `wait=math.inf` always waits
(the CLI's and the tests' choice: the same request always gives the figures of the data
as it is). With nothing held yet, the page waits however long the first computation
takes.

A computation that fails (too little history for a model, say) is not held: the error
goes to the pages that waited for it, and the next request tries again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from patron.domain.clock import utcnow

log = logging.getLogger("patron.figures")
V = TypeVar("V")


@dataclass(frozen=True)
class Figures(Generic[V]):
    """A computed value, the data version it read and when it was computed (UTC)."""

    value: V
    version: object
    computed_at: datetime
    current: bool  # computed from the data as it is now (False: stale, being updated)


@dataclass
class _Entry(Generic[V]):
    value: V
    version: object
    computed_at: datetime
    started: float  # monotonic, for the ttl and the spacing
    took: float  # seconds the computation took


class Held(Generic[V]):
    """Values per key, each held for one version of the data (at most `keep` keys, the
    least recently asked leaving first; at most `ttl` seconds when set)."""

    def __init__(
        self,
        *,
        wait: float = math.inf,
        keep: int = 32,
        ttl: float | None = None,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        workers: int = 2,
        spacing: float = 10.0,
    ) -> None:
        self.wait, self.keep, self.ttl, self.spacing = wait, keep, ttl, spacing
        self.clock, self.monotonic = clock, monotonic
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry[V]] = OrderedDict()
        self._running: dict[Hashable, tuple[object, Future[_Entry[V]]]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="patron-figures")

    def get(self, key: Hashable, version: object, compute: Callable[[], V]) -> Figures[V]:
        """The value of `key` for `version` of the data: held, computed now, or (when the
        new one is not ready within `wait` seconds) the stale one, marked stale."""
        with self._lock:
            held = self._entries.get(key)
            if held is not None:
                self._entries.move_to_end(key)
                if self._fresh(held, version):
                    return Figures(held.value, held.version, held.computed_at, True)
                if self._too_soon(held):
                    return Figures(held.value, held.version, held.computed_at, False)
            future = self._start(key, version, compute)
        if held is None or math.isinf(self.wait):
            entry = future.result()
        else:
            try:
                entry = future.result(timeout=self.wait)
            except FutureTimeout:
                return Figures(held.value, held.version, held.computed_at, False)
        return Figures(entry.value, entry.version, entry.computed_at, True)

    def ready(self, key: Hashable, version: object, compute: Callable[[], V]) -> Figures[V] | None:
        """Like `get`, except that with nothing held yet it starts the computation and
        answers None at once (when pages do not always wait): a page that can show itself
        without these figures says they are being computed rather than wait minutes."""
        with self._lock:
            if key not in self._entries and not math.isinf(self.wait):
                self._start(key, version, compute)
                return None
        return self.get(key, version, compute)

    def forget(self) -> None:
        """Drop every held value (the next requests compute again)."""
        with self._lock:
            self._entries.clear()

    def _fresh(self, held: _Entry[V], version: object) -> bool:
        if held.version != version:
            return False
        return self.ttl is None or self.monotonic() - held.started <= self.ttl

    def _too_soon(self, held: _Entry[V]) -> bool:
        """Whether recomputing stale figures now would start within `spacing` times
        their last computation's duration (never, when pages always wait)."""
        if math.isinf(self.wait):
            return False
        return self.monotonic() - held.started < self.spacing * held.took

    def _start(self, key: Hashable, version: object, compute: Callable[[], V]) -> Future[_Entry[V]]:
        """The computation of `key` for `version`: the one already running, or a new one.
        Called with the lock held."""
        running = self._running.get(key)
        if running is not None and running[0] == version:
            return running[1]
        future = self._pool.submit(self._compute, key, version, compute)
        self._running[key] = (version, future)
        return future

    def _compute(self, key: Hashable, version: object, compute: Callable[[], V]) -> _Entry[V]:
        started, at = self.monotonic(), self.clock()
        try:
            value = compute()
            entry = _Entry(value, version, at, started, self.monotonic() - started)
        except BaseException as exc:
            log.info("figures %r not computed: %s", key, exc)
            with self._lock:
                self._done(key, version)
            raise
        with self._lock:
            self._done(key, version)
            held = self._entries.get(key)
            if held is not None and held.started > started:
                return entry  # a later computation (of newer data) finished first: keep it
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.keep:
                self._entries.popitem(last=False)
        return entry

    def _done(self, key: Hashable, version: object) -> None:
        running = self._running.get(key)
        if running is not None and running[0] == version:
            del self._running[key]
