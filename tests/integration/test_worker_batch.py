"""The worker's claimed batch (worker.py): sent concurrently with each member's deliveries
one after the other in event order, its answers recorded together in one transaction, and
on a stop the unsent ones put back. A recording sender stands in for HTTP (the receiver
tests are in test_webhooks.py). On both stores."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.domain.events import Event
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.webhooks import Sent
from patron.services import webhooks as uc
from patron.store.webhooks import Webhooks
from patron.worker import Worker, WorkerOptions

NO_WAIT = RetryPolicy(max_attempts=3, base=timedelta(0), cap=timedelta(0))


@dataclass(frozen=True)
class Call:
    member_id: int
    event_id: int
    url: str
    started: float
    ended: float


class RecordingSender:
    """Answers `status(job)` after `seconds`, noting each call's span; thread-safe."""

    def __init__(self, seconds: float = 0.0, status: Any = lambda _job: 204) -> None:
        self.seconds = seconds
        self.status = status
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    def send(self, job: uc.Job) -> Sent:
        started = time.perf_counter()
        time.sleep(self.seconds)
        code = self.status(job)
        with self.lock:
            self.calls.append(
                Call(job.member_id, job.event_id, job.url, started, time.perf_counter())
            )
        return Sent(code, None if code < 300 else f"HTTP {code}")


def subscribe(patron: Patron, url: str, *types: str) -> None:
    patron.run(uc.add_webhook, uc.AddWebhook(url, list(types), "test"))


def write(patron: Patron, events: list[tuple[str, int]]) -> list[int]:
    """Events (type, member) in this order; their ids."""
    with patron.uow() as uow:
        new = [Event(kind, m, uow.now, {"k": i}) for i, (kind, m) in enumerate(events)]
        uow.outbox.add(new, uow.now)
        uow.commit()
    with patron.uow(readonly=True) as uow:
        found = sorted(e.id for m in {m for _, m in events} for e in uow.outbox.for_member(m))
    assert len(found) == len(events)
    return found


def test_a_members_deliveries_in_one_batch_go_in_event_order_the_members_side_by_side(
    patron: Patron,
) -> None:
    # given: two subscriptions, one per event type; each of 4 members has an earn (to A)
    # then an expiry (to B): neither waits for the other, so one claim takes all 8
    subscribe(patron, "http://127.0.0.1:9/a", "points.earned")
    subscribe(patron, "http://127.0.0.1:9/b", "points.expired")
    members = [1, 2, 3, 4]
    kinds = [("points.earned", m) for m in members] + [("points.expired", m) for m in members]
    ids = write(patron, kinds)
    sender = RecordingSender(seconds=0.05)
    worker = Worker(patron, sender, WorkerOptions(batch=20, concurrency=8), single=True)
    # when: one pass
    assert worker.step() == 8 + 8  # 8 events routed, 8 deliveries sent
    worker.close()
    # then: each member's earn (ids[m-1]) went, and was answered, before their expiry
    # (ids[4+m-1]) started
    assert len(sender.calls) == 8
    for m in members:
        mine = sorted((c for c in sender.calls if c.member_id == m), key=lambda c: c.started)
        assert [c.event_id for c in mine] == [ids[m - 1], ids[4 + m - 1]]
        assert [c.url[-1] for c in mine] == ["a", "b"]
        assert mine[1].started >= mine[0].ended
    # and the members went side by side: some member's first call started before another
    # member's first had ended (sequentially, each would start after the one before ended)
    firsts = [
        min((c for c in sender.calls if c.member_id == m), key=lambda c: c.started) for m in members
    ]
    firsts.sort(key=lambda c: c.started)
    assert any(b.started < a.ended for a, b in zip(firsts, firsts[1:], strict=False))
    facts = patron.read(uc.backlog)
    assert (facts.events, facts.pending, facts.sending) == (0, 0, 0)


def test_a_batchs_answers_are_all_recorded_in_one_transaction(
    patron: Patron, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: 6 members, one event each; the receiver fails members 2 and 5 (HTTP 500)
    subscribe(patron, "http://127.0.0.1:9/hook", "*")
    ids = write(patron, [("points.adjusted", m) for m in range(1, 7)])
    recorded: list[int] = []
    finish = Webhooks.finish

    def counting(self: Webhooks, outcomes: list[Any], now: Any) -> None:
        recorded.append(len(outcomes))
        finish(self, outcomes, now)

    monkeypatch.setattr(Webhooks, "finish", counting)
    sender = RecordingSender(status=lambda job: 500 if job.member_id in (2, 5) else 204)
    worker = Worker(patron, sender, WorkerOptions(batch=6, policy=NO_WAIT), single=True)
    # when: one pass
    worker.step()
    worker.close()
    # then: the 6 answers in one call of the store (one transaction: `patron.run`)
    assert recorded == [6]
    log = {d.event_id: d for d in patron.read(uc.deliveries, uc.ListDeliveries())}
    assert {e: (d.state, d.attempts, d.last_status) for e, d in log.items()} == {
        ids[0]: ("delivered", 1, 204),
        ids[1]: ("pending", 1, 500),
        ids[2]: ("delivered", 1, 204),
        ids[3]: ("delivered", 1, 204),
        ids[4]: ("pending", 1, 500),
        ids[5]: ("delivered", 1, 204),
    }
    for event_id, delivery in log.items():
        [attempt] = patron.read(uc.attempts, delivery.id)
        assert attempt.finished_at is not None
        assert attempt.status_code == (500 if event_id in (ids[1], ids[4]) else 204)
    assert (worker.counts.sent, worker.counts.delivered, worker.counts.failed) == (6, 4, 2)
    facts = patron.read(uc.backlog)
    assert (facts.events, facts.pending, facts.sending) == (2, 2, 0)  # members 2 and 5


def test_a_stop_during_a_batch_records_the_answers_and_puts_back_the_unsent(
    patron: Patron,
) -> None:
    # given: 3 members, one event each, sent one at a time (concurrency 1); the worker is
    # told to stop while the first is on the wire
    subscribe(patron, "http://127.0.0.1:9/hook", "*")
    ids = write(patron, [("points.adjusted", m) for m in (1, 2, 3)])
    worker: Worker

    def stop_then_answer(_job: uc.Job) -> int:
        worker.stop()
        return 204

    sender = RecordingSender(status=stop_then_answer)
    worker = Worker(patron, sender, WorkerOptions(batch=3, concurrency=1), single=True)
    worker.step()
    # then: the first delivered and recorded; the other two pending, as before their claim
    assert [c.event_id for c in sender.calls] == [ids[0]]
    log = {d.event_id: d for d in patron.read(uc.deliveries, uc.ListDeliveries())}
    assert {e: (d.state, d.attempts) for e, d in log.items()} == {
        ids[0]: ("delivered", 1),
        ids[1]: ("pending", 0),
        ids[2]: ("pending", 0),
    }
    assert patron.read(uc.attempts, log[ids[1]].id) == []
