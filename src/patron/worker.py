"""`patron worker`: the outbox consumer. It routes every event to the webhook subscriptions
that want it and delivers each at least once, in order per member, with retries; the
same routing pass enqueues the messages of the event-driven journeys, and at most once
per `[journeys] run_every_minutes` the worker runs the time-driven ones (win-back,
birthday: services/journeys.py) and, at most once a minute, the campaigns whose next run
has come (services/campaigns.py; `patron campaigns run-due` does the same by hand). It
sends the message core's queued messages (delivery.py) after the webhooks of each pass.

Design overview. One pass (`Worker.step`) is three kinds of transaction, none of them
open while a request is on the wire: route up to `route_batch` events (deliveries made),
claim up to `batch` deliveries (each attempt recorded, the delivery leased), then send the
claimed batch and record all its answers in one transaction. The batch goes out
concurrently (`concurrency` threads over the sender's one pool of kept-alive
connections), a member's deliveries one after the other in event order in one thread, so
order per member holds within a batch as it does across batches (the claim takes a
member's delivery to a subscription only when no earlier one is undone). Killed at any
point, the worker loses nothing: an event not routed is routed by the next pass; a
claimed delivery whose answer was not recorded is taken back when its lease runs out (or
at once at the next start with `single=True`, the SQLite case: `reconcile`) and sent
again with the same `webhook-id`, which the receiver uses to drop the duplicate; so a
crash re-sends at most the batch in flight. SIGTERM (`stop()`) ends the loop after the
requests on the wire: their answers are recorded, the claimed ones not yet sent are put
back untouched. A pass that found work is followed at once by the next; an idle worker
waits from `idle_seconds` up to `poll_seconds` (bench/README.md, outbox lag).

On PostgreSQL several workers share the work (`FOR UPDATE SKIP LOCKED`, store/webhooks.py);
on SQLite the command line allows one worker per store (a lock file beside it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
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
    """Called from several threads at once (`concurrency`): it must be thread-safe."""

    def send(self, job: uc.Job) -> SentLike: ...


class SentLike(Protocol):
    @property
    def status(self) -> int | None: ...

    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True)
class WorkerOptions:
    batch: int = 200
    route_batch: int = 1000
    poll_seconds: float = 1.0
    idle_seconds: float = 0.05  # the first wait after a pass that found work
    concurrency: int = 8  # requests on the wire at once (members side by side)
    timeout_seconds: float = 10.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease_seconds: float | None = None
    campaign_seconds: float = 60.0  # how often the due campaigns are looked for

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery stays this worker's: by default long enough for a
        whole batch at its timeout (`concurrency` requests at once, so `batch /
        concurrency` rounds of them), with room to record the answers. After a crash on
        PostgreSQL another worker takes the delivery back once it has run out; one that
        runs out while the batch is still on the wire (a member with many subscriptions,
        every receiver at its timeout) is sent again by the other worker under the same
        webhook-id, and this worker's late answer is not recorded over the other's."""
        if self.lease_seconds is not None:
            return timedelta(seconds=self.lease_seconds)
        rounds = -(-self.batch // max(self.concurrency, 1))
        return timedelta(seconds=self.timeout_seconds * 2 * (rounds + 1) + 30)


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
        self._executor: ThreadPoolExecutor | None = None

    def stop(self) -> None:
        """Finish the requests on the wire, record their answers, then leave (SIGTERM)."""
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
        if jobs:
            self._deliver(jobs)
        sent_messages = 0
        if self.messages is not None and not self.stopping:
            sent_messages = self.messages.step(lambda: self.stopping)
        return routed + len(jobs) + sent_messages

    def _deliver(self, jobs: list[uc.Job]) -> None:
        """Send a claimed batch, each member's jobs in event order one after the other in
        one thread, the members side by side (up to `concurrency` at once); then record
        every answer in one transaction and put back what a stop left unsent. An error of
        the sender (none from HttpSender) is raised after the others' answers are kept."""
        groups: dict[int, list[uc.Job]] = {}
        for job in jobs:  # claimed in event order
            groups.setdefault(job.member_id, []).append(job)
        results: list[list[tuple[uc.Job, SentLike]]] = []
        failure: BaseException | None = None
        if self.options.concurrency <= 1 or len(groups) == 1:
            try:
                for group in groups.values():
                    results.append(self._send_in_order(group))
            except Exception as exc:  # noqa: BLE001 - raised below, once the rest is kept
                failure = exc
        else:
            pool = self._pool()
            futures = [pool.submit(self._send_in_order, group) for group in groups.values()]
            for future in futures:
                try:
                    results.append(future.result())
                except Exception as exc:  # noqa: BLE001 - raised below, as above
                    failure = failure or exc
        policy = self.options.policy
        answers = [uc.Answer(job, s.status, s.error, policy) for done in results for job, s in done]
        if answers:
            self.patron.run(uc.finish_deliveries, answers)
        answered = {a.job.delivery_id for a in answers}
        unsent = [job for job in jobs if job.delivery_id not in answered]
        if unsent and failure is None:  # stopping: as they were (after an error: the lease)
            self.patron.run(uc.release_deliveries, unsent)
        for answer in answers:
            self.counts.sent += 1
            if answer.error is None:
                self.counts.delivered += 1
            else:
                self.counts.failed += 1
                log.warning(
                    "webhook %d to %s: %s", answer.job.delivery_id, answer.job.url, answer.error
                )
        if failure is not None:
            raise failure

    def _send_in_order(self, group: list[uc.Job]) -> list[tuple[uc.Job, SentLike]]:
        """One member's jobs, one after the other, until the worker is told to stop."""
        done: list[tuple[uc.Job, SentLike]] = []
        for job in group:
            if self.stopping:
                break
            done.append((job, self.sender.send(job)))
        return done

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                self.options.concurrency, thread_name_prefix="patron-webhook"
            )
        return self._executor

    def close(self) -> None:
        """The sending threads end (the worker may step again: they start anew)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def run(self, *, until_idle: bool = False) -> Counts:
        """Reconcile, then pass after pass until stopped (or, `until_idle`, until a pass
        finds nothing to do: the tests' and the benchmark's mode). A pass that found work
        is followed at once by the next; after an idle one the worker waits, from
        `idle_seconds` doubling up to `poll_seconds`: new work soon after a busy pass (a
        steady stream of events) is taken within a fraction of the poll interval, and an
        idle store is asked once per interval."""
        self.reconcile()
        wait = self.options.idle_seconds
        try:
            while not self.stopping:
                if self.step() == 0:
                    if until_idle:
                        break
                    self._stop.wait(min(wait, self.options.poll_seconds))
                    wait = min(wait * 2, self.options.poll_seconds)
                else:
                    wait = self.options.idle_seconds
        finally:
            self.close()
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
