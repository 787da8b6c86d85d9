"""The worker loses nothing: SIGKILLed at drawn points of its work and restarted, it
ends with every event delivered, and an idempotent receiver sees none twice; a receiver
that keeps duplicates sees exactly one per kill between a send and its record. Two
workers at once on PostgreSQL deliver each event once. (The 5,000-event version is
bench/worker.py.)"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from patron.bootstrap import Patron
from patron.domain.events import Event
from patron.domain.webhooks import RetryPolicy
from patron.engage.channels.webhooks import HttpSender
from patron.services import webhooks as uc
from patron.store.webhooks import Webhooks
from patron.worker import Worker, WorkerOptions
from tests.conftest import Clock
from tests.support.webhook_receiver import Receiver, receiving

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("route", "claim", "send", "finish")
LEASE = 1.0  # seconds: on PostgreSQL a killed worker's claim is taken back after it
EVENTS, MEMBERS, KILLS = 300, 30, 12
BATCH = 5  # deliveries a claim, sent concurrently (the default concurrency, 8)
NO_WAIT = RetryPolicy(base=timedelta(0), cap=timedelta(0))


def write_events(patron: Patron, count: int, members: int) -> list[int]:
    with patron.uow() as uow:
        uow.outbox.add(
            [Event("points.adjusted", 1 + n % members, uow.now, {"n": n}) for n in range(count)],
            uow.now,
        )
        uow.commit()
    with patron.uow(readonly=True) as uow:
        return [e.id for m in range(1, members + 1) for e in uow.outbox.for_member(m)]


def subscribe(patron: Patron, receiver: Receiver) -> None:
    new = patron.run(uc.add_webhook, uc.AddWebhook(receiver.url, ["*"], "test"))
    receiver.secret = new.secret


def die_at(owner: Any, name: str, at: int) -> None:
    """Wrap `owner.name` so that the process kills itself (SIGKILL) right after its
    `at`-th call: `route`, `claim` and `finish` after their statements and before their
    commit; `send` after the receiver answered and before the answer is recorded (the one
    point where a message was delivered and the store does not know it). The same point on
    any machine, however loaded: no timer, no race."""
    original = getattr(owner, name)
    calls = 0

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = original(*args, **kwargs)
        calls += 1
        if calls == at:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, wrapped)


def worker_process(url: str, single: bool, phase: str, at: int) -> None:
    """A worker in a forked process of its own (the test's imports without their cost),
    killed at the `at`-th call of `phase` when one is given."""
    owners = {"route": Webhooks, "claim": Webhooks, "finish": Webhooks, "send": HttpSender}
    if phase:
        die_at(owners[phase], phase, at)
    patron = Patron.from_url(url)
    options = WorkerOptions(batch=BATCH, policy=NO_WAIT, lease_seconds=LEASE)
    Worker(patron, HttpSender(timeout=5), options, single=single).run(until_idle=True)
    patron.dispose()


def run_worker(url: str, single: bool, phase: str = "", at: int = 0) -> int | None:
    process = multiprocessing.get_context("fork").Process(
        target=worker_process, args=(url, single, phase, at)
    )
    process.start()
    process.join(timeout=300)
    return process.exitcode


def test_a_worker_killed_at_drawn_points_and_restarted_delivers_every_event_once(
    patron: Patron, store_kind: str
) -> None:
    # the store's real clock: the worker processes read it, and a lease runs out in real time
    url = patron.engine.url.render_as_string(hide_password=False)
    patron.dispose()  # no pooled connection for a forked process to inherit
    real = Patron.from_url(url)
    single = store_kind == "sqlite"
    draw = random.Random(16)
    try:
        with receiving() as receiver:
            subscribe(real, receiver)
            ids = write_events(real, count=EVENTS, members=MEMBERS)
            real.dispose()
            # given: runs each killed at a drawn step's drawn call (route, claim and finish
            # are called once a pass of up to BATCH deliveries, send once a delivery: at
            # most 4 passes' worth each, so that every kill comes before the work is done)
            plan = [
                (phase, draw.randint(1, 4 * (BATCH if phase == "send" else 1)))
                for phase in (draw.choice(PHASES) for _ in range(KILLS))
            ]
            codes = [run_worker(url, single, phase, at) for phase, at in plan]
            # when: runs without a kill until nothing is left (after a kill on PostgreSQL,
            # the claim is taken back once its lease has run out)
            for _ in range(20):
                if real.read(uc.backlog).events == 0:
                    break
                time.sleep(0 if single else LEASE)
                real.dispose()
                assert run_worker(url, single) == 0
        # then: every event was delivered, with a valid signature, first in order per member
        assert receiver.invalid == 0
        assert sorted(int(i.removeprefix("evt_")) for i in receiver.unique) == sorted(ids)
        firsts = [int(r.msg_id.removeprefix("evt_")) for r in receiver.unique.values()]
        each = EVENTS // MEMBERS
        for m in range(1, MEMBERS + 1):
            mine = [i for i in firsts if i in set(ids[(m - 1) * each : m * each])]
            assert mine == sorted(mine)
        # duplicates only for a kill between a send and the batch's record: at least the
        # one just sent, at most the batch in flight (its answers are recorded together)
        killed = [p for (p, _), code in zip(plan, codes, strict=True) if code == -signal.SIGKILL]
        assert len(killed) == KILLS  # every drawn call comes before the work is done
        in_flight = sum(p in ("send", "finish") for p in killed)
        duplicates = len(receiver.received) - len(receiver.unique)
        assert in_flight <= duplicates <= in_flight * BATCH
        facts = real.read(uc.backlog)
        assert (facts.events, facts.pending, facts.sending, facts.dead) == (0, 0, 0, 0)
    finally:
        real.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_two_workers_at_once_on_postgresql_deliver_each_event_once(
    patron: Patron, clock: Clock
) -> None:
    url = patron.engine.url.render_as_string(hide_password=False)
    other = Patron.from_url(url, clock=clock)
    try:
        with receiving() as receiver:
            subscribe(patron, receiver)
            ids = write_events(patron, count=300, members=60)
            workers = [
                Worker(p, HttpSender(), WorkerOptions(batch=5), single=False)
                for p in (patron, other)
            ]
            threads = [threading.Thread(target=w.run, kwargs={"until_idle": True}) for w in workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        assert receiver.invalid == 0
        assert len(receiver.received) == 300
        assert sorted(int(r.msg_id.removeprefix("evt_")) for r in receiver.received) == sorted(ids)
        # between them, each event once (how the two threads share the work depends on how
        # the machine schedules them: one may find everything done when it starts)
        assert sum(w.counts.delivered for w in workers) == 300
        assert patron.read(uc.backlog).events == 0
    finally:
        other.dispose()


def test_a_second_worker_on_one_sqlite_store_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'patron.db'}"
    store = Patron.from_url(url)
    store.migrate()
    store.dispose()
    env = {**os.environ, "PATRON_DATABASE_URL": url}
    first = subprocess.Popen(
        [sys.executable, "-m", "patron", "worker", "--poll", "0.05"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr is not None
        assert first.stderr.readline().startswith("worker: delivering")
        second = subprocess.run(
            [sys.executable, "-m", "patron", "worker", "--until-idle"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "another `patron worker` runs on" in second.stderr
        assert "SQLite takes one worker per store" in second.stderr
    finally:
        # SIGTERM: the first stops gracefully and says what it did
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0
