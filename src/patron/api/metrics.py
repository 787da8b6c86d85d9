"""The Prometheus metrics of one API process, with prometheus-client.

Design overview. Each app gets its own `Metrics`: its own registry, so two apps in one
process (the tests build many) never share counts. The middleware (observability.py)
records every request, by method, route template and status, with its duration; a
write the ledger acknowledged (201 and not an idempotent replay) also counts as an earn,
a redemption or a refund. The database pool's use is read off the engine when /metrics
is scraped (and after each request, for the multi-process case below); the outbox backlog
is a count in the store, read at scrape time by `StoreCollector`, with the age of the
oldest event waiting, the webhook dead letters and the messages waiting to be sent
(`patron worker`: docs/webhooks.md, docs/messages.md).

Several worker processes (`patron serve --workers N`) each count their own requests.
prometheus-client's multi-process mode adds them up: with PROMETHEUS_MULTIPROC_DIR set
(`patron serve` sets it to a fresh directory when N > 1), every process writes its values
to files there and a scrape, whichever worker answers it, reads them all. Pool gauges are
then summed over the live workers, each as of its last request; the outbox backlog, a fact
of the store, is read once by the worker that answers. Process metrics (CPU, memory) are
only exported in the single-process case: the client cannot add them up across processes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    platform_collector,
    process_collector,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from patron.services.health import DeliveryLag

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
log = logging.getLogger("patron.metrics")

# The writes an operator follows as business events: (method, route template) -> name.
LEDGER_WRITES = {
    ("POST", "/v1/purchases"): "earn",
    ("POST", "/v1/redemptions"): "redemption",
    ("POST", "/v1/purchases/{id}/refunds"): "refund",
}


_UP = "1 if the store answered the scrape's query, else 0"
_BACKLOG = "events in the outbox not yet published"
_AGE = "seconds since the oldest event not yet published was written (0: none waits)"
_DEAD = "webhook deliveries given up after their last attempt (dead letters)"
# the gauges of `patron worker`'s backlog (services/health.DeliveryLag), in its order
_LAG = {
    "patron_outbox_oldest_age_seconds": _AGE,
    "patron_webhook_dead_letters": _DEAD,
    "patron_messages_due": "messages due to be sent (queued, or deferred to a time now past)",
    "patron_messages_oldest_due_age_seconds": (
        "since it was asked, the age of the oldest message that should have gone by now"
        " (due, deferred after a failure, or stuck)"
    ),
    "patron_messages_later": "messages waiting for a later time (deferred or scheduled)",
    "patron_messages_stuck": "messages left sending by a worker that died (taken again soon)",
}


def multiprocess_mode() -> bool:
    return MULTIPROC_ENV in os.environ


class StoreCollector(Collector):
    """Facts of the store read at scrape time: whether it answered, and the outbox backlog
    (events written by use cases and not yet published). A store that fails the query is
    reported as down (patron_store_up 0) instead of failing the whole scrape."""

    def __init__(
        self, backlog: Callable[[], int], delivery: Callable[[], DeliveryLag] | None = None
    ) -> None:
        self._backlog = backlog
        self._delivery = delivery  # the oldest waiting event's age, dead letters, messages

    def describe(self) -> Iterable[Metric]:
        """The names, without a query (else registering the collector would run one)."""
        yield GaugeMetricFamily("patron_store_up", _UP)
        yield GaugeMetricFamily("patron_outbox_backlog", _BACKLOG)
        if self._delivery is not None:
            for name, help_ in _LAG.items():
                yield GaugeMetricFamily(name, help_)

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("patron_store_up", _UP)
        try:
            backlog = self._backlog()
            lag = self._delivery() if self._delivery is not None else None
        except Exception:  # noqa: BLE001 - a scrape reports the store down, never fails
            log.warning("the store did not answer the metrics query", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("patron_outbox_backlog", _BACKLOG, value=backlog)
        if lag is not None:
            values = (
                lag.oldest_event_age,
                lag.dead_letters,
                lag.messages_due,
                lag.oldest_message_age,
                lag.messages_later,
                lag.messages_stuck,
            )
            for (name, help_), value in zip(_LAG.items(), values, strict=True):
                yield GaugeMetricFamily(name, help_, value=value)


class Metrics:
    """The metrics of one app. `observe` is called once per request by the middleware."""

    def __init__(
        self,
        engine: Engine,
        backlog: Callable[[], int],
        delivery: Callable[[], DeliveryLag] | None = None,
    ) -> None:
        self.engine = engine
        self.registry = CollectorRegistry(auto_describe=True)
        self.store = StoreCollector(backlog, delivery)
        self.multiprocess = multiprocess_mode()
        reg = self.registry
        self.requests = Counter(
            "patron_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=reg,
        )
        self.latency = Histogram(
            "patron_http_request_duration_seconds",
            "time from a request's arrival to the end of its answer",
            ["method", "route"],
            registry=reg,
        )
        self.ledger_writes = {
            kind: Counter(
                f"patron_{kind}s",
                f"{kind}s recorded (201, idempotent replays excluded)",
                registry=reg,
            )
            for kind in LEDGER_WRITES.values()
        }
        self.pool_size = Gauge(
            "patron_db_pool_size",
            "connections the database pool keeps (summed over workers)",
            registry=reg,
            multiprocess_mode="livesum",
        )
        self.pool_connections = Gauge(
            "patron_db_pool_connections",
            "connections of the database pool in use by a request, or idle in the pool",
            ["state"],
            registry=reg,
            multiprocess_mode="livesum",
        )
        if not self.multiprocess:
            reg.register(self.store)
            process_collector.ProcessCollector(registry=reg)
            platform_collector.PlatformCollector(registry=reg)
            gc_collector.GCCollector(registry=reg)

    def observe(self, method: str, route: str, status: int, seconds: float, replay: bool) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        kind = LEDGER_WRITES.get((method, route))
        if kind is not None and status == 201 and not replay:
            self.ledger_writes[kind].inc()
        if self.multiprocess:
            self.sample_pool()

    def sample_pool(self) -> None:
        """The pool's use now (QueuePool, the pool of both stores; others are skipped)."""
        pool: Any = self.engine.pool
        if not all(hasattr(pool, a) for a in ("size", "checkedout", "checkedin")):
            return
        self.pool_size.set(pool.size())
        self.pool_connections.labels("in_use").set(pool.checkedout())
        self.pool_connections.labels("idle").set(pool.checkedin())

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The scrape's body and content type, in the format the scraper's Accept asks for
        (Prometheus text by default, OpenMetrics on request)."""
        self.sample_pool()
        registry: CollectorRegistry = self.registry
        if self.multiprocess:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(self.store)
        encode, content_type = choose_encoder(accept or "")
        return encode(registry), content_type
