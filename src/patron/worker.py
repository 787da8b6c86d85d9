"""`patron worker`: the outbox consumer. It routes every event to the webhook subscriptions
that want it and delivers each at least once, in order per member, with retries; the
same routing pass enqueues the messages of the event-driven journeys, and at most once
per `[journeys] run_every_minutes` the worker runs the time-driven ones (win-back,
birthday: services/journeys.py) and, at most once a minute, the campaigns whose next run
has come (services/campaigns.py; `patron campaigns run-due` does the same by hand). It
sends the message core's queued messages (delivery.py) after the webhooks of each pass.

Design overview. One pass (`Worker.step`) is three kinds of transaction, none of them
open while a request is on the wire: route up to `route_batch` events (deliveries made),
claim up to `batch` deliveries (each attempt recorded, the delivery leased), then for each
claimed one send it and record the answer. Killed at any point, the worker loses nothing:
an event not routed is routed by the next pass; a claimed delivery whose answer was not
recorded is taken back when its lease runs out (or at once at the next start with
`single=True`, the SQLite case: `reconcile`) and sent again with the same `webhook-id`,
which the receiver uses to drop the duplicate. SIGTERM (`stop()`) ends the loop after
the delivery on the wire: the claimed ones not yet sent are put back untouched.

On PostgreSQL several workers share the work (`FOR UPDATE SKIP LOCKED`, store/webhooks.py);
on SQLite the command line allows one worker per store (a lock file beside it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from patron.bootstrap import Patron
from patron.delivery import MessageDelivery
from patron.domain.errors import PatronError
from patron.domain.webhooks import RetryPolicy
from patron.services import journey_scan, journeys
from patron.services import webhooks as uc

log = logging.getLogger("patron.worker")


class Sender(Protocol):
    def send(self, job: uc.Job) -> SentLike: ...


class SentLike(Protocol):
    @property
    def status(self) -> int | None: ...

    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class WorkerOptions:
    batch: int = 20
    route_batch: int = 500
    poll_seconds: float = 1.0
    timeout_seconds: float = 10.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease_seconds: float | None = None
    campaign_seconds: float = 60.0  # how often the due campaigns are looked for

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery stays this worker's: by default long enough for a
        whole batch at its timeout, with room to record the answers. After a crash on
        PostgreSQL another worker takes the delivery back once it has run out."""
        if self.lease_seconds is not None:
            return timedelta(seconds=self.lease_seconds)
        return timedelta(seconds=self.timeout_seconds * 2 * (self.batch + 1) + 30)


@dataclass
class Counts:
    routed: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    reconciled: int = 0
    journey_runs: int = 0
    campaign_runs: int = 0


class Worker:
    def __init__(
        self,
        patron: Patron,
        sender: Sender,
        options: WorkerOptions,
        *,
        single: bool,
        messages: MessageDelivery | None = None,
    ) -> None:
        self.patron = patron
        self.messages = messages  # the message core's queue (delivery.py); None: webhooks only
        self.sender = sender
        self.options = options
        self.single = single
        self.counts = Counts()
        self._stop = threading.Event()
        self._journeys_ran_at: datetime | None = None
        self._campaigns_looked_at: datetime | None = None

    def stop(self) -> None:
        """Finish the delivery on the wire, then leave (SIGTERM)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def reconcile(self) -> int:
        taken = self.patron.run(uc.reconcile, self.single)
        if self.messages is not None:
            taken += self.messages.reconcile(self.single)
        self.counts.reconciled += taken
        if taken:
            log.info("%d deliveries left in flight by a stopped worker are pending again", taken)
        return taken

    def run_journeys(self) -> bool:
        """The time-driven journeys, when the program has one on and the last run of this
        worker is at least `run_every_minutes` ago. Whether they ran."""
        every = self.patron.read(journeys.run_every)
        now = self.patron.clock()
        if every is None or (
            self._journeys_ran_at is not None and now - self._journeys_ran_at < every
        ):
            return False
        self._journeys_ran_at = now
        try:
            alive = p_alive_for(self.patron)
        except Exception:  # noqa: BLE001 - the interval rule still runs without the model
            log.exception("P(alive) for win-back could not be computed; the interval rule runs")
            alive = None
        cmd = journey_scan.RunJourneys(now, alive)
        done = journey_scan.run_journeys(self.patron.new_uow, cmd)
        self.counts.journey_runs += 1
        log.info("journeys run: %s queued, %s refused", done.queued, done.refused)
        return True

    def run_campaigns(self) -> int:
        """The campaigns whose next run has come, looked for at most once a
        `campaign_seconds`: each run in its own transaction, its row locked (a second
        worker finds it no longer due). The runs made."""
        now = self.patron.clock()
        every = timedelta(seconds=self.options.campaign_seconds)
        if self._campaigns_looked_at is not None and now - self._campaigns_looked_at < every:
            return 0
        self._campaigns_looked_at = now
        ran = 0
        for name, outcome in self.patron.run_due_campaigns("worker"):
            if isinstance(outcome, PatronError):
                log.warning("campaign %r: not run: %s", name, outcome.message)
            else:
                ran += 1
                log.info("campaign %r run %d: %d queued", name, outcome.run, outcome.queued)
        self.counts.campaign_runs += ran
        return ran

    def step(self) -> int:
        """One pass: route, claim, send and record. The events and deliveries handled."""
        self.run_journeys()
        self.run_campaigns()
        routed = self.patron.run(uc.route_events, self.options.route_batch)
        self.counts.routed += routed
        claim = uc.Claim(self.options.batch, self.options.lease)
        jobs = self.patron.run(uc.claim_deliveries, claim)
        for done, job in enumerate(jobs):
            if self.stopping:
                self.patron.run(uc.release_deliveries, jobs[done:])
                break
            sent = self.sender.send(job)
            self.patron.run(
                uc.finish_delivery, uc.Answer(job, sent.status, sent.error, self.options.policy)
            )
            self.counts.sent += 1
            if sent.error is None:
                self.counts.delivered += 1
            else:
                self.counts.failed += 1
                log.warning("webhook %d to %s: %s", job.delivery_id, job.url, sent.error)
        sent_messages = 0
        if self.messages is not None and not self.stopping:
            sent_messages = self.messages.step(lambda: self.stopping)
        return routed + len(jobs) + sent_messages

    def run(self, *, until_idle: bool = False) -> Counts:
        """Reconcile, then pass after pass until stopped (or, `until_idle`, until a pass
        finds nothing to do: the tests' and the benchmark's mode)."""
        self.reconcile()
        while not self.stopping:
            if self.step() == 0:
                if until_idle:
                    break
                self._stop.wait(self.options.poll_seconds)
        return self.counts


def p_alive_for(patron: Patron) -> Mapping[str, float] | None:
    """Every customer's P(alive) today when the program's win-back asks for it (its
    `p_alive_below`), else None; fitted on the store's purchases (analytics/alive.py)."""
    if not patron.read(journeys.wants_p_alive):
        return None
    from patron.analytics.alive import p_alive_by_customer
    from patron.analytics.frames import from_store

    day = patron.clock().date()
    return patron.analytics().run(lambda con: p_alive_by_customer(from_store(con), day))
